/**
 * spec/vectors/negative-session.json: session messages on hostile and repeated
 * input (protocol.md §7.2; format: spec/test-vectors.md §Negative vectors).
 * Alice's messages are made with the current session API at generation time;
 * Bob's outcomes are the codes §7.2 prescribes, and the generator refuses to
 * write a file the implementation disagrees with.
 */
import { MAX_ARCHIVED_SESSIONS } from '../../src/constants.js';
import { utf8, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import { buildPreKeyBundle, createPreKeyState, identityKeyPairFromSeed, type IdentityKeyPair, type PreKeyState } from '../../src/identity/index.js';
import { EMPTY_RECORD, sessionDecrypt, sessionEncrypt, startSession, type SessionRecord } from '../../src/session/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { decodeInitialMessage, decodeSessionMessage, encodeInitialMessage, encodeSessionMessage } from '../../src/wire/index.js';
import { expectOutcome, flipBit, hex, type Expected } from './_negative.js';

export const SEED = new Uint8Array(32).fill(0x6e); // 'n'
export const CREATED_AT = 1_767_225_600_000;

type From = 'alice' | 'mallory';
interface Step { from: From; message: string; expected: Expected }

/** Alice's first two messages of one new session with Bob (both initial, k = 1). */
function aliceSession(alice: IdentityKeyPair, bundle: ReturnType<typeof buildPreKeyBundle>, random: RandomSource): Bytes[] {
  let record: SessionRecord = startSession({ record: EMPTY_RECORD, identity: alice, bundle, random, version: 2 });
  return [0, 1].map((i) => {
    const out = sessionEncrypt(record, utf8(`Parley negative session vector ${i}`), random);
    record = out.record;
    return out.message;
  });
}

export default function negativeSession(): unknown {
  // Drawn in order: Bob's identity seed (32); his prekey state (§4.6, one one-time prekey, one one-time KEM prekey);
  // Alice's identity seed (32); Mallory's identity seed (32); Alice's source seed (32); Bob's source seed (32).
  const random = seededRandom(SEED);
  const bob = identityKeyPairFromSeed(random(32));
  const preKeys: PreKeyState = createPreKeyState({ identity: bob, now: CREATED_AT, random, oneTimePreKeys: 1, kemPreKeys: 1 });
  const alice = identityKeyPairFromSeed(random(32));
  const mallory = identityKeyPairFromSeed(random(32));
  const [aliceSeed, bobSeed] = [random(32), random(32)];
  const aliceRandom = seededRandom(aliceSeed);
  const peers: Record<From, Bytes> = { alice: alice.publicKey, mallory: mallory.publicKey };

  // Session 0 uses the one-time keys; sessions 1 … MAX_ARCHIVED_SESSIONS + 1 the signed and last-resort keys only.
  const first = aliceSession(alice, buildPreKeyBundle(preKeys, bob.publicKey), aliceRandom);
  const later = Array.from({ length: MAX_ARCHIVED_SESSIONS + 1 }, () =>
    aliceSession(alice, buildPreKeyBundle(preKeys, bob.publicKey, { kemPreKeyId: preKeys.lastResortKemPreKey.id, oneTimePreKeyId: null }), aliceRandom)[0]!);
  const m0 = first[0]!;
  const initial = decodeInitialMessage(decodeSessionMessage(m0).body);
  const asRatchet = encodeSessionMessage({ kind: 'ratchet', body: initial.message });
  const tampered = encodeSessionMessage({ kind: 'initial', body: encodeInitialMessage({ ...initial, message: flipBit(initial.message, -1) }) });

  const step = (from: From, message: Bytes, expected: Expected): [From, Bytes, Expected] => [from, message, expected];
  const plans: Record<string, [From, Bytes, Expected][]> = {
    'a ratchet message (k = 2) on an empty record': [step('alice', asRatchet, 'NO_SESSION')],
    'an initial message whose initiator is not the authenticated sender': [step('mallory', m0, 'UNTRUSTED_IDENTITY'), step('alice', m0, 'ok')],
    'an initial message with a tampered ratchet message consumes nothing': [step('alice', tampered, 'DECRYPT_FAILED'), step('alice', m0, 'ok')],
    'the same initial message twice, and the repeated header': [step('alice', m0, 'ok'), step('alice', m0, 'DUPLICATE_MESSAGE'), step('alice', first[1]!, 'ok')],
    [`the initial message of a session dropped after ${MAX_ARCHIVED_SESSIONS} archived ones`]: [
      step('alice', m0, 'ok'), ...later.map((m) => step('alice', m, 'ok')), step('alice', m0, 'DUPLICATE_MESSAGE'),
    ],
  };
  const cases = Object.entries(plans).map(([name, plan]) => {
    const bobRandom = seededRandom(bobSeed);
    let record: SessionRecord = EMPTY_RECORD;
    let keys = preKeys;
    const steps: Step[] = plan.map(([from, message, expected]) => ({
      from, message: hex(message),
      expected: expectOutcome('negative-session', name, expected, () => {
        const out = sessionDecrypt({ record, identity: bob, preKeys: keys, peer: peers[from], message, random: bobRandom });
        record = out.record;
        keys = out.preKeys;
      }),
    }));
    return { name, steps };
  });
  const sendCode = expectOutcome('negative-session', 'encrypting on an empty record', 'NO_SESSION', () => sessionEncrypt(EMPTY_RECORD, utf8('x'), seededRandom(bobSeed)));
  return {
    parameters: {
      seed: hex(SEED), createdAt: CREATED_AT, bobIdentitySeed: hex(bob.privateKey), aliceIdentitySeed: hex(alice.privateKey),
      malloryIdentitySeed: hex(mallory.privateKey), aliceRandomSeed: hex(aliceSeed), bobRandomSeed: hex(bobSeed),
    },
    encryptOnEmptyRecord: sendCode,
    cases,
  };
}
