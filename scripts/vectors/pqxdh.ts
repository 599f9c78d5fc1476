/**
 * spec/vectors/pqxdh.json: PQXDH with and without a one-time prekey
 * (format: spec/test-vectors.md §PQXDH). Every private key, public structure,
 * DH output, the KEM ciphertext and secret, the KDF input, SK, AD and the
 * encoded initial message. The intermediate values are recomputed here from
 * primitives (x25519, ML-KEM, HKDF), not taken from src/handshake; the test
 * checks that the public API reproduces them.
 */
import { PQXDH_INFO, PQXDH_TRANSCRIPT_LABEL, PROTOCOL_VERSION } from '../../src/constants.js';
import {
  concatBytes, ed25519SeedToX25519, ed25519PublicToX25519, hkdf, mlKemEncapsulate, sha256, toHex, utf8, x25519, x25519PublicKey, type Bytes,
} from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { buildPreKeyBundle, createPreKeyState, identityKeyPairFromSeed, type PreKeyState } from '../../src/identity/index.js';
import {
  encodeInitialMessage, encodeKemPreKey, encodeOneTimePreKey, encodePreKeyBundle, encodeSignedPreKey, type PreKeyBundle,
} from '../../src/wire/index.js';

export const ALICE_SEED = new Uint8Array(32).fill(0x41);
export const BOB_SEED = new Uint8Array(32).fill(0x42);
export const HANDSHAKE_SEEDS = { withOneTimePreKey: new Uint8Array(32).fill(0x61), withoutOneTimePreKey: new Uint8Array(32).fill(0x62) };
export const CREATED_AT = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const FIRST_MESSAGE = utf8('Parley PQXDH vector: opaque first ratchet message');

const hex = toHex;

function draws(seed: Bytes, lengths: readonly number[]): Bytes[] {
  const r = seededRandom(seed);
  return lengths.map((n) => r(n));
}

function bobSide(): { state: PreKeyState; record: Record<string, unknown> } {
  // Bob's source: identity seed 32, signed prekey 32, last-resort KEM d‖z 64, one-time prekey 32, one-time KEM d‖z 64.
  const random = seededRandom(BOB_SEED);
  const identity = identityKeyPairFromSeed(random(32));
  const state = createPreKeyState({ identity, now: CREATED_AT, random, oneTimePreKeys: 1, kemPreKeys: 1 });
  const [, spkSeed, lrSeed, opkSeed, kemSeed] = draws(BOB_SEED, [32, 32, 64, 32, 64]) as Bytes[];
  const opk = state.oneTimePreKeys[0]!;
  const kem = state.kemPreKeys[0]!;
  const kemRecord = (k: typeof kem, seed: Bytes) => ({
    id: k.id, createdAt: k.createdAt, lastResort: k.lastResort, keygenSeed: hex(seed), secretKey: hex(k.keyPair.secretKey),
    publicKey: hex(k.keyPair.publicKey), signature: hex(k.signature),
    encoded: hex(encodeKemPreKey({ id: k.id, createdAt: k.createdAt, publicKey: k.keyPair.publicKey, signature: k.signature, lastResort: k.lastResort })),
  });
  return {
    state,
    record: {
      identitySeed: hex(identity.privateKey),
      identityKey: hex(identity.publicKey),
      identityDhPrivateKey: hex(ed25519SeedToX25519(identity.privateKey)),
      identityDhPublicKey: hex(ed25519PublicToX25519(identity.publicKey)),
      signedPreKey: {
        id: state.signedPreKey.id, createdAt: state.signedPreKey.createdAt, privateKey: hex(spkSeed!), publicKey: hex(state.signedPreKey.keyPair.publicKey),
        signature: hex(state.signedPreKey.signature),
        encoded: hex(encodeSignedPreKey({ id: state.signedPreKey.id, createdAt: CREATED_AT, publicKey: state.signedPreKey.keyPair.publicKey, signature: state.signedPreKey.signature })),
      },
      lastResortKemPreKey: kemRecord(state.lastResortKemPreKey, lrSeed!),
      kemPreKey: kemRecord(kem, kemSeed!),
      oneTimePreKey: { id: opk.id, privateKey: hex(opkSeed!), publicKey: hex(opk.keyPair.publicKey), encoded: hex(encodeOneTimePreKey({ id: opk.id, publicKey: opk.keyPair.publicKey })) },
    },
  };
}

