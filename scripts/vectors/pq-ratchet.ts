/**
 * spec/vectors/pq-ratchet.json: a version 3 conversation that completes two
 * steps of the post-quantum ratchet (protocol.md §6.9), each party the EK side
 * of one, with chunk-carrying messages lost, reordered and duplicated; then one
 * version 3 session from a prekey bundle (_pq-session.ts). Format:
 * spec/test-vectors.md §PQ ratchet.
 *
 * Like ratchet.json, the pair does not depend on PQXDH: SK, AD and Bob's
 * ratchet key come from the parameter seed, and each party draws from its own
 * seeded source in the order protocol.md §6.5.4 gives (a KEM seed or `m`
 * before a header nonce).
 */
import { mlKem768Decapsulate, toHex, utf8, x25519, type Bytes } from '../../src/crypto/index.js';
import { encodeRatchetState, type RatchetState } from '../../src/ratchet/index.js';
import { encodeHeader, type Header } from '../../src/ratchet/header.js';
import { kdfRootHE, kdfRootPQ } from '../../src/ratchet/root-key.js';
import { Conversation, expectPhase, ownHeader, peerOf, pqSummary, senderOf, type Party } from './_pq.js';
import { pqSessionVectors } from './_pq-session.js';
import { parameters } from './ratchet.js';

export const PARAMETER_SEED = new Uint8Array(32).fill(0x51);
export const ALICE_SEED = new Uint8Array(32).fill(0x61);
export const BOB_SEED = new Uint8Array(32).fill(0x62);

