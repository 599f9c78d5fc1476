/**
 * Message headers and their encryption (spec/protocol.md §6.4).
 *
 * Plain header, 40 bytes:  DHs public key (32) ‖ u32(PN) ‖ u32(N)
 * Encrypted header, 68 bytes:  nonce (12, random) ‖ AEAD(HK, nonce, header, AD)
 */
import { AEAD_NONCE_LENGTH, aeadSeal, aeadTryOpen, concatBytes, uintToBytes, type Bytes, type RandomSource } from '../crypto/index.js';

export const HEADER_LENGTH = 40;

export interface Header {
  /** The sender's current ratchet public key. */
  readonly ratchetKey: Bytes;
  /** PN: number of messages in the sender's previous sending chain. */
  readonly previousChainLength: number;
  /** N: this message's number in its sending chain. */
  readonly messageNumber: number;
}

export function encodeHeader(h: Header): Bytes {
  return concatBytes(h.ratchetKey, uintToBytes(h.previousChainLength, 4), uintToBytes(h.messageNumber, 4));
}

/** Only ever applied to an authenticated header, so its length is the one thing to check. */
export function decodeHeader(bytes: Bytes): Header | null {
  if (bytes.length !== HEADER_LENGTH) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ratchetKey: bytes.slice(0, 32), previousChainLength: view.getUint32(32), messageNumber: view.getUint32(36) };
}

/** HENCRYPT: draws the 12-byte nonce from `random`. */
export function encryptHeader(headerKey: Bytes, header: Header, associatedData: Bytes, random: RandomSource): Bytes {
  const nonce = random(AEAD_NONCE_LENGTH);
  return concatBytes(nonce, aeadSeal(headerKey, nonce, encodeHeader(header), associatedData));
}

/** HDECRYPT: the header, or null if `headerKey` does not open it. */
export function tryDecryptHeader(headerKey: Bytes, encryptedHeader: Bytes, associatedData: Bytes): Header | null {
  const nonce = encryptedHeader.subarray(0, AEAD_NONCE_LENGTH);
  const opened = aeadTryOpen(headerKey, nonce, encryptedHeader.subarray(AEAD_NONCE_LENGTH), associatedData);
  return opened === null ? null : decodeHeader(opened);
}
