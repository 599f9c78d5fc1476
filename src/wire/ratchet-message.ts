/**
 * Ratchet messages (spec/protocol.md §6.6): one Double Ratchet message with
 * its header encrypted, so the relay sees neither ratchet keys nor counters.
 *
 *   { v: 2, h: bin(80)  = header nonce(24) ‖ sealed header(40 + 16), c: bin(16..) }
 *   { v: 3, h: bin(218) = header nonce(24) ‖ sealed header(40 + PQ block 138 + 16), c: bin(16..) }
 */
import { MAX_MESSAGE_SIZE, PQ_BLOCK_LENGTH, PQ_RATCHET_VERSION, RATCHET_VERSIONS } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readVersion } from './codec.js';

export interface RatchetMessage {
  /** 2 (classic) or 3 (post-quantum ratchet): the version of the session that sent it. */
  readonly version: number;
  /** The encrypted header: a 24-byte nonce followed by the sealed header and its 16-byte tag. */
  readonly header: Bytes;
  /** The body: ChaCha20-Poly1305 ciphertext with its 16-byte tag. */
  readonly ciphertext: Bytes;
}

const WHAT = 'ratchet message';
/** Version 2: 24-byte XChaCha20 nonce ‖ 40-byte header ‖ 16-byte tag. */
export const ENCRYPTED_HEADER_LENGTH = 80;
const TAG_LENGTH = 16;

/** The encrypted header's length in a message of `version`. */
export function encryptedHeaderLength(version: number): number {
  return version === PQ_RATCHET_VERSION ? ENCRYPTED_HEADER_LENGTH + PQ_BLOCK_LENGTH : ENCRYPTED_HEADER_LENGTH;
}

export function encodeRatchetMessage(m: RatchetMessage): Bytes {
  return encodeMsgpack({ v: m.version, h: m.header, c: m.ciphertext });
}

export function decodeRatchetMessage(bytes: Bytes): RatchetMessage {
  const map = readMap(decodeMsgpack(bytes, MAX_MESSAGE_SIZE, WHAT), WHAT, ['v', 'h', 'c']);
  const version = readVersion(map, WHAT, RATCHET_VERSIONS);
  return {
    version,
    header: readBytes(map, WHAT, 'h', encryptedHeaderLength(version)),
    ciphertext: readBytes(map, WHAT, 'c', { min: TAG_LENGTH, max: MAX_MESSAGE_SIZE }),
  };
}
