/**
 * spec/vectors/negative-pqxdh.json: PQXDH on hostile bundles and initial
 * messages (protocol.md §4.6, §5.4, §5.5; format: spec/test-vectors.md
 * §Negative vectors). Bundles and initial messages are built with the
 * current encoders, then changed one field at a time; where a change must
 * still carry valid signatures, the generator signs it with Bob's identity
 * key (or, for a mixed-order identity key, with a signature crafted for it).
 */
import { PQ_RATCHET_VERSION } from '../../src/constants.js';
import { fromHex, sign, utf8, type Bytes } from '../../src/crypto/index.js';
import { initiatePqxdh, respondPqxdh } from '../../src/handshake/index.js';
import { buildPreKeyBundle, createPreKeyState, identityKeyPairFromSeed, type IdentityKeyPair, type PreKeyState } from '../../src/identity/index.js';
import { seededRandom } from '../../src/testing/index.js';
import {
  decodeInitialMessage, decodePreKeyBundle, encodeInitialMessage, encodeMsgpack, encodePreKeyBundle, kemPreKeySignaturePayload,
  signedPreKeySignaturePayload, type InitialMessage, type PreKeyBundle,
} from '../../src/wire/index.js';
import { bigintToLe, challenge, L, mod, secretScalar } from '../../test/property/ed25519-points.js';
import { expectOutcome, flipBit, hex, LOW_ORDER_U, mixedOrder, ORDER_8_ENCODING, readLoose, type Expected } from './_negative.js';

export const SEED = new Uint8Array(32).fill(0x70); // 'p'
export const CREATED_AT = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const FIRST_MESSAGE = utf8('Parley negative PQXDH vector: opaque first ratchet message');
const withTopBit = (u: Bytes): Bytes => Uint8Array.from(u, (b, i) => (i === 31 ? b | 0x80 : b));

/** Re-signs both prekeys of `bundle` under `identity` (after a change to a signed field). */
function resign(bundle: PreKeyBundle, identity: IdentityKeyPair): PreKeyBundle {
  const spk = bundle.signedPreKey;
  const kem = bundle.kemPreKey;
  return {
    ...bundle,
    signedPreKey: { ...spk, signature: sign(identity.privateKey, signedPreKeySignaturePayload(bundle.identityKey, spk)) },
    kemPreKey: { ...kem, signature: sign(identity.privateKey, kemPreKeySignaturePayload(bundle.identityKey, kem)) },
  };
}

/** The bundle under the mixed-order identity key A + T8, with signatures that VERIFY accepts (cofactored) made with A's scalar. */
function mixedOrderBundle(bundle: PreKeyBundle, seed: Bytes, nonceSeed: Bytes): PreKeyBundle {
  const a = secretScalar(seed);
  const r = secretScalar(nonceSeed);
  const rBytes = identityKeyPairFromSeed(nonceSeed).publicKey;
  const identityKey = mixedOrder(bundle.identityKey);
  const crafted = (message: Bytes): Bytes => Uint8Array.from([...rBytes, ...bigintToLe(mod(r + challenge(rBytes, identityKey, message) * a, L))]);
  const spk = bundle.signedPreKey;
  const kem = bundle.kemPreKey;
  return {
    ...bundle,
    identityKey: identityKey as PreKeyBundle['identityKey'],
    signedPreKey: { ...spk, signature: crafted(signedPreKeySignaturePayload(identityKey, spk)) },
    kemPreKey: { ...kem, signature: crafted(kemPreKeySignaturePayload(identityKey, kem)) },
  };
}

interface Setup {
  bob: IdentityKeyPair; alice: IdentityKeyPair; preKeys: PreKeyState; aliceRandomSeed: Bytes; nonceSeed: Bytes; bobSeed: Bytes;
}

function initiate(s: Setup, bundleBytes: Bytes): { message: Bytes; sharedSecret: Bytes } {
  const r = initiatePqxdh({ identity: s.alice, bundle: decodePreKeyBundle(bundleBytes), random: seededRandom(s.aliceRandomSeed) });
  return { message: encodeInitialMessage({ ...r.initialHeader, message: FIRST_MESSAGE }), sharedSecret: r.sharedSecret };
}

function initiatorCases(s: Setup, valid: PreKeyBundle): { name: string; bundle: string; expected: Expected }[] {
  const kem = valid.kemPreKey;
  const badKem = kem.publicKey.slice();
  badKem[0] = 0xff;
  badKem[1] = (badKem[1] as number) | 0x0f; // first coefficient 4095 ≥ q
  const smallOrderIdentity = { ...valid, identityKey: fromHex(ORDER_8_ENCODING) as PreKeyBundle['identityKey'] };
  const changes: [string, Bytes, Expected][] = [
    ['valid bundle', encodePreKeyBundle(valid), 'ok'],
    ['signed prekey signature bit flipped', encodePreKeyBundle({ ...valid, signedPreKey: { ...valid.signedPreKey, signature: flipBit(valid.signedPreKey.signature, 0) } }), 'BAD_SIGNATURE'],
    ['KEM prekey signature bit flipped', encodePreKeyBundle({ ...valid, kemPreKey: { ...kem, signature: flipBit(kem.signature, 0) } }), 'BAD_SIGNATURE'],
    ['bundle version + 1', encodeMsgpack({ ...readLoose(encodePreKeyBundle(valid)), v: (readLoose(encodePreKeyBundle(valid))['v'] as number) + 1 }), 'UNSUPPORTED_VERSION'],
    ['identity key of small order (VERIFY refuses it first)', encodePreKeyBundle(smallOrderIdentity), 'BAD_SIGNATURE'],
    ['mixed-order identity key A + T8, signatures valid under the cofactored rule', encodePreKeyBundle(mixedOrderBundle(valid, s.bobSeed, s.nonceSeed)), 'INVALID_KEY'],
    ['signed prekey of low order (signed): DH1 all zero', encodePreKeyBundle(resign({ ...valid, signedPreKey: { ...valid.signedPreKey, publicKey: LOW_ORDER_U } }, s.bob)), 'INVALID_KEY'],
    ['signed prekey with bit 255 set (signed): not canonical', encodePreKeyBundle(resign({ ...valid, signedPreKey: { ...valid.signedPreKey, publicKey: withTopBit(valid.signedPreKey.publicKey) } }, s.bob)), 'INVALID_KEY'],
    ['one-time prekey of low order: DH4 all zero', encodePreKeyBundle({ ...valid, oneTimePreKey: { ...valid.oneTimePreKey!, publicKey: LOW_ORDER_U } }), 'INVALID_KEY'],
    ['KEM prekey failing the FIPS 203 modulus check (signed)', encodePreKeyBundle(resign({ ...valid, kemPreKey: { ...kem, publicKey: badKem } }, s.bob)), 'INVALID_KEY'],
  ];
  return changes.map(([name, bundle, expected]) => ({ name, bundle: hex(bundle), expected: expectOutcome('negative-pqxdh', name, expected, () => initiate(s, bundle)) }));
}

