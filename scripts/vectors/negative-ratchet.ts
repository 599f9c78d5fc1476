/**
 * spec/vectors/negative-ratchet.json: the Double Ratchet on hostile and
 * repeated input (protocol.md §6.5, §6.7; format: spec/test-vectors.md
 * §Negative vectors). Alice's messages are made by the current
 * implementation at generation time, so the cases follow format changes;
 * Bob's replies check that a refused message drew no randomness (§6.5.4).
 */
import { MAX_CHAIN_INDEX, MAX_SKIP, PQ_RATCHET_VERSION } from '../../src/constants.js';
import { utf8, x25519PublicKey, type Bytes } from '../../src/crypto/index.js';
import {
  decodeRatchetState, encodeRatchetState, initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetState,
} from '../../src/ratchet/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeMsgpack } from '../../src/wire/index.js';
import { expectOutcome, flipBit, hex, LOW_ORDER_U, readLoose, type Expected } from './_negative.js';

export const SEED = new Uint8Array(32).fill(0x72); // 'r'

interface Parameters {
  sharedSecret: Bytes; associatedData: Bytes; bobPrivate: Bytes; bobPublic: Bytes; aliceSeed: Bytes; bobSeed: Bytes;
}

type Step =
  | { op: 'deliver'; message: string; expected: Expected }
  | { op: 'reply'; plaintext: string; message: string };

const plaintextOf = (n: number): Bytes => utf8(`Parley negative ratchet vector a${n}`);

function freshBob(p: Parameters): RatchetState {
  return initReceiver({ sharedSecret: p.sharedSecret, ownRatchetKeyPair: { privateKey: p.bobPrivate, publicKey: p.bobPublic }, associatedData: p.associatedData });
}

/** Alice's messages a0 … a(count − 1) of her first chain. */
function aliceMessages(p: Parameters, count: number): Bytes[] {
  const random = seededRandom(p.aliceSeed);
  let state = initSender({ sharedSecret: p.sharedSecret, peerRatchetKey: p.bobPublic, associatedData: p.associatedData, random });
  const out: Bytes[] = [];
  for (let n = 0; n < count; n++) {
    const r = ratchetEncrypt(state, plaintextOf(n), random);
    state = r.state;
    out.push(r.message);
  }
  return out;
}

/**
 * Alice's a0 as sent by a hostile Alice whose header names `ratchetKey`
 * instead of her real ratchet public key: the header and the body
 * authenticate, and only Bob's DH-RATCHET can refuse it (§2: a non-canonical
 * or low-order X25519 key is INVALID_KEY). Uses a fresh source of Alice's seed.
 */
function aliceWithRatchetKey(p: Parameters, ratchetKey: Bytes): Bytes {
  const random = seededRandom(p.aliceSeed);
  const state = initSender({ sharedSecret: p.sharedSecret, peerRatchetKey: p.bobPublic, associatedData: p.associatedData, random });
  const hostile = { ...state, sendingRatchetKey: { ...state.sendingRatchetKey, publicKey: ratchetKey } };
  return ratchetEncrypt(hostile, plaintextOf(0), random).message;
}

/**
 * Runs a case on a fresh Bob with a fresh source. Each delivery states the
 * outcome protocol.md prescribes; the generator refuses to write a file the
 * implementation disagrees with. A reply is Bob's encryption, recorded so
 * that a second implementation compares its bytes.
 */
function runCase(p: Parameters, messages: Map<string, Bytes>, plan: readonly ([string, Expected] | { reply: string })[]): Step[] {
  const random = seededRandom(p.bobSeed);
  let bob = freshBob(p);
  return plan.map((item): Step => {
    if (!Array.isArray(item)) {
      const r = ratchetEncrypt(bob, utf8(item.reply), random);
      bob = r.state;
      return { op: 'reply', plaintext: hex(utf8(item.reply)), message: hex(r.message) };
    }
    const [id, expected] = item;
    expectOutcome('negative-ratchet', id, expected, () => { bob = ratchetDecrypt(bob, messages.get(id)!, random).state; });
    return { op: 'deliver', message: id, expected };
  });
}

