/**
 * Message headers and their encryption (spec/protocol.md §6.4).
 *
 * Plain header, 40 bytes:  DHs public key (32) ‖ u32(PN) ‖ u32(N)
 * Encrypted header, 80 bytes:  nonce (24, random) ‖ XAEAD(HK, nonce, header, u8(v) ‖ AD)
 *
 * The nonce is random because the receiver must open the header before it
 * knows anything to derive one from; XChaCha20's 192-bit nonce keeps random
 * nonces unique for all 2³² messages of a chain under one header key.
 */
import { PROTOCOL_VERSION } from '../constants.js';
import { concatBytes, XAEAD_NONCE_LENGTH, xaeadSeal, xaeadTryOpen, type Bytes, type RandomSource } from '../crypto/index.js';

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

/** §6.4: the header's associated data, u8(v) ‖ AD: the version is bound to every header. */
export function headerAssociatedData(associatedData: Bytes): Bytes {
  return concatBytes(Uint8Array.of(PROTOCOL_VERSION), associatedData);
}

/** HENCRYPT: draws the 24-byte nonce from `random`. `headerAd` is headerAssociatedData(AD). */
export function encryptHeader(headerKey: Bytes, header: Header, headerAd: Bytes, random: RandomSource): Bytes {
  const nonce = random(XAEAD_NONCE_LENGTH);
  return concatBytes(nonce, xaeadSeal(headerKey, nonce, encodeHeader(header), headerAd));
}

/** HDECRYPT: the header, or null if `headerKey` does not open it. `headerAd` is headerAssociatedData(AD). */
export function tryDecryptHeader(headerKey: Bytes, encryptedHeader: Bytes, headerAd: Bytes): Header | null {
  const nonce = encryptedHeader.subarray(0, XAEAD_NONCE_LENGTH);
  const opened = xaeadTryOpen(headerKey, nonce, encryptedHeader.subarray(XAEAD_NONCE_LENGTH), headerAd);
  return opened === null ? null : decodeHeader(opened);
}
