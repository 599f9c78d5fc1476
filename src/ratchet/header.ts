/**
 * Message headers and their encryption (spec/protocol.md §6.4, §6.9.2).
 *
 * Plain header:  DHs public key (32) ‖ u32(PN) ‖ u32(N)          40 bytes (version 2)
 *                … ‖ PQ block (PQ_BLOCK_LENGTH)                   178 bytes (version 3)
 * Encrypted header:  nonce (24, random) ‖ XAEAD(HK, nonce, header, u8(v) ‖ AD)
 *
 * The nonce is random because the receiver must open the header before it
 * knows anything to derive one from; XChaCha20's 192-bit nonce keeps random
 * nonces unique for all 2³² messages of a chain under one header key.
 */
import { PQ_BLOCK_LENGTH, PQ_RATCHET_VERSION } from '../constants.js';
import { concatBytes, XAEAD_NONCE_LENGTH, xaeadSeal, xaeadTryOpen, type Bytes, type RandomSource } from '../crypto/index.js';
import { readPqBlock, writePqBlock, type PqBlock } from './pq/block.js';
import { readUint32, writeUint32 } from './u32.js';

/** The classic header: what version 2 carries and version 3 starts with. */
export const HEADER_LENGTH = 40;

export interface Header {
  /** The sender's current ratchet public key. */
  readonly ratchetKey: Bytes;
  /** PN: number of messages in the sender's previous sending chain. */
  readonly previousChainLength: number;
  /** N: this message's number in its sending chain. */
  readonly messageNumber: number;
  /** Version 3 only: the post-quantum ratchet's block (§6.9.2). */
  readonly pq?: PqBlock;
}

/** Plain header length of a message of version `version`. */
export function headerLength(version: number): number {
  return version === PQ_RATCHET_VERSION ? HEADER_LENGTH + PQ_BLOCK_LENGTH : HEADER_LENGTH;
}

/** Written in place: one allocation per header (this runs for every message). */
export function encodeHeader(h: Header): Bytes {
  const keyLength = h.ratchetKey.length;
  const out = new Uint8Array(keyLength + 8 + (h.pq === undefined ? 0 : PQ_BLOCK_LENGTH));
  out.set(h.ratchetKey);
  writeUint32(out, keyLength, h.previousChainLength);
  writeUint32(out, keyLength + 4, h.messageNumber);
  if (h.pq !== undefined) writePqBlock(out, keyLength + 8, h.pq);
  return out;
}

/** Only ever applied to an authenticated header: a wrong length or a broken PQ block is a header that does not open. */
export function decodeHeader(bytes: Bytes, version: number): Header | null {
  if (bytes.length !== headerLength(version)) return null;
  const header = { ratchetKey: bytes.slice(0, 32), previousChainLength: readUint32(bytes, 32), messageNumber: readUint32(bytes, 36) };
  if (version !== PQ_RATCHET_VERSION) return header;
  const pq = readPqBlock(bytes, HEADER_LENGTH);
  return pq === null ? null : { ...header, pq };
}

/** §6.4: the header's associated data, u8(v) ‖ AD: the session's version is bound to every header. */
export function headerAssociatedData(version: number, associatedData: Bytes): Bytes {
  return concatBytes(Uint8Array.of(version), associatedData);
}

/** HENCRYPT: draws the 24-byte nonce from `random`. `headerAd` is headerAssociatedData(v, AD). */
export function encryptHeader(headerKey: Bytes, header: Header, headerAd: Bytes, random: RandomSource): Bytes {
  const nonce = random(XAEAD_NONCE_LENGTH);
  return concatBytes(nonce, xaeadSeal(headerKey, nonce, encodeHeader(header), headerAd));
}

/** HDECRYPT: the header, or null if `headerKey` does not open it. `headerAd` is headerAssociatedData(v, AD). */
export function tryDecryptHeader(headerKey: Bytes, encryptedHeader: Bytes, headerAd: Bytes, version: number): Header | null {
  const nonce = encryptedHeader.subarray(0, XAEAD_NONCE_LENGTH);
  const opened = xaeadTryOpen(headerKey, nonce, encryptedHeader.subarray(XAEAD_NONCE_LENGTH), headerAd);
  return opened === null ? null : decodeHeader(opened, version);
}
