/**
 * Message keys (spec/protocol.md §6.2, §6.5): a message key becomes one AEAD
 * key and nonce, used for exactly one body.
 */
import { RATCHET_MESSAGE_KEYS_INFO } from '../constants.js';
import {
  AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, aeadOpen, aeadSeal, concatBytes, hkdf, split, utf8, type Bytes,
} from '../crypto/index.js';

const ZERO32 = new Uint8Array(32);
const MESSAGE_KEYS_INFO = utf8(RATCHET_MESSAGE_KEYS_INFO);

export interface BodyKeys {
  readonly key: Bytes;
  readonly nonce: Bytes;
}

/** §6.2: HKDF(ikm = mk, salt = ZERO32, info = RATCHET_MESSAGE_KEYS_INFO, 44) = key(32) ‖ nonce(12). */
export function deriveBodyKeys(messageKey: Bytes): BodyKeys {
  const [key, nonce] = split(
    hkdf(messageKey, ZERO32, MESSAGE_KEYS_INFO, AEAD_KEY_LENGTH + AEAD_NONCE_LENGTH),
    AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH,
  ) as [Bytes, Bytes];
  return { key, nonce };
}

/** The body's associated data: AD ‖ encrypted header (nonce included). */
function bodyAssociatedData(associatedData: Bytes, encryptedHeader: Bytes): Bytes {
  return concatBytes(associatedData, encryptedHeader);
}

export function sealBody(messageKey: Bytes, plaintext: Bytes, associatedData: Bytes, encryptedHeader: Bytes): Bytes {
  const { key, nonce } = deriveBodyKeys(messageKey);
  return aeadSeal(key, nonce, plaintext, bodyAssociatedData(associatedData, encryptedHeader));
}

/** Opens or throws DECRYPT_FAILED. */
export function openBody(messageKey: Bytes, ciphertext: Bytes, associatedData: Bytes, encryptedHeader: Bytes): Bytes {
  const { key, nonce } = deriveBodyKeys(messageKey);
  return aeadOpen(key, nonce, ciphertext, bodyAssociatedData(associatedData, encryptedHeader));
}
