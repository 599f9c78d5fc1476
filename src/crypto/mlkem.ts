/**
 * ML-KEM-1024 (FIPS 203). Always @noble: node:crypto on Node 20 has no ML-KEM.
 * Key generation and encapsulation draw their seeds from the caller's
 * RandomSource (64 and 32 bytes), so vectors are reproducible.
 */
import { ml_kem1024, type KEMPrepared } from '@noble/post-quantum/ml-kem.js';
import { fail } from '../errors.js';
import type { Bytes } from './bytes.js';
import type { RandomSource } from './random.js';

export const ML_KEM_1024_PUBLIC_KEY_LENGTH = 1568;
export const ML_KEM_1024_SECRET_KEY_LENGTH = 3168;
export const ML_KEM_1024_CIPHERTEXT_LENGTH = 1568;
export const ML_KEM_SHARED_SECRET_LENGTH = 32;

export interface MlKemKeyPair {
  readonly publicKey: Bytes;
  readonly secretKey: Bytes;
}

export function generateMlKemKeyPair(random: RandomSource): MlKemKeyPair {
  const { publicKey, secretKey } = ml_kem1024.keygen(random(64));
  return { publicKey, secretKey };
}

/** An encapsulation key that passed the FIPS 203 checks, ready to encapsulate to. */
export interface MlKemEncapsulator {
  /** Draws the 32-byte message `m` from `random`. Once only: the expanded key is wiped after. */
  encapsulate(random: RandomSource): { ciphertext: Bytes; sharedSecret: Bytes };
}

/**
 * Checks an encapsulation key — its length and the FIPS 203 §7.2 modulus check
 * (every coefficient reduced mod q) — before anything is drawn, INVALID_KEY
 * otherwise; the result encapsulates to it (the same bytes as the one-shot form).
 */
export function mlKemEncapsulator(publicKey: Bytes): MlKemEncapsulator {
  if (publicKey.length !== ML_KEM_1024_PUBLIC_KEY_LENGTH) {
    fail('INVALID_KEY', 'ML-KEM-1024 public key has the wrong length', { got: publicKey.length });
  }
  let prepared: KEMPrepared;
  try {
    prepared = ml_kem1024.prepare(publicKey);
  } catch {
    return fail('INVALID_KEY', 'ML-KEM-1024 public key fails the modulus check');
  }
  return {
    encapsulate: (random) => {
      try {
        const { cipherText, sharedSecret } = prepared.encapsulate(random(32));
        return { ciphertext: cipherText, sharedSecret };
      } finally {
        prepared.clean();
      }
    },
  };
}

export function mlKemEncapsulate(publicKey: Bytes, random: RandomSource): { ciphertext: Bytes; sharedSecret: Bytes } {
  return mlKemEncapsulator(publicKey).encapsulate(random);
}

/** Decapsulation never fails on a well-sized ciphertext (implicit rejection, FIPS 203). */
export function mlKemDecapsulate(ciphertext: Bytes, secretKey: Bytes): Bytes {
  if (ciphertext.length !== ML_KEM_1024_CIPHERTEXT_LENGTH) {
    fail('MALFORMED', 'ML-KEM-1024 ciphertext has the wrong length', { got: ciphertext.length });
  }
  if (secretKey.length !== ML_KEM_1024_SECRET_KEY_LENGTH) fail('INVALID_KEY', 'ML-KEM-1024 secret key has the wrong length');
  return ml_kem1024.decapsulate(ciphertext, secretKey);
}
