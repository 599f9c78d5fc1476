/**
 * Group message keys (spec/protocol.md §8.2, §8.3): one message key becomes
 * one AEAD key and nonce; the AEAD binds group id, key id and iteration.
 */
import { SENDER_KEY_MESSAGE_KEYS_INFO } from '../constants.js';
import { aeadOpen, aeadSeal, concatBytes, messageAeadKeys, uintToBytes, utf8, type Bytes, type MessageAeadKeys } from '../crypto/index.js';

const MESSAGE_KEYS_INFO = utf8(SENDER_KEY_MESSAGE_KEYS_INFO);

export type GroupBodyKeys = MessageAeadKeys;

/** §8.2: HKDF(ikm = mk, salt = ZERO_32, info = SENDER_KEY_MESSAGE_KEYS_INFO, 44) = key(32) ‖ nonce(12). */
export function deriveGroupBodyKeys(messageKey: Bytes): GroupBodyKeys {
  return messageAeadKeys(messageKey, MESSAGE_KEYS_INFO);
}

/** §8.3: AD = g (16) ‖ u32(k) ‖ u32(i). */
export function groupAssociatedData(groupId: Bytes, keyId: number, iteration: number): Bytes {
  return concatBytes(groupId, uintToBytes(keyId, 4), uintToBytes(iteration, 4));
}

export function sealGroupBody(messageKey: Bytes, plaintext: Bytes, associatedData: Bytes): Bytes {
  const { key, nonce } = deriveGroupBodyKeys(messageKey);
  return aeadSeal(key, nonce, plaintext, associatedData);
}

/** Opens or throws DECRYPT_FAILED. */
export function openGroupBody(messageKey: Bytes, ciphertext: Bytes, associatedData: Bytes): Bytes {
  const { key, nonce } = deriveGroupBodyKeys(messageKey);
  return aeadOpen(key, nonce, ciphertext, associatedData);
}
