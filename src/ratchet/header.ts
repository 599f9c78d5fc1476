/**
 * Message headers and their encryption (spec/protocol.md §6.4).
 *
 * Plain header, 40 bytes:  DHs public key (32) ‖ u32(PN) ‖ u32(N)
 * Encrypted header, 68 bytes:  nonce (12, random) ‖ AEAD(HK, nonce, header, AD)
 */
import { AEAD_NONCE_LENGTH, aeadSeal, aeadTryOpen, concatBytes, type Bytes, type RandomSource } from '../crypto/index.js';

export const HEADER_LENGTH = 40;

export interface Header {
  /** The sender's current ratchet public key. */
  readonly ratchetKey: Bytes;
  /** PN: number of messages in the sender's previous sending chain. */
  readonly previousChainLength: number;
  /** N: this message's number in its sending chain. */
  readonly messageNumber: number;
}

/** Big-endian u32 at `offset` (the low 32 bits of `value`; both counters are bounded by MAX_CHAIN_INDEX). */
function writeUint32(out: Bytes, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}

function readUint32(bytes: Bytes, offset: number): number {
  return (((bytes[offset] as number) << 24) | ((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number)) >>> 0;
}

/** Written in place: one allocation per header (this runs for every message). */
export function encodeHeader(h: Header): Bytes {
  const keyLength = h.ratchetKey.length;
  const out = new Uint8Array(keyLength + 8);
  out.set(h.ratchetKey);
  writeUint32(out, keyLength, h.previousChainLength);
  writeUint32(out, keyLength + 4, h.messageNumber);
  return out;
}

/** Only ever applied to an authenticated header, so its length is the one thing to check. */
export function decodeHeader(bytes: Bytes): Header | null {
  if (bytes.length !== HEADER_LENGTH) return null;
  return { ratchetKey: bytes.slice(0, 32), previousChainLength: readUint32(bytes, 32), messageNumber: readUint32(bytes, 36) };
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
