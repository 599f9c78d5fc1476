/** Big-endian u32 fields of the plain header (spec/protocol.md §6.4, §6.9.2). */
import type { Bytes } from '../crypto/index.js';

/** Writes the low 32 bits of `value` at `offset`; every counter written is bounded by u32. */
export function writeUint32(out: Bytes, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}

export function readUint32(bytes: Bytes, offset: number): number {
  return (((bytes[offset] as number) << 24) | ((bytes[offset + 1] as number) << 16)
    | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number)) >>> 0;
}
