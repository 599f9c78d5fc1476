/**
 * Ed25519 signatures (RFC 8032, strict verification) and the birational map
 * to X25519 used for identity keys (spec/protocol.md §2.1: one identity key
 * that signs with Ed25519 and agrees keys as X25519).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { fail } from '../errors.js';
import type { Bytes } from './bytes.js';
import { cryptoProvider } from './provider.js';
import type { RandomSource } from './random.js';

export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SEED_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

export interface Ed25519KeyPair {
  readonly publicKey: Bytes;
  /** The 32-byte RFC 8032 seed. */
  readonly privateKey: Bytes;
}

export function generateEd25519KeyPair(random: RandomSource): Ed25519KeyPair {
  const privateKey = random(ED25519_SEED_LENGTH);
  return { privateKey, publicKey: cryptoProvider().ed25519PublicKey(privateKey) };
}

export function ed25519PublicKey(seed: Bytes): Bytes {
  if (seed.length !== ED25519_SEED_LENGTH) fail('INVALID_KEY', 'Ed25519 seed must be 32 bytes', { got: seed.length });
  return cryptoProvider().ed25519PublicKey(seed);
}

export function sign(seed: Bytes, message: Bytes): Bytes {
  if (seed.length !== ED25519_SEED_LENGTH) fail('INVALID_KEY', 'Ed25519 seed must be 32 bytes', { got: seed.length });
  return cryptoProvider().ed25519Sign(seed, message);
}

/** True iff `signature` is a valid strict RFC 8032 signature. Never throws. */
export function verify(publicKey: Bytes, message: Bytes, signature: Bytes): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  return cryptoProvider().ed25519Verify(publicKey, message, signature);
}

/** Verifies or throws BAD_SIGNATURE with the name of what was signed. */
export function verifyOrThrow(publicKey: Bytes, message: Bytes, signature: Bytes, what: string): void {
  if (!verify(publicKey, message, signature)) fail('BAD_SIGNATURE', `invalid signature on ${what}`, { what });
}

/**
 * The X25519 (Montgomery u) form of an Ed25519 public key. Rejects keys that
 * do not decode as a curve point, with INVALID_KEY.
 */
export function ed25519PublicToX25519(publicKey: Bytes): Bytes {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) fail('INVALID_KEY', 'Ed25519 public key must be 32 bytes');
  try {
    return ed25519.utils.toMontgomery(publicKey);
  } catch {
    return fail('INVALID_KEY', 'Ed25519 public key is not a valid point');
  }
}

/** The X25519 private scalar of an Ed25519 seed: the clamped first half of SHA-512(seed). */
export function ed25519SeedToX25519(seed: Bytes): Bytes {
  if (seed.length !== ED25519_SEED_LENGTH) fail('INVALID_KEY', 'Ed25519 seed must be 32 bytes');
  return ed25519.utils.toMontgomerySecret(seed);
}
