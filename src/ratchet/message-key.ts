/**
 * Message keys (spec/protocol.md §6.2, §6.5): a message key becomes one AEAD
 * key and nonce, used for exactly one body.
 */
import { RATCHET_MESSAGE_KEYS_INFO } from '../constants.js';
import { aeadOpen, aeadSeal, concatBytes, messageAeadKeys, utf8, type Bytes, type MessageAeadKeys } from '../crypto/index.js';

const MESSAGE_KEYS_INFO = utf8(RATCHET_MESSAGE_KEYS_INFO);

export type BodyKeys = MessageAeadKeys;

/** §6.2: HKDF(ikm = mk, salt = ZERO_32, info = RATCHET_MESSAGE_KEYS_INFO, 44) = key(32) ‖ nonce(12). */
export function deriveBodyKeys(messageKey: Bytes): BodyKeys {
  return messageAeadKeys(messageKey, MESSAGE_KEYS_INFO);
}

/** The body's associated data (§6.5.1): u8(v) ‖ AD ‖ encrypted header (nonce included); `v` is the session's version. */
function bodyAssociatedData(version: number, associatedData: Bytes, encryptedHeader: Bytes): Bytes {
  return concatBytes(Uint8Array.of(version), associatedData, encryptedHeader);
}

export function sealBody(messageKey: Bytes, plaintext: Bytes, version: number, associatedData: Bytes, encryptedHeader: Bytes): Bytes {
  const { key, nonce } = deriveBodyKeys(messageKey);
  return aeadSeal(key, nonce, plaintext, bodyAssociatedData(version, associatedData, encryptedHeader));
}

/** Opens or throws DECRYPT_FAILED. */
export function openBody(messageKey: Bytes, ciphertext: Bytes, version: number, associatedData: Bytes, encryptedHeader: Bytes): Bytes {
  const { key, nonce } = deriveBodyKeys(messageKey);
  return aeadOpen(key, nonce, ciphertext, bodyAssociatedData(version, associatedData, encryptedHeader));
}
