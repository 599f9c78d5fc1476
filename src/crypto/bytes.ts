/**
 * Byte helpers. Uint8Array is the only byte type in Parley; these are the few
 * operations every layer needs, in one place.
 */
import { equalBytes as nobleEqualBytes } from '@noble/ciphers/utils.js';
import { bytesToHex, hexToBytes, utf8ToBytes, concatBytes as nobleConcat } from '@noble/hashes/utils.js';

export type Bytes = Uint8Array;

/** Constant-time equality (for MACs, keys and tags). Length mismatch returns false. */
export function equalBytes(a: Bytes, b: Bytes): boolean {
  return nobleEqualBytes(a, b);
}

export function concatBytes(...parts: Bytes[]): Bytes {
  return nobleConcat(...parts);
}

export function toHex(b: Bytes): string {
  return bytesToHex(b);
}

export function fromHex(hex: string): Bytes {
  return hexToBytes(hex);
}

export function utf8(s: string): Bytes {
  return utf8ToBytes(s);
}

/** Big-endian unsigned integer of `length` bytes (length ≤ 6 keeps it exact in a double). */
export function uintToBytes(value: number, length: number): Bytes {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Lexicographic comparison of two byte strings (not constant time: only for public values). */
export function compareBytes(a: Bytes, b: Bytes): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Overwrites a secret buffer with zeros. Best effort: JS gives no guarantee copies do not exist. */
export function wipe(b: Bytes): void {
  b.fill(0);
}
