/**
 * Ratchet messages (spec/protocol.md §6.6): one Double Ratchet message with
 * its header encrypted, so the relay sees neither ratchet keys nor counters.
 *
 *   { v: uint, h: bin(80) = header nonce(24) ‖ sealed header(40 + 16), c: bin(16..) }
 */
import { MAX_MESSAGE_SIZE, PROTOCOL_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readVersion } from './codec.js';

export interface RatchetMessage {
  /** The encrypted header: a 24-byte nonce followed by the sealed 40-byte header and its 16-byte tag. */
  readonly header: Bytes;
  /** The body: ChaCha20-Poly1305 ciphertext with its 16-byte tag. */
  readonly ciphertext: Bytes;
}

const WHAT = 'ratchet message';
/** 24-byte XChaCha20 nonce ‖ 40-byte header ‖ 16-byte tag. */
export const ENCRYPTED_HEADER_LENGTH = 80;
const TAG_LENGTH = 16;

export function encodeRatchetMessage(m: RatchetMessage): Bytes {
  return encodeMsgpack({ v: PROTOCOL_VERSION, h: m.header, c: m.ciphertext });
}

export function decodeRatchetMessage(bytes: Bytes): RatchetMessage {
  const map = readMap(decodeMsgpack(bytes, MAX_MESSAGE_SIZE, WHAT), WHAT, ['v', 'h', 'c']);
  readVersion(map, WHAT, [PROTOCOL_VERSION]);
  return {
    header: readBytes(map, WHAT, 'h', ENCRYPTED_HEADER_LENGTH),
    ciphertext: readBytes(map, WHAT, 'c', { min: TAG_LENGTH, max: MAX_MESSAGE_SIZE }),
  };
}