function responderCases(s: Setup, validMessage: Bytes): { name: string; state: 'fresh' | 'after-valid'; initialMessage: string; expected: Expected }[] {
  const m = decodeInitialMessage(validMessage);
  const enc = (change: Partial<InitialMessage>): Bytes => encodeInitialMessage({ ...m, ...change });
  const after = respondPqxdh({ identity: s.bob, preKeys: s.preKeys, header: m }).preKeys;
  const respond = (state: PreKeyState, bytes: Bytes) => () => respondPqxdh({ identity: s.bob, preKeys: state, header: decodeInitialMessage(bytes) });
  const mixed = mixedOrder(s.alice.publicKey);
  const changes: [string, 'fresh' | 'after-valid', Bytes, Expected][] = [
    ['valid initial message', 'fresh', validMessage, 'ok'],
    ['the same message after it was accepted: its one-time prekeys are consumed', 'after-valid', validMessage, 'PREKEY_CONSUMED'],
    ['signed prekey id never issued', 'fresh', enc({ signedPreKeyId: (m.signedPreKeyId + 1) as never }), 'UNKNOWN_PREKEY'],
    ['KEM prekey id never issued', 'fresh', enc({ kemPreKeyId: (m.kemPreKeyId + 1) as never }), 'UNKNOWN_PREKEY'],
    ['one-time prekey id never issued', 'fresh', enc({ oneTimePreKeyId: (m.oneTimePreKeyId! + 1) as never }), 'UNKNOWN_PREKEY'],
    ['ephemeral key of low order', 'fresh', enc({ ephemeralKey: LOW_ORDER_U as never }), 'INVALID_KEY'],
    ['ephemeral key with bit 255 set: not canonical', 'fresh', enc({ ephemeralKey: withTopBit(m.ephemeralKey) as never }), 'INVALID_KEY'],
    ['initiator identity key A + T8 (mixed order)', 'fresh', enc({ identityKey: mixed as never }), 'INVALID_KEY'],
    ['initiator identity key of small order', 'fresh', enc({ identityKey: new Uint8Array(32) as never }), 'INVALID_KEY'],
    ['initial message of version 4, past the last session version (3)', 'fresh', encodeMsgpack({ ...readLoose(validMessage), v: PQ_RATCHET_VERSION + 1 }), 'UNSUPPORTED_VERSION'],
    ['KEM ciphertext one byte short', 'fresh', encodeMsgpack({ ...readLoose(validMessage), kemCiphertext: m.kemCiphertext.slice(1) }), 'MALFORMED'],
  ];
  return changes.map(([name, state, bytes, expected]) => ({
    name, state, initialMessage: hex(bytes), expected: expectOutcome('negative-pqxdh', name, expected, respond(state === 'fresh' ? s.preKeys : after, bytes)),
  }));
}

export default function negativePqxdh(): unknown {
  // Drawn in order: Bob's identity seed (32); Bob's prekey state (protocol.md §4.6 creation with one one-time prekey
  // and one one-time KEM prekey: 32, 64, 32, 64); Alice's identity seed (32); Alice's handshake source seed (32);
  // the nonce seed of crafted signatures (32).
  const random = seededRandom(SEED);
  const bobSeed = random(32);
  const bob = identityKeyPairFromSeed(bobSeed);
  const preKeys = createPreKeyState({ identity: bob, now: CREATED_AT, random, oneTimePreKeys: 1, kemPreKeys: 1 });
  const alice = identityKeyPairFromSeed(random(32));
  const s: Setup = { bob, alice, preKeys, aliceRandomSeed: random(32), nonceSeed: random(32), bobSeed };
  const valid = buildPreKeyBundle(preKeys, bob.publicKey);
  const accepted = initiate(s, encodePreKeyBundle(valid));
  return {
    parameters: {
      seed: hex(SEED), createdAt: CREATED_AT, bobIdentitySeed: hex(bobSeed), aliceIdentitySeed: hex(alice.privateKey),
      aliceRandomSeed: hex(s.aliceRandomSeed), nonceSeed: hex(s.nonceSeed), firstMessage: hex(FIRST_MESSAGE),
      validSharedSecret: hex(accepted.sharedSecret),
    },
    initiator: initiatorCases(s, valid),
    responder: responderCases(s, accepted.message),
  };
}
