/**
 * spec/vectors/negative-pq-ratchet.json: the post-quantum ratchet on hostile
 * input (protocol.md §6.6, §6.9.2, §6.9.5–§6.9.7; format: spec/test-vectors.md
 * §Negative vectors). A version 3 pair completes step 1; on the way the
 * receivers' serialized states are kept, and messages are forged from the
 * sender's real state: the real plain header with its PQ block changed, sealed
 * under the real header key, the body under the real message key, so that the
 * only thing wrong is the rule under test. A forged delivery is followed by the
 * real message, which must still decrypt: a refusal changes nothing.
 */
import { MAX_CHAIN_INDEX } from '../../src/constants.js';
import { concatBytes, utf8, x25519PublicKey, xaeadSeal, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import { kdfChain } from '../../src/ratchet/chain-key.js';
import { encodeHeader, headerAssociatedData } from '../../src/ratchet/header.js';
import { decodeRatchetState, encodeRatchetState, ratchetDecrypt, type RatchetState } from '../../src/ratchet/index.js';
import { sealBody } from '../../src/ratchet/message-key.js';
import type { PqBlock } from '../../src/ratchet/pq/block.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeMsgpack, encodeRatchetMessage } from '../../src/wire/index.js';
import { expectOutcome, hex, readLoose, type Expected } from './_negative.js';
import { Conversation, expectPhase, ownHeader, pqSummary, type PairInputs } from './_pq.js';

export const SEED = new Uint8Array(32).fill(0x71); // 'q'
const FILE = 'negative-pq-ratchet';

const plaintextOf = (id: string): Bytes => utf8(`Parley negative PQ ratchet vector ${id}`);

/** Block fields to replace; `kind` may lie outside 0..2 (written raw, as a hostile sender would). */
type BlockPatch = Partial<Omit<PqBlock, 'kind'>> & { kind?: number };

/** The message `before` would send as `id`, with its PQ block patched; the header nonce comes from `random`. */
function forge(before: RatchetState, real: Bytes, id: string, patch: BlockPatch, random: RandomSource): Bytes {
  const header = ownHeader(before, real);
  const plain = encodeHeader({ ...header, pq: { ...header.pq!, ...patch } as PqBlock });
  const nonce = random(24);
  const encryptedHeader = concatBytes(nonce, xaeadSeal(before.sendingHeaderKey!, nonce, plain, headerAssociatedData(3, before.associatedData)));
  const ciphertext = sealBody(kdfChain(before.sendingChainKey!).messageKey, plaintextOf(id), 3, before.associatedData, encryptedHeader);
  return encodeRatchetMessage({ version: 3, header: encryptedHeader, ciphertext });
}

/** The chunk of `real` (its PQ block's data) with `change` applied to a copy. */
function chunkOf(before: RatchetState, real: Bytes, change: (chunk: Bytes) => void): Bytes {
  const data = ownHeader(before, real).pq!.data.slice();
  change(data);
  return data;
}

/** The base conversation: every message is sent with its plaintext and must decrypt. */
class Recorder {
  constructor(readonly c: Conversation) {}
  send(...ids: string[]): void {
    for (const id of ids) this.c.send(id, plaintextOf(id));
  }
  deliver(...ids: string[]): void {
    for (const id of ids) {
      const outcome = this.c.deliver(id);
      if (outcome !== 'ok') throw new Error(`${FILE}: ${id} gave ${outcome} in the base conversation`);
    }
  }
}

const ids = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

interface Built {
  /** Receivers' states a case starts from, by name. */
  readonly receivers: Map<string, RatchetState>;
  readonly messages: Map<string, Bytes>;
  /** Forged message id → the id of the real message it was made from. */
  readonly forgedFrom: Map<string, string>;
}

/** Byte 127 of a chunk flipped: in chunk 9 of a key, a padding byte (1184 = 9 · 128 + 32). */
const flipLast = (d: Bytes): void => { d[127] = (d[127] as number) ^ 1; };
/** ek's first 12-bit coefficient set to 4095 ≥ q = 3329: FIPS 203 §7.2's modulus check fails. */
const badCoefficient = (d: Bytes): void => { d[0] = 0xff; d[1] = (d[1] as number) | 0x0f; };

/** The forged messages: [id, the real message it is made from, the change to its PQ block]. */
function forgeriesOf(c: Conversation): [string, string, BlockPatch][] {
  const chunk = (id: string, change: (d: Bytes) => void): Bytes => chunkOf(c.befores.get(id)!, c.sent.get(id)!, change);
  return [
    ['a4, kind 3', 'a4', { kind: 3 }],
    ['a4, kind 0 with a non-zero chunk byte', 'a4', { kind: 0, step: 0, index: 0, data: Uint8Array.from({ length: 128 }, (_, i) => (i === 127 ? 1 : 0)) }],
    ['a4, kind 0 with step 1', 'a4', { kind: 0, step: 1, index: 0, data: new Uint8Array(128) }],
    ['a4, kind 1 with step 0', 'a4', { step: 0 }],
    ['a4, a ciphertext chunk for step e + 2', 'a4', { kind: 2, step: 2 }],
    ['a4, a ciphertext chunk of step 1, whose EK side Alice is', 'a4', { kind: 2 }],
    ['a10, epoch e + 2', 'a10', { epoch: 2 }],
    ['a10, epoch e + 1', 'a10', { epoch: 1 }],
    ['b1, epoch e + 1', 'b1', { epoch: 1 }],
    ['b5, a key chunk of step 1, whose CT side Bob is', 'b5', { kind: 1 }],
    ['a13, a ciphertext chunk of step 2', 'a13', { kind: 2, step: 2 }],
    ['a9, a padding byte of the key not zero', 'a9', { data: chunk('a9', flipLast) }],
    ['a0, a key failing the FIPS 203 check', 'a0', { data: chunk('a0', badCoefficient) }],
  ];
}

/** Step 1 of the PQ ratchet, keeping the receivers' states each case starts from, then the forgeries. */
function conversation(inputs: PairInputs, forgeRandom: RandomSource): Built {
  const r = new Recorder(new Conversation(inputs, 3));
  const v2 = new Conversation(inputs, 2);
  const receivers = new Map<string, RatchetState>([['bob, fresh', r.c.states.bob], ['bob, fresh, version 2', v2.states.bob]]);
  const keep = (name: string, party: 'alice' | 'bob', epoch: number, phase: string): void => {
    expectPhase(name, r.c.states[party], epoch, phase);
    receivers.set(name, r.c.states[party]);
  };
  v2.send('a0', plaintextOf('a0'));
  r.send(...ids('a', 0, 9)); // key chunks 0..9 of step 1
  r.deliver(...ids('a', 0, 3));
  r.send('b0');
  keep('bob, ct-collect with 4 chunks', 'bob', 0, 'ct-collect');
  r.deliver('b0');
  r.send('a10'); // Alice's second chain, key chunk 10
  keep('alice, ek-send, before Bob\'s second chain', 'alice', 0, 'ek-send');
  r.deliver(...ids('a', 4, 10)); // 10 distinct chunks: ct-encaps; a10 starts Bob's second receiving chain
  keep('bob, ct-encaps', 'bob', 0, 'ct-encaps');
  r.send(...ids('b', 1, 9)); // Bob's second chain: ciphertext chunks 0..8 (b1 encapsulates)
  keep('bob, ct-send', 'bob', 0, 'ct-send');
  r.deliver(...ids('b', 1, 4));
  keep('alice, ek-send with 4 ciphertext chunks', 'alice', 0, 'ek-send');
  r.deliver(...ids('b', 5, 9)); // the 9th chunk: ek-mix
  r.send('a11');
  r.deliver('a11');
  r.send('b10');
  r.deliver('b10'); // Alice mixes step 1 at her new sending chain
  r.send('a12');
  r.deliver('a12'); // Bob mixes step 1 at his new receiving chain
  keep('bob, epoch 1, ek-keygen', 'bob', 1, 'ek-keygen');
  r.send('a13');
  const forgeries = forgeriesOf(r.c);
  const messages = new Map<string, Bytes>(['a0', ...ids('a', 1, 10), 'a13', 'b1', 'b5'].map((id) => [id, r.c.sent.get(id)!]));
  messages.set('a0, version 2', v2.sent.get('a0')!);
  const forgedFrom = new Map<string, string>();
  for (const [id, real, patch] of forgeries) {
    messages.set(id, forge(r.c.befores.get(real)!, r.c.sent.get(real)!, real, patch, forgeRandom));
    forgedFrom.set(id, real);
  }
  return { receivers, messages, forgedFrom };
}

type Plan = readonly [string, Expected][];
const ok = (...names: string[]): [string, Expected][] => names.map((id) => [id, 'ok']);
const FAILED = 'DECRYPT_FAILED';

/** Each case: the receiver it starts from and its deliveries, with the outcome protocol.md prescribes. */
const PLANS: ReadonlyArray<readonly [string, string, Plan]> = [
  ['§6.9.5: a new chain of epoch e + 2', "bob, ct-collect with 4 chunks", [['a10, epoch e + 2', FAILED], ...ok('a10')]],
  ['§6.9.5: a new chain of epoch e + 1, the receiver (CT side) not in ct-send', "bob, ct-collect with 4 chunks", [['a10, epoch e + 1', FAILED], ...ok('a10')]],
  ['§6.9.5: a new chain of epoch e + 1, the receiver (EK side) not in ct-send', "alice, ek-send, before Bob's second chain", [['b1, epoch e + 1', FAILED], ...ok('b1')]],
  ['§6.9.6 step 3: a key chunk at the EK side of its step', 'alice, ek-send with 4 ciphertext chunks', [['b5, a key chunk of step 1, whose CT side Bob is', FAILED], ...ok('b5')]],
  ['§6.9.6 step 4: a ciphertext chunk at the CT side of its step', 'bob, ct-collect with 4 chunks', [['a4, a ciphertext chunk of step 1, whose EK side Alice is', FAILED], ...ok('a4')]],
  ['§6.9.6 step 4: a ciphertext chunk in ek-keygen (no key sent)', 'bob, epoch 1, ek-keygen', [['a13, a ciphertext chunk of step 2', FAILED], ...ok('a13')]],
  ['§6.9.6 step 2: a chunk for step e + 2', 'bob, ct-collect with 4 chunks', [['a4, a ciphertext chunk for step e + 2', FAILED], ...ok('a4')]],
  ['§6.9.2: kind 3', 'bob, ct-collect with 4 chunks', [['a4, kind 3', FAILED], ...ok('a4')]],
  ['§6.9.2: kind 0 with a non-zero chunk byte', 'bob, ct-collect with 4 chunks', [['a4, kind 0 with a non-zero chunk byte', FAILED], ...ok('a4')]],
  ['§6.9.2: kind 0 with a non-zero step', 'bob, ct-collect with 4 chunks', [['a4, kind 0 with step 1', FAILED], ...ok('a4')]],
  ['§6.9.2: a key chunk for step 0', 'bob, ct-collect with 4 chunks', [['a4, kind 1 with step 0', FAILED], ...ok('a4')]],
  ['§6.9.3: K chunks rebuilding a key whose padding is not zero', 'bob, fresh', [...ok(...ids('a', 0, 8)), ['a9, a padding byte of the key not zero', FAILED], ...ok('a9')]],
  ['§6.9.6 step 3: a rebuilt key failing the FIPS 203 check is INVALID_KEY', 'bob, fresh', [...ok('a0, a key failing the FIPS 203 check', ...ids('a', 1, 8)), ['a9', 'INVALID_KEY']]],
  ['§6.6: a version 3 message to a version 2 session', 'bob, fresh, version 2', [['a0', FAILED], ...ok('a0, version 2')]],
  ['§6.6: a version 2 message to a version 3 session', 'bob, fresh', [['a0, version 2', FAILED], ...ok('a0')]],
];

function runCase(built: Built, deliverySeed: Bytes, [name, receiver, plan]: readonly [string, string, Plan]): unknown {
  const random = seededRandom(deliverySeed);
  let state = built.receivers.get(receiver)!;
  const steps = plan.map(([id, expected]) => ({
    message: id,
    expected: expectOutcome(FILE, `${name}: ${id}`, expected, () => { state = ratchetDecrypt(state, built.messages.get(id)!, random).state; }),
  }));
  return { name, receiver, steps };
}

type PqMap = Record<string, unknown>;

/** Serialized states (§6.9.7) of the kept receivers, the `pq` map changed one thing at a time. */
function stateCases(receivers: Map<string, RatchetState>): { name: string; base: string; input: string; expected: Expected }[] {
  const cases: { name: string; base: string; input: string; expected: Expected }[] = [];
  const add = (base: string, name: string, expected: Expected, change?: (pq: PqMap) => unknown): void => {
    const [version, kind, body] = readLoose(encodeRatchetState(receivers.get(base)!)) as unknown as [number, string, Record<string, unknown>];
    const pq = body['pq'] as PqMap | undefined;
    const input = change === undefined ? encodeRatchetState(receivers.get(base)!) : encodeMsgpack([version, kind, { ...body, pq: change({ ...pq }) }]);
    cases.push({ name, base, input: hex(input), expected: expectOutcome(FILE, name, expected, () => decodeRatchetState(input)) });
  };
  for (const base of receivers.keys()) add(base, `valid: ${base}`, 'ok');
  const collecting = 'bob, ct-collect with 4 chunks';
  const ekSend = 'alice, ek-send with 4 ciphertext chunks';
  const chunksOf = (pq: PqMap): [number, Bytes][] => pq['chunks'] as [number, Bytes][];
  const more = (pq: PqMap, count: number): [number, Bytes][] => {
    const held = chunksOf(pq);
    const free = Array.from({ length: 256 }, (_, i) => i).filter((i) => !held.some(([x]) => x === i));
    return [...held, ...free.slice(0, count - held.length).map((i): [number, Bytes] => [i, held[0]![1]])];
  };
  add(collecting, 'an unknown phase', 'MALFORMED', (pq) => ({ ...pq, p: 'ct-wait' }));
  add(collecting, 'pq nil', 'MALFORMED', () => null);
  add(collecting, 'without e', 'MALFORMED', ({ e: _e, ...pq }) => pq);
  add(collecting, 'an unknown key', 'MALFORMED', (pq) => ({ ...pq, zz: 0 }));
  add(collecting, 'ct-collect with next (a field of another phase)', 'MALFORMED', (pq) => ({ ...pq, next: 0 }));
  add('bob, ct-send', 'ct-send without secret', 'MALFORMED', ({ secret: _s, ...pq }) => pq);
  add('bob, epoch 1, ek-keygen', 'ek-keygen with a seed', 'MALFORMED', (pq) => ({ ...pq, seed: new Uint8Array(64) }));
  add(collecting, 'i not a boolean', 'MALFORMED', (pq) => ({ ...pq, i: 0 }));
  add(collecting, `e = ${MAX_CHAIN_INDEX} (above 2^32 − 2)`, 'MALFORMED', (pq) => ({ ...pq, e: MAX_CHAIN_INDEX }));
  add(collecting, `e = ${MAX_CHAIN_INDEX - 1} (the largest; step 2^32 − 1 is odd, Bob its CT side)`, 'ok', (pq) => ({ ...pq, e: MAX_CHAIN_INDEX - 1 }));
  add(collecting, 'a chunk of 127 bytes', 'MALFORMED', (pq) => ({ ...pq, chunks: [[0, new Uint8Array(127)], ...chunksOf(pq).slice(1)] }));
  add(collecting, 'a chunk index of 256', 'MALFORMED', (pq) => ({ ...pq, chunks: [[256, chunksOf(pq)[0]![1]], ...chunksOf(pq).slice(1)] }));
  add(ekSend, 'a seed of 63 bytes', 'MALFORMED', (pq) => ({ ...pq, seed: (pq['seed'] as Bytes).slice(1) }));
  add(ekSend, 'next = 256', 'MALFORMED', (pq) => ({ ...pq, next: 256 }));
  add(collecting, 'ct-collect holding K = 10 chunks (it would have rebuilt the key)', 'MALFORMED', (pq) => ({ ...pq, chunks: more(pq, 10) }));
  add(ekSend, 'ek-send holding K = 9 ciphertext chunks (it would have decapsulated)', 'MALFORMED', (pq) => ({ ...pq, chunks: more(pq, 9) }));
  add(collecting, 'ct-collect holding K − 1 = 9 chunks (the most)', 'ok', (pq) => ({ ...pq, chunks: more(pq, 9) }));
  add(collecting, 'two chunks with one index', 'INVALID_STATE', (pq) => ({ ...pq, chunks: [...chunksOf(pq), chunksOf(pq)[0]] }));
  add(ekSend, 'two ciphertext chunks with one index', 'INVALID_STATE', (pq) => ({ ...pq, chunks: [...chunksOf(pq), chunksOf(pq)[0]] }));
  add(collecting, 'the responder in ek-keygen at epoch 0 (a phase of the other side of step 1)', 'INVALID_STATE', ({ chunks: _c, ...pq }) => ({ ...pq, p: 'ek-keygen' }));
  add(ekSend, 'the initiator in ct-collect at epoch 0 (a phase of the other side of step 1)', 'INVALID_STATE', (pq) => ({ e: pq['e'], i: pq['i'], p: 'ct-collect', chunks: [] }));
  add('bob, epoch 1, ek-keygen', 'ek-keygen with i flipped (the initiator is the CT side of step 2)', 'INVALID_STATE', (pq) => ({ ...pq, i: true }));
  add('bob, ct-encaps', 'ct-encaps with a key failing the FIPS 203 check', 'INVALID_STATE', (pq) => {
    const ek = (pq['ek'] as Bytes).slice();
    badCoefficient(ek);
    return { ...pq, ek };
  });
  return cases;
}

export default function negativePqRatchet(): unknown {
  // Drawn in order: SK (32), AD (64), Bob's ratchet private key (32), Alice's, Bob's, the forger's and the deliveries' source seeds (32 each).
  const random = seededRandom(SEED);
  const [sharedSecret, associatedData, bobPrivate, aliceSeed, bobSeed, forgeSeed, deliverySeed] = [32, 64, 32, 32, 32, 32, 32].map((n) => random(n)) as Bytes[];
  const bobRatchetKey = { privateKey: bobPrivate!, publicKey: x25519PublicKey(bobPrivate!) };
  const built = conversation({ sharedSecret: sharedSecret!, associatedData: associatedData!, bobRatchetKey, aliceSeed: aliceSeed!, bobSeed: bobSeed! }, seededRandom(forgeSeed!));
  return {
    parameters: {
      seed: hex(SEED), sharedSecret: hex(sharedSecret!), associatedData: hex(associatedData!), bobRatchetPrivateKey: hex(bobPrivate!),
      bobRatchetPublicKey: hex(bobRatchetKey.publicKey), aliceRandomSeed: hex(aliceSeed!), bobRandomSeed: hex(bobSeed!),
      forgeRandomSeed: hex(forgeSeed!), deliveryRandomSeed: hex(deliverySeed!),
    },
    receivers: [...built.receivers].map(([name, state]) => ({ name, ...(state.pq === null ? {} : { pq: pqSummary(state) }), state: hex(encodeRatchetState(state)) })),
    messages: [...built.messages].map(([id, bytes]) => ({ id, ...(built.forgedFrom.has(id) ? { forgedFrom: built.forgedFrom.get(id) } : {}), message: hex(bytes) })),
    cases: PLANS.map((plan) => runCase(built, deliverySeed!, plan)),
    states: stateCases(built.receivers),
  };
}
