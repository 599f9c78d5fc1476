/**
 * Identity keys (spec/protocol.md §4.1): one long-term Ed25519 key pair per
 * device. It signs prekeys with Ed25519 and, through the birational map of
 * §2.1, takes part in PQXDH as an X25519 key.
 */
import {
  ed25519PublicKey, ed25519PublicToX25519, ed25519SeedToX25519, equalBytes, generateEd25519KeyPair, redact, ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SEED_LENGTH, type Bytes, type RandomSource,
} from '../crypto/index.js';
import { fail } from '../errors.js';
import { readBytes, readMap } from '../wire/index.js';
import { decodeState, encodeState } from '../wire/state-envelope.js';
import type { IdentityKey, X25519PublicKey } from '../wire/brands.js';

export interface IdentityKeyPair {
  /** Ed25519 public key, 32 bytes. */
  readonly publicKey: IdentityKey;
  /** Ed25519 seed (RFC 8032 private key), 32 bytes. */
  readonly privateKey: Bytes;
}

/** Draws the 32-byte seed from `random`. */
export function generateIdentityKeyPair(random: RandomSource): IdentityKeyPair {
  return redact(generateEd25519KeyPair(random), 'IdentityKeyPair');
}

export function identityKeyPairFromSeed(seed: Bytes): IdentityKeyPair {
  return redact({ publicKey: ed25519PublicKey(seed), privateKey: Uint8Array.from(seed) }, 'IdentityKeyPair');
}

/** The X25519 public form of an identity key; INVALID_KEY if it is not a valid Ed25519 point. */
export function identityDhPublicKey(identityKey: IdentityKey): X25519PublicKey {
  return ed25519PublicToX25519(identityKey);
}

/** The X25519 private scalar of an identity key pair. */
export function identityDhPrivateKey(identity: IdentityKeyPair): Bytes {
  return ed25519SeedToX25519(identity.privateKey);
}

const KIND = 'identity';
const WHAT = 'identity key state';

/** `[STATE_VERSION, "identity", { publicKey: bin(32), privateKey: bin(32) }]` (§4.7). */
export function encodeIdentityKeyPair(identity: IdentityKeyPair): Bytes {
  return encodeState(KIND, { publicKey: identity.publicKey, privateKey: identity.privateKey });
}

export function decodeIdentityKeyPair(bytes: Bytes): IdentityKeyPair {
  const body = readMap(decodeState(bytes, KIND, 256, WHAT), WHAT, ['publicKey', 'privateKey']);
  const publicKey = readBytes(body, WHAT, 'publicKey', ED25519_PUBLIC_KEY_LENGTH);
  const privateKey = readBytes(body, WHAT, 'privateKey', ED25519_SEED_LENGTH);
  if (!equalBytes(ed25519PublicKey(privateKey), publicKey)) fail('INVALID_STATE', `${WHAT}: public key does not match the seed`, { what: WHAT });
  return redact({ publicKey, privateKey }, 'IdentityKeyPair');
}
