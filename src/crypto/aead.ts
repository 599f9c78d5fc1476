/**
 * The AEAD: ChaCha20-Poly1305 (RFC 8439), 32-byte key, 12-byte nonce,
 * 16-byte tag appended. Chosen over AES-256-GCM because it is constant-time in
 * pure software (the browser path has no AES-NI through @noble), and it is in
 * node:crypto for the fast provider (spec/protocol.md §2, §2.1).
 */
import { fail } from '../errors.js';
import type { Bytes } from './bytes.js';
import { cryptoProvider } from './provider.js';

export const AEAD_KEY_LENGTH = 32;
export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

export function aeadSeal(key: Bytes, nonce: Bytes, plaintext: Bytes, associatedData: Bytes): Bytes {
  checkParams(key, nonce);
  return cryptoProvider().aeadSeal(key, nonce, plaintext, associatedData);
}

/** Opens or throws DECRYPT_FAILED. Inputs are never modified. */
export function aeadOpen(key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes {
  checkParams(key, nonce);
  if (sealed.length < AEAD_TAG_LENGTH) fail('DECRYPT_FAILED', 'ciphertext shorter than the tag');
  const plaintext = cryptoProvider().aeadOpen(key, nonce, sealed, associatedData);
  if (plaintext === null) fail('DECRYPT_FAILED', 'authentication tag does not verify');
  return plaintext;
}

/** Like aeadOpen, but returns null on failure: for trial decryption (header keys). */
export function aeadTryOpen(key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes | null {
  checkParams(key, nonce);
  if (sealed.length < AEAD_TAG_LENGTH) return null;
  return cryptoProvider().aeadOpen(key, nonce, sealed, associatedData);
}

function checkParams(key: Bytes, nonce: Bytes): void {
  if (key.length !== AEAD_KEY_LENGTH) fail('INVALID_KEY', 'AEAD key must be 32 bytes', { got: key.length });
  if (nonce.length !== AEAD_NONCE_LENGTH) fail('INVALID_KEY', 'AEAD nonce must be 12 bytes', { got: nonce.length });
}
