/**
 * Shared shape and helpers of the negative vector files (spec/test-vectors.md
 * §Negative vectors). Not a generator itself (the leading underscore keeps it
 * out of the registry).
 *
 * Every case names what it feeds (`input`, or the steps of a replay) and the
 * one outcome a conforming implementation reaches: `"ok"` or an error code of
 * protocol.md §10. Inputs are built by mutating what the current encoders
 * produce, so the files follow the wire formats when they change.
 */
import { toHex, type Bytes } from '../../src/crypto/index.js';
import type { ProtocolErrorCode } from '../../src/errors.js';
import { encodeMsgpack } from '../../src/wire/index.js';
import { readMsgpack } from '../../src/wire/msgpack-reader.js';

export type Expected = 'ok' | ProtocolErrorCode;

export const hex = toHex;

/** A copy of `bytes` with bit `bit` of byte `at` flipped (negative `at` counts from the end). */
export function flipBit(bytes: Bytes, at: number, bit = 0): Bytes {
  const out = bytes.slice();
  const i = at < 0 ? out.length + at : at;
  out[i] = (out[i] as number) ^ (1 << bit);
  return out;
}

/** Reads any msgpack map (no structure rules) so a generator can change one field and re-encode it. */
export function readLoose(bytes: Bytes): Record<string, unknown> {
  const wide = { maxDepth: 64, maxArrayLength: 1 << 24, maxMapLength: 1 << 16, maxItems: 1 << 24 };
  return readMsgpack(bytes, 'vector generator', wide) as Record<string, unknown>;
}

/** `bytes` (an encoded map) with field `key` set to `value` (appended if new), re-encoded in key order. */
export function withField(bytes: Bytes, key: string, value: unknown): Bytes {
  return encodeMsgpack({ ...readLoose(bytes), [key]: value });
}

/** `bytes` (an encoded map) without field `key`. */
export function withoutField(bytes: Bytes, key: string): Bytes {
  const map = readLoose(bytes);
  delete map[key];
  return encodeMsgpack(map);
}

// ── hand-written msgpack, for encodings no encoder would write ──────────────

export const mp = {
  fixmap: (n: number): number[] => [0x80 | n],
  str: (s: string): number[] => {
    const b = [...new TextEncoder().encode(s)];
    if (b.length >= 32) throw new Error('mp.str: fixstr only');
    return [0xa0 | b.length, ...b];
  },
  bin8: (b: Bytes): number[] => [0xc4, b.length, ...b],
  /** The canonical encoding of a small value through the real encoder. */
  value: (v: unknown): number[] => [...encodeMsgpack(v)],
};

export function bytesOf(parts: readonly (number | ArrayLike<number>)[]): Bytes {
  return Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : Array.from(p))));
}