function handshake(name: string, seed: Bytes, alice: { privateKey: Bytes; publicKey: Bytes }, bundle: PreKeyBundle): Record<string, unknown> {
  const [ephemeralPrivateKey, encapsulationSeed] = draws(seed, [32, 32]) as [Bytes, Bytes];
  const ephemeralPublicKey = x25519PublicKey(ephemeralPrivateKey);
  const bobIdentityDh = ed25519PublicToX25519(bundle.identityKey);
  const dh: Bytes[] = [
    x25519(ed25519SeedToX25519(alice.privateKey), bundle.signedPreKey.publicKey),
    x25519(ephemeralPrivateKey, bobIdentityDh),
    x25519(ephemeralPrivateKey, bundle.signedPreKey.publicKey),
  ];
  if (bundle.oneTimePreKey !== undefined) dh.push(x25519(ephemeralPrivateKey, bundle.oneTimePreKey.publicKey));
  const kem = mlKemEncapsulate(bundle.kemPreKey.publicKey, () => encapsulationSeed);
  const kdfInput = concatBytes(new Uint8Array(32).fill(0xff), ...dh, kem.sharedSecret);
  const opk = bundle.oneTimePreKey === undefined ? Uint8Array.of(0) : concatBytes(Uint8Array.of(1), bundle.oneTimePreKey.publicKey);
  const transcript = concatBytes(
    utf8(PQXDH_TRANSCRIPT_LABEL), Uint8Array.of(PROTOCOL_VERSION), alice.publicKey, bundle.identityKey, bundle.signedPreKey.publicKey,
    bundle.kemPreKey.publicKey, ephemeralPublicKey, kem.ciphertext, opk,
  );
  const transcriptHash = sha256(transcript);
  const sharedSecret = hkdf(kdfInput, new Uint8Array(32), concatBytes(utf8(PQXDH_INFO), transcriptHash), 32);
  const header = {
    identityKey: alice.publicKey, ephemeralKey: ephemeralPublicKey, signedPreKeyId: bundle.signedPreKey.id,
    kemPreKeyId: bundle.kemPreKey.id, kemCiphertext: kem.ciphertext,
    ...(bundle.oneTimePreKey === undefined ? {} : { oneTimePreKeyId: bundle.oneTimePreKey.id }),
  };
  return {
    name,
    randomSeed: hex(seed),
    bundle: hex(encodePreKeyBundle(bundle)),
    ephemeralPrivateKey: hex(ephemeralPrivateKey),
    ephemeralPublicKey: hex(ephemeralPublicKey),
    dh1: hex(dh[0]!), dh2: hex(dh[1]!), dh3: hex(dh[2]!), dh4: dh[3] === undefined ? null : hex(dh[3]),
    kemEncapsulationSeed: hex(encapsulationSeed),
    kemCiphertext: hex(kem.ciphertext),
    kemSharedSecret: hex(kem.sharedSecret),
    kdfInput: hex(kdfInput),
    transcriptHash: hex(transcriptHash),
    sharedSecret: hex(sharedSecret),
    associatedData: hex(concatBytes(alice.publicKey, bundle.identityKey)),
    firstMessage: hex(FIRST_MESSAGE),
    initialMessage: hex(encodeInitialMessage({ ...header, message: FIRST_MESSAGE })),
  };
}

export default function pqxdhVectors(): unknown {
  const alice = identityKeyPairFromSeed(draws(ALICE_SEED, [32])[0]!);
  const bob = bobSide();
  const bobKey = identityKeyPairFromSeed(draws(BOB_SEED, [32])[0]!).publicKey;
  const withOpk = buildPreKeyBundle(bob.state, bobKey, { kemPreKeyId: 2, oneTimePreKeyId: 1 });
  const withoutOpk = buildPreKeyBundle(bob.state, bobKey, { kemPreKeyId: 1, oneTimePreKeyId: null });
  return {
    parameters: {
      aliceSeed: hex(ALICE_SEED), bobSeed: hex(BOB_SEED), createdAt: CREATED_AT, info: PQXDH_INFO,
      transcriptLabel: PQXDH_TRANSCRIPT_LABEL, version: PROTOCOL_VERSION,
    },
    alice: {
      identitySeed: hex(alice.privateKey), identityKey: hex(alice.publicKey),
      identityDhPrivateKey: hex(ed25519SeedToX25519(alice.privateKey)), identityDhPublicKey: hex(ed25519PublicToX25519(alice.publicKey)),
    },
    bob: bob.record,
    handshakes: [
      handshake('with one-time prekey', HANDSHAKE_SEEDS.withOneTimePreKey, alice, withOpk),
      handshake('without one-time prekey (last-resort KEM prekey)', HANDSHAKE_SEEDS.withoutOneTimePreKey, alice, withoutOpk),
    ],
  };
}
