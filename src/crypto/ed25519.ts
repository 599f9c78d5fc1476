/**
 * Ed25519 signatures (RFC 8032, strict verification) and the birational map
 * to X25519 used for identity keys (spec/protocol.md §2.1: one identity key
 * that signs with Ed25519 and agrees keys as X25519).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { fail } from '../errors.js';
import { toHex, type Bytes } from './bytes.js';
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
 * Encodings already found to be prime-order points (hex), most recent last.
 * The check costs a scalar multiplication by L (~2.5 ms in noble), while a
 * device meets the same few identity keys on every message; a hit only skips
 * recomputing a pure function of public bytes, so it cannot change a result.
 */
const primeOrderKeys = new Map<string, true>();
/** X25519 forms of identity keys already mapped (hex → u), most recent last, as many as primeOrderKeys. */
const montgomeryForms = new Map<string, Bytes>();
const PRIME_ORDER_MEMO_SIZE = 1024;

/**
 * True iff `publicKey` is the canonical encoding (y < p, and not x = 0 with the
 * sign bit set) of a point of the prime-order subgroup other than the identity
 * (spec/protocol.md §4.1): no small-order point, no torsion component. An
 * honest key ([a]B) always is; A + T (T of order 2…8) is refused, so one
 * private key cannot pose as eight identity keys with one X25519 key.
 */
export function isPrimeOrderEd25519(publicKey: Bytes): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false;
  const hex = toHex(publicKey);
  if (primeOrderKeys.has(hex)) return true;
  let ok: boolean;
  try {
    const point = ed25519.Point.fromBytes(publicKey, false);
    ok = !point.isSmallOrder() && point.isTorsionFree();
  } catch {
    ok = false;
  }
  if (ok) {
    if (primeOrderKeys.size >= PRIME_ORDER_MEMO_SIZE) primeOrderKeys.delete(primeOrderKeys.keys().next().value as string);
    primeOrderKeys.set(hex, true);
  }
  return ok;
}

/**
 * The X25519 (Montgomery u) form of an Ed25519 identity key, u = (1 + y) / (1 − y).
 * INVALID_KEY unless the key passes `isPrimeOrderEd25519` (which also rules out
 * y = 1, where the map divides by zero, and y = −1, which maps to u = 0).
 */
export function ed25519PublicToX25519(publicKey: Bytes): Bytes {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) fail('INVALID_KEY', 'Ed25519 public key must be 32 bytes');
  if (!isPrimeOrderEd25519(publicKey)) fail('INVALID_KEY', 'Ed25519 public key is not a canonical point of the prime-order subgroup');
  // Sealing to a contact maps its key on every message (a field inversion, 13 % of a 1:1 message's client CPU,
  // bench/e2e-client-path.ts): memoised like the check above, a pure function of public bytes.
  const hex = toHex(publicKey);
  let u = montgomeryForms.get(hex);
  if (u === undefined) {
    u = ed25519.utils.toMontgomery(publicKey);
    if (montgomeryForms.size >= PRIME_ORDER_MEMO_SIZE) montgomeryForms.delete(montgomeryForms.keys().next().value as string);
    montgomeryForms.set(hex, u);
  }
  return u.slice();
}

/** The X25519 private scalar of an Ed25519 seed: the clamped first half of SHA-512(seed). */
export function ed25519SeedToX25519(seed: Bytes): Bytes {
  if (seed.length !== ED25519_SEED_LENGTH) fail('INVALID_KEY', 'Ed25519 seed must be 32 bytes');
  return ed25519.utils.toMontgomerySecret(seed);
}
