/**
 * The PQ block of a version 3 header (spec/protocol.md §6.9.2): every message
 * of a PQ session carries one, of fixed size, so a message that carries key
 * material looks like one that does not.
 *
 *   u32(epoch) ‖ u8(kind) ‖ u32(step) ‖ u8(index) ‖ chunk (PQ_CHUNK_SIZE)
 *
 * kind 0 is an empty block (step, index and chunk all zero), kind 1 a chunk of
 * an encapsulation key, kind 2 a chunk of a ciphertext, both for step `step`.
 */
import { PQ_BLOCK_LENGTH, PQ_CHUNK_SIZE } from '../../constants.js';
import type { Bytes } from '../../crypto/index.js';
import { readUint32, writeUint32 } from '../u32.js';

export const PQ_KIND_NONE = 0;
export const PQ_KIND_KEY = 1;
export const PQ_KIND_CIPHERTEXT = 2;

export interface PqBlock {
  /** The epoch of the sender's sending chain. */
  readonly epoch: number;
  readonly kind: typeof PQ_KIND_NONE | typeof PQ_KIND_KEY | typeof PQ_KIND_CIPHERTEXT;
  readonly step: number;
  readonly index: number;
  readonly data: Bytes;
}

const ZERO_CHUNK = new Uint8Array(PQ_CHUNK_SIZE);

export function emptyBlock(epoch: number): PqBlock {
  return { epoch, kind: PQ_KIND_NONE, step: 0, index: 0, data: ZERO_CHUNK };
}

/** Writes `block` at `offset` of `out` (PQ_BLOCK_LENGTH bytes). */
export function writePqBlock(out: Bytes, offset: number, block: PqBlock): void {
  writeUint32(out, offset, block.epoch);
  out[offset + 4] = block.kind;
  writeUint32(out, offset + 5, block.step);
  out[offset + 9] = block.index;
  out.set(block.data, offset + 10);
}

/**
 * Reads the block at `offset`, or null if it breaks a rule of §6.9.2 (a kind
 * above 2; an empty block with a non-zero field; a chunk for step 0). Applied
 * only to an authenticated header, so null is a protocol violation by the peer.
 */
export function readPqBlock(bytes: Bytes, offset: number): PqBlock | null {
  if (bytes.length !== offset + PQ_BLOCK_LENGTH) return null;
  const kind = bytes[offset + 4] as number;
  const step = readUint32(bytes, offset + 5);
  const index = bytes[offset + 9] as number;
  const data = bytes.slice(offset + 10);
  if (kind === PQ_KIND_NONE) {
    if (step !== 0 || index !== 0 || data.some((b) => b !== 0)) return null;
  } else if (kind !== PQ_KIND_KEY && kind !== PQ_KIND_CIPHERTEXT) {
    return null;
  } else if (step === 0) {
    return null;
  }
  return { epoch: readUint32(bytes, offset), kind, step, index, data } as PqBlock;
}