function stateCases(p: Parameters, a0: Bytes, a2: Bytes): { name: string; input: string; expected: Expected }[] {
  // Bob after a2 (a0 and a1 skipped), then a0: one skipped key left.
  let bob = ratchetDecrypt(freshBob(p), a2, seededRandom(p.bobSeed)).state;
  bob = ratchetDecrypt(bob, a0, seededRandom(p.bobSeed)).state;
  const valid = encodeRatchetState(bob);
  const [version, kind, body] = readLoose(valid) as unknown as [number, string, Record<string, unknown>];
  const c = (name: string, value: unknown, expected: Expected) => ({ name, input: hex(encodeMsgpack(value)), expected });
  const cases = [
    { name: 'valid', input: hex(valid), expected: 'ok' as Expected },
    c('version + 1', [version + 1, kind, body], 'UNSUPPORTED_VERSION'),
    c('kind "identity"', [version, 'identity', body], 'INVALID_STATE'),
    c('body with an unknown key', [version, kind, { ...body, zz: null }], 'MALFORMED'),
    c('body without its first key', [version, kind, Object.fromEntries(Object.entries(body).slice(1))], 'MALFORMED'),
  ];
  // §6.7 invariants, where the current layout has the fields they name.
  if ('cks' in body && 'hks' in body) cases.push(c('cks present, hks nil', [version, kind, { ...body, hks: null }], 'INVALID_STATE'));
  if ('ckr' in body && 'dhr' in body) cases.push(c('ckr present, dhr nil', [version, kind, { ...body, dhr: null }], 'INVALID_STATE'));
  if ('ckr' in body && 'hkr' in body) cases.push(c('ckr present, hkr nil', [version, kind, { ...body, hkr: null }], 'INVALID_STATE'));
  if ('ns' in body) cases.push(c('ns = 2^32', [version, kind, { ...body, ns: MAX_CHAIN_INDEX + 1 }], 'MALFORMED'));
  const skipped = body['skipped'];
  if (Array.isArray(skipped) && skipped.length > 0) {
    cases.push(c('a skipped key twice', [version, kind, { ...body, skipped: [...skipped, skipped[0]] }], 'INVALID_STATE'));
    const [hk, ...rest] = skipped[0] as [Bytes, ...unknown[]];
    cases.push(c('a skipped key under a header key that is neither hkr nor in prev', [version, kind, { ...body, skipped: [[flipBit(hk, 0), ...rest], ...skipped.slice(1)] }], 'INVALID_STATE'));
  }
  return cases;
}

