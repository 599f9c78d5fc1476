/**
 * Group message keys (spec/protocol.md §8.2, §8.3): one message key becomes
 * one AEAD key and nonce, and a key commitment. The AEAD binds the version,
 * the group, the sender, the epoch and state hash, the key id and iteration.
 */
import { GROUP_KEY_COMMITMENT_LENGTH, SENDER_KEY_COMMITMENT_INFO, SENDER_KEY_MESSAGE_KEYS_INFO, ZERO_32 } from '../constants.js';
import { fail } from '../errors.js';
import {
  aeadOpen, aeadSeal, concatBytes, equalBytes, hkdf, messageAeadKeys, uintToBytes, utf8, type Bytes, type MessageAeadKeys,
} from '../crypto/index.js';

const MESSAGE_KEYS_INFO = utf8(SENDER_KEY_MESSAGE_KEYS_INFO);
const COMMITMENT_INFO = utf8(SENDER_KEY_COMMITMENT_INFO);

export type GroupBodyKeys = MessageAeadKeys;

/** What the AEAD of one group message binds (§8.3). */
export interface GroupMessageContext {
  readonly version: number;
  readonly groupId: Bytes;
  /** The identity key of the sender key's owner. */
  readonly sender: Bytes;
  readonly epoch: number;
  readonly stateHash: Bytes;
  readonly keyId: number;
  readonly iteration: number;
}

/** §8.2: HKDF(ikm = mk, salt = ZERO_32, info = SENDER_KEY_MESSAGE_KEYS_INFO, 44) = key(32) ‖ nonce(12). */
export function deriveGroupBodyKeys(messageKey: Bytes): GroupBodyKeys {
  return messageAeadKeys(messageKey, MESSAGE_KEYS_INFO);
}

/**
 * §8.3 key commitment: HKDF(ikm = mk, salt = ZERO_32, info = SENDER_KEY_COMMITMENT_INFO, 32). ChaCha20-Poly1305
 * is not key-committing; the signed body carries this value, so one signed ciphertext names exactly one message key.
 */
export function groupKeyCommitment(messageKey: Bytes): Bytes {
  return hkdf(messageKey, ZERO_32, COMMITMENT_INFO, GROUP_KEY_COMMITMENT_LENGTH);
}

/** §8.3: AD = u8(v) ‖ g (16) ‖ IK_sender (32) ‖ u32(e) ‖ h (32) ‖ u32(k) ‖ u32(i). */
export function groupAssociatedData(c: GroupMessageContext): Bytes {
  return concatBytes(
    Uint8Array.of(c.version), c.groupId, c.sender, uintToBytes(c.epoch, 4), c.stateHash, uintToBytes(c.keyId, 4), uintToBytes(c.iteration, 4),
  );
}

export function sealGroupBody(messageKey: Bytes, plaintext: Bytes, associatedData: Bytes): Bytes {
  const { key, nonce } = deriveGroupBodyKeys(messageKey);
  return aeadSeal(key, nonce, plaintext, associatedData);
}

/** Checks the commitment, then opens; throws DECRYPT_FAILED on either failure. */
export function openGroupBody(messageKey: Bytes, commitment: Bytes, ciphertext: Bytes, associatedData: Bytes): Bytes {
  if (!equalBytes(groupKeyCommitment(messageKey), commitment)) fail('DECRYPT_FAILED', 'group message key commitment does not match');
  const { key, nonce } = deriveGroupBodyKeys(messageKey);
  return aeadOpen(key, nonce, ciphertext, associatedData);
}