const range = (verb: string, prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${verb} ${prefix}${from + i}`);

/**
 * The script. `drop` marks a message never delivered; `snapshot` records both
 * serialized states. Comments give the PQ state the generator checks.
 */
export const SCRIPT: readonly string[] = [
  ...range('send', 'a', 0, 11), // Alice's first chain: key chunks 0..11 of step 1 (a0 draws the KEM seed)
  'deliver a1', 'deliver a0', 'deliver a2', 'drop a3', 'deliver a4', 'deliver a5', 'deliver a5', 'deliver a6', 'drop a7',
  'deliver a9', 'deliver a8',
  'snapshot bob-collecting', // Bob in ct-collect with 8 distinct chunks (a5 twice, a3 and a7 lost)
  'deliver a10', 'deliver a11', // chunks 10 and 11 (parity) make 10: Bob rebuilds ek, ct-encaps
  ...range('send', 'b', 0, 10), // Bob's first chain: ciphertext chunks 0..10 (b0 encapsulates)
  'deliver b0', 'drop b1', 'deliver b2', 'deliver b4', 'deliver b3', 'drop b5',
  'snapshot alice-ek-send-with-chunks', // Alice in ek-send holding 4 ciphertext chunks; Bob in ct-send
  'send a12', 'send a13', // Alice's second chain: empty blocks (she holds ciphertext chunks)
  'deliver a13', 'deliver a12', // Bob's new receiving chain, epoch 0: classic
  'deliver b6', 'deliver b8', 'deliver b7', 'deliver b10', 'deliver b9', // the 9th distinct chunk: Alice decapsulates, ek-mix
  'send b11', 'send b12', // Bob's second chain, still ciphertext chunks
  'deliver b12', // Alice's new sending chain mixes step 1 (DH-RATCHET step 5): e = 1, ct-collect
  'send a14', // epoch 1
  'deliver a14', // Bob sees epoch e + 1 in ct-send: mixes step 1 (DH-RATCHET step 3), e = 1, ek-keygen
  'deliver b11', // late: a skipped key, a chunk of a step already mixed
  ...range('send', 'b', 13, 24), // Bob's third chain: key chunks 0..11 of step 2 (b13 draws the KEM seed)
  'deliver b13', 'deliver b15', 'deliver b14', 'drop b16', 'deliver b17', 'deliver b18', 'deliver b19', 'deliver b20',
  'deliver b21', 'deliver b22', 'deliver b23', // 10 distinct: Alice rebuilds ek, ct-encaps
  ...range('send', 'a', 15, 25), // Alice's fourth chain: ciphertext chunks 0..10 (a15 encapsulates)
  'snapshot alice-ct-send', // Alice in ct-send; Bob in ek-send, no ciphertext chunk yet
  'deliver a16', 'deliver a15', 'drop a17', 'deliver a19', 'deliver a18', 'deliver a20', 'drop a21', 'deliver a23',
  'deliver a22', 'deliver a24', 'deliver a25', // 9 distinct: Bob decapsulates, ek-mix
  'send b25', 'deliver b25', // Bob's fourth chain (empty block); Alice's new receiving chain, classic
  'send a26', 'deliver a26', // Alice's fifth chain; Bob's new sending chain mixes step 2: e = 2, ct-collect
  'send b26', 'deliver b26', // epoch 2: Alice in ct-send mixes step 2, e = 2, ek-keygen
  'deliver b24', // late and stale
  'send a27', 'deliver a27', // Alice starts step 3: a new KEM seed, key chunk 0
  'snapshot end',
];

/** What each snapshot must show: [party, epoch, phase]. */
const SNAPSHOT_PHASES: Record<string, ReadonlyArray<readonly [Party, number, string]>> = {
  'bob-collecting': [['alice', 0, 'ek-send'], ['bob', 0, 'ct-collect']],
  'alice-ek-send-with-chunks': [['alice', 0, 'ek-send'], ['bob', 0, 'ct-send']],
  'alice-ct-send': [['alice', 1, 'ct-send'], ['bob', 1, 'ek-send']],
  end: [['alice', 2, 'ek-send'], ['bob', 2, 'ct-collect']],
};

export const plaintextOf = (id: string): Bytes => utf8(`Parley PQ ratchet vector message ${id}`);

function headerRecord(h: Header): Record<string, unknown> {
  const pq = h.pq!;
  return {
    ratchetKey: toHex(h.ratchetKey), previousChainLength: h.previousChainLength, messageNumber: h.messageNumber,
    pq: { epoch: pq.epoch, kind: pq.kind, step: pq.step, index: pq.index, chunk: toHex(pq.data) },
    plain: toHex(encodeHeader(h)),
  };
}

/** The KEM exchange of each step, as the two sides held it (protocol.md §6.9.4). */
interface StepRecord { ekSide?: Party; seed?: Bytes; encapsulationKey?: Bytes; ciphertext?: Bytes; pqSecret?: Bytes }

function noteStep(steps: Map<number, StepRecord>, party: Party, state: RatchetState): void {
  const pq = state.pq!;
  const step = steps.get(pq.epoch + 1) ?? {};
  if (pq.phase.kind === 'ek-send') Object.assign(step, { ekSide: party, seed: pq.phase.seed, encapsulationKey: pq.phase.encapsulationKey });
  if (pq.phase.kind === 'ct-send') Object.assign(step, { ciphertext: pq.phase.ciphertext, pqSecret: pq.phase.secret });
  steps.set(pq.epoch + 1, step);
}

/**
 * A mix at `party`'s decrypt of a message with header `h`: the CT side mixes at
 * DH-RATCHET step 3 (its new receiving chain), the EK side at step 5 (its new
 * sending chain). Recomputed from the states around it, and checked.
 */
function mixRecord(party: Party, id: string, h: Header, before: RatchetState, after: RatchetState): Record<string, unknown> {
  const phase = before.pq!.phase;
  const dh3 = x25519(before.sendingRatchetKey.privateKey, h.ratchetKey);
  let record: { at: string; rootKeyBefore: Bytes; dhOutput: Bytes; secret: Bytes };
  let check: (r: ReturnType<typeof kdfRootPQ>) => boolean;
  if (phase.kind === 'ct-send') {
    record = { at: 'DH-RATCHET step 3', rootKeyBefore: before.rootKey, dhOutput: dh3, secret: phase.secret };
    check = (r) => toHex(r.nextHeaderKey) === toHex(after.nextReceivingHeaderKey);
  } else if (phase.kind === 'ek-mix') {
    const dh5 = x25519(after.sendingRatchetKey.privateKey, h.ratchetKey);
    record = { at: 'DH-RATCHET step 5', rootKeyBefore: kdfRootHE(before.rootKey, dh3).rootKey, dhOutput: dh5, secret: phase.secret };
    check = (r) => toHex(r.rootKey) === toHex(after.rootKey) && toHex(r.chainKey) === toHex(after.sendingChainKey as Bytes);
  } else {
    throw new Error(`vector generator: ${party} mixed from phase ${phase.kind}`);
  }
  const r = kdfRootPQ(record.rootKeyBefore, record.dhOutput, record.secret);
  if (!check(r)) throw new Error(`vector generator: the mix at ${id} does not match the state`);
  return {
    party, message: id, step: after.pq!.epoch, at: record.at, rootKeyBefore: toHex(record.rootKeyBefore), dhOutput: toHex(record.dhOutput),
    pqSecret: toHex(record.secret), rootKey: toHex(r.rootKey), chainKey: toHex(r.chainKey), nextHeaderKey: toHex(r.nextHeaderKey),
  };
}

function snapshot(name: string, afterEvents: number, c: Conversation): Record<string, unknown> {
  for (const [party, epoch, phase] of SNAPSHOT_PHASES[name] ?? []) expectPhase(`${party} at ${name}`, c.states[party], epoch, phase);
  return {
    name, afterEvents,
    alice: { pq: pqSummary(c.states.alice), state: toHex(encodeRatchetState(c.states.alice)) },
    bob: { pq: pqSummary(c.states.bob), state: toHex(encodeRatchetState(c.states.bob)) },
  };
}

function stepRecords(steps: Map<number, StepRecord>): unknown[] {
  return [...steps].filter(([, s]) => s.ciphertext !== undefined).map(([step, s]) => ({
    step, ekSide: s.ekSide, seed: toHex(s.seed!), encapsulationKey: toHex(s.encapsulationKey!), ciphertext: toHex(s.ciphertext!),
    sharedSecret: toHex(mlKem768Decapsulate(s.ciphertext!, s.seed!)), pqSecret: toHex(s.pqSecret!),
  }));
}

export default function pqRatchetVectors(): unknown {
  const { sharedSecret, associatedData, bobRatchetKey } = parameters(PARAMETER_SEED);
  const c = new Conversation({ sharedSecret, associatedData, bobRatchetKey, aliceSeed: ALICE_SEED, bobSeed: BOB_SEED });
  const headers = new Map<string, Header>();
  const messages: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const mixes: Record<string, unknown>[] = [];
  const states: Record<string, unknown>[] = [];
  const steps = new Map<number, StepRecord>();
  for (const line of SCRIPT) {
    const [op, id] = line.split(' ') as [string, string];
    if (op === 'snapshot') { states.push(snapshot(id, events.length, c)); continue; }
    const sender = senderOf(id);
    if (op === 'send') {
      const before = c.states[sender];
      const message = c.send(id, plaintextOf(id));
      headers.set(id, ownHeader(before, message));
      noteStep(steps, sender, c.states[sender]);
      messages.push({ id, sender, plaintext: toHex(plaintextOf(id)), header: headerRecord(headers.get(id)!), message: toHex(message) });
      events.push({ op, message: id, sender: pqSummary(c.states[sender]) });
    } else if (op === 'drop') {
      events.push({ op, message: id });
    } else {
      const receiver = peerOf(sender);
      const before = c.states[receiver];
      const outcome = c.deliver(id);
      if (before.pq!.epoch !== c.states[receiver].pq!.epoch) mixes.push(mixRecord(receiver, id, headers.get(id)!, before, c.states[receiver]));
      events.push({ op, message: id, outcome, receiver: pqSummary(c.states[receiver]) });
    }
  }
  if (mixes.length !== 4) throw new Error(`vector generator: ${mixes.length} mixes, expected 4 (two steps, both sides)`);
  return {
    description: 'Post-quantum ratchet (version 3): two completed KEM steps with lost, reordered and duplicated chunk-carrying messages, then one version 3 session from a prekey bundle (spec/protocol.md §6.9)',
    parameters: {
      parameterSeed: toHex(PARAMETER_SEED), aliceRandomSeed: toHex(ALICE_SEED), bobRandomSeed: toHex(BOB_SEED),
      sharedSecret: toHex(sharedSecret), associatedData: toHex(associatedData),
      bobRatchetPrivateKey: toHex(bobRatchetKey.privateKey), bobRatchetPublicKey: toHex(bobRatchetKey.publicKey),
    },
    events,
    messages,
    steps: stepRecords(steps),
    mixes,
    states,
    session: pqSessionVectors(),
  };
}