export default function negativeRatchet(): unknown {
  // Drawn in order: SK (32), AD (64), Bob's ratchet private key (32), Alice's source seed (32), Bob's source seed (32).
  const random = seededRandom(SEED);
  const [sharedSecret, associatedData, bobPrivate, aliceSeed, bobSeed] = [random(32), random(64), random(32), random(32), random(32)] as Bytes[];
  const p: Parameters = { sharedSecret: sharedSecret!, associatedData: associatedData!, bobPrivate: bobPrivate!, bobPublic: x25519PublicKey(bobPrivate!), aliceSeed: aliceSeed!, bobSeed: bobSeed! };
  const sent = aliceMessages(p, MAX_SKIP + 3);
  const keep = [0, 1, 2, MAX_SKIP, MAX_SKIP + 1, MAX_SKIP + 2];
  const messages = new Map(keep.map((n) => [`a${n}`, sent[n]!]));
  const a0 = sent[0]!;
  const a0Fields = readLoose(a0);
  messages.set('a0 header bit flipped', encodeMsgpack({ ...a0Fields, h: flipBit(a0Fields['h'] as Bytes, -1) }));
  messages.set('a0 body bit flipped', encodeMsgpack({ ...a0Fields, c: flipBit(a0Fields['c'] as Bytes, -1) }));
  messages.set('a0 of version 4', encodeMsgpack({ ...a0Fields, v: PQ_RATCHET_VERSION + 1 }));
  messages.set('a0 relabelled version 3', encodeMsgpack({ ...a0Fields, v: PQ_RATCHET_VERSION }));
  messages.set('a0 truncated', a0.slice(0, -1));
  const aliceKey = x25519PublicKey(seededRandom(p.aliceSeed)(32)); // initSender's first draw (§6.3)
  messages.set('a0 naming its ratchet key with bit 255 set', aliceWithRatchetKey(p, flipBit(aliceKey, 31, 7)));
  messages.set('a0 naming a low-order ratchet key', aliceWithRatchetKey(p, LOW_ORDER_U));
  const reply = { reply: 'Parley negative ratchet vector b0' };
  const ok = (n: number): [string, Expected] => [`a${n}`, 'ok'];
  const plans: Record<string, ([string, Expected] | { reply: string })[]> = {
    'a replay is DUPLICATE_MESSAGE': [ok(0), ['a0', 'DUPLICATE_MESSAGE'], reply],
    'a skipped key, used, then replayed': [ok(1), ok(0), ['a0', 'DUPLICATE_MESSAGE']],
    [`first message n = MAX_SKIP (${MAX_SKIP} keys skipped)`]: [ok(MAX_SKIP)],
    'first message n = MAX_SKIP + 1 is TOO_MANY_SKIPPED': [[`a${MAX_SKIP + 1}`, 'TOO_MANY_SKIPPED'], ok(0), reply],
    'current chain: n − Nr = MAX_SKIP': [ok(0), ok(MAX_SKIP + 1)],
    'current chain: n − Nr = MAX_SKIP + 1 is TOO_MANY_SKIPPED': [ok(0), [`a${MAX_SKIP + 2}`, 'TOO_MANY_SKIPPED'], ok(1)],
    'a tampered header is DECRYPT_FAILED; the state is unchanged and nothing was drawn': [['a0 header bit flipped', 'DECRYPT_FAILED'], ok(0), reply],
    'a tampered body (after the DH ratchet step) is DECRYPT_FAILED; nothing was drawn': [['a0 body bit flipped', 'DECRYPT_FAILED'], ok(0), reply],
    'an unknown version is UNSUPPORTED_VERSION': [['a0 of version 4', 'UNSUPPORTED_VERSION'], ok(0)],
    'a version 2 message relabelled 3 has the wrong header length: MALFORMED': [['a0 relabelled version 3', 'MALFORMED'], ok(0)],
    'a truncated message is MALFORMED': [['a0 truncated', 'MALFORMED'], ok(0)],
    'an authentic header naming a non-canonical ratchet key (u + 2^255) is INVALID_KEY; nothing was drawn': [['a0 naming its ratchet key with bit 255 set', 'INVALID_KEY'], ok(0), reply],
    'an authentic header naming a low-order ratchet key is INVALID_KEY (all-zero DH)': [['a0 naming a low-order ratchet key', 'INVALID_KEY'], ok(0), reply],
  };
  return {
    parameters: {
      seed: hex(SEED), sharedSecret: hex(p.sharedSecret), associatedData: hex(p.associatedData), bobRatchetPrivateKey: hex(p.bobPrivate),
      bobRatchetPublicKey: hex(p.bobPublic), aliceRandomSeed: hex(p.aliceSeed), bobRandomSeed: hex(p.bobSeed),
    },
    messages: [...messages].map(([id, bytes]) => ({ id, message: hex(bytes) })),
    cases: Object.entries(plans).map(([name, plan]) => ({ name, steps: runCase(p, messages, plan) })),
    states: stateCases(p, a0, sent[2]!),
  };
}
