/**
 * ML-KEM-1024 (FIPS 203). Always @noble: node:crypto on Node 20 has no ML-KEM.
 * Key generation and encapsulation draw their seeds from the caller's
 * RandomSource (64 and 32 bytes), so vectors are reproducible.
 */
import { ml_kem1024, ml_kem768, type KEMPrepared } from '@noble/post-quantum/ml-kem.js';
import { fail } from '../errors.js';
import { wipe, type Bytes } from './bytes.js';
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

// ── ML-KEM-768: the post-quantum ratchet's KEM (spec/protocol.md §6.9) ───────
// Its keys and ciphertexts travel in chunks on every message, so the smaller
// parameter set is used there; the long-lived prekeys of PQXDH keep ML-KEM-1024.

export const ML_KEM_768_PUBLIC_KEY_LENGTH = 1184;
export const ML_KEM_768_CIPHERTEXT_LENGTH = 1088;
/** ML-KEM key generation seed d ‖ z (FIPS 203 ML-KEM.KeyGen_internal). */
export const ML_KEM_SEED_LENGTH = 64;

/** The encapsulation key of the 64-byte seed `d ‖ z` (deterministic, FIPS 203). */
export function mlKem768PublicKey(seed: Bytes): Bytes {
  if (seed.length !== ML_KEM_SEED_LENGTH) fail('INVALID_KEY', 'ML-KEM seed must be 64 bytes', { got: seed.length });
  const { publicKey, secretKey } = ml_kem768.keygen(seed);
  wipe(secretKey); // expanded from the seed, as secret as it, and not wanted here
  return publicKey;
}

/**
 * FIPS 203 §7.2 input check of an ML-KEM-768 encapsulation key (length and
 * modulus), INVALID_KEY otherwise: the receiving side runs it as soon as the
 * key is rebuilt, so an invalid key is refused with the message that completed it.
 */
export function checkMlKem768PublicKey(publicKey: Bytes): void {
  prepareMlKem768(publicKey).clean();
}

function prepareMlKem768(publicKey: Bytes): KEMPrepared {
  if (publicKey.length !== ML_KEM_768_PUBLIC_KEY_LENGTH) {
    fail('INVALID_KEY', 'ML-KEM-768 public key has the wrong length', { got: publicKey.length });
  }
  try {
    return ml_kem768.prepare(publicKey);
  } catch {
    return fail('INVALID_KEY', 'ML-KEM-768 public key fails the modulus check');
  }
}

/** Encapsulates to `publicKey` (checked as above); `m` is the 32-byte message drawn by the caller. */
export function mlKem768Encapsulate(publicKey: Bytes, m: Bytes): { ciphertext: Bytes; sharedSecret: Bytes } {
  const prepared = prepareMlKem768(publicKey);
  try {
    const { cipherText, sharedSecret } = prepared.encapsulate(m);
    return { ciphertext: cipherText, sharedSecret };
  } finally {
    prepared.clean();
  }
}

/** Decapsulates with the key pair of `seed`; never fails on a well-sized ciphertext (implicit rejection). */
export function mlKem768Decapsulate(ciphertext: Bytes, seed: Bytes): Bytes {
  if (ciphertext.length !== ML_KEM_768_CIPHERTEXT_LENGTH) {
    fail('MALFORMED', 'ML-KEM-768 ciphertext has the wrong length', { got: ciphertext.length });
  }
  if (seed.length !== ML_KEM_SEED_LENGTH) fail('INVALID_KEY', 'ML-KEM seed must be 64 bytes', { got: seed.length });
  const { secretKey } = ml_kem768.keygen(seed);
  try {
    return ml_kem768.decapsulate(ciphertext, secretKey);
  } finally {
    wipe(secretKey); // re-derived for this one decapsulation: the seed stays the stored secret
  }
}
