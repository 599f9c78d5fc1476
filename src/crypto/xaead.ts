/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03): ChaCha20-Poly1305 under
 * the subkey HChaCha20(key, nonce[0..16)) with nonce 0x00000000 ‖ nonce[16..24).
 * Used wherever a nonce is drawn at random (spec/protocol.md §2): a 192-bit
 * nonce makes a collision negligible for any number of messages under one
 * key, where a random 96-bit nonce reaches 2⁻³³ after 2³² messages.
 *
 * node:crypto has no XChaCha20, so every provider uses @noble's here: the
 * bytes are the same whichever provider is installed (test/unit/crypto checks
 * the draft's vector).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { fail } from '../errors.js';
import { AEAD_KEY_LENGTH, AEAD_TAG_LENGTH } from './aead.js';
import type { Bytes } from './bytes.js';

export const XAEAD_NONCE_LENGTH = 24;

export function xaeadSeal(key: Bytes, nonce: Bytes, plaintext: Bytes, associatedData: Bytes): Bytes {
  checkParams(key, nonce);
  return xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext);
}

/** The plaintext, or null when the tag does not verify: for trial decryption (header keys). */
export function xaeadTryOpen(key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes | null {
  checkParams(key, nonce);
  if (sealed.length < AEAD_TAG_LENGTH) return null;
  try {
    return xchacha20poly1305(key, nonce, associatedData).decrypt(sealed);
  } catch {
    return null;
  }
}

/** Opens or throws DECRYPT_FAILED. */
export function xaeadOpen(key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes {
  const plaintext = xaeadTryOpen(key, nonce, sealed, associatedData);
  if (plaintext === null) fail('DECRYPT_FAILED', 'authentication tag does not verify');
  return plaintext;
}

function checkParams(key: Bytes, nonce: Bytes): void {
  if (key.length !== AEAD_KEY_LENGTH) fail('INVALID_KEY', 'AEAD key must be 32 bytes', { got: key.length });
  if (nonce.length !== XAEAD_NONCE_LENGTH) fail('INVALID_KEY', 'XChaCha20 nonce must be 24 bytes', { got: nonce.length });
}
