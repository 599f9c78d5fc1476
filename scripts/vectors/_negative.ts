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
import { fromHex, toHex, type Bytes } from '../../src/crypto/index.js';
import { isProtocolError, type ProtocolErrorCode } from '../../src/errors.js';
import { encodeMsgpack } from '../../src/wire/index.js';
import { readMsgpack } from '../../src/wire/msgpack-reader.js';
import { addPoints, bigintToLe, decodePoint, encodePoint } from '../../test/property/ed25519-points.js';

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

/** `input` followed by zero bytes up to `length` bytes: how a case's `padTo` keeps an OVERSIZE input small in its file. */
export function padded(input: Bytes, length: number): Bytes {
  const out = new Uint8Array(length);
  out.set(input);
  return out;
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

// ── outcomes ────────────────────────────────────────────────────────────────

/** "ok" if `f` returns, else the code of the ProtocolError it throws (anything else is a generator bug, rethrown). */
export function outcomeOf(f: () => unknown): Expected {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return e.code;
  }
}

/**
 * Runs `f` and returns `expected` if that is how it ends; otherwise throws, so
 * that no file records an outcome the spec does not prescribe.
 */
export function expectOutcome(file: string, what: string, expected: Expected, f: () => unknown): Expected {
  const got = outcomeOf(f);
  if (got !== expected) throw new Error(`${file}: ${what} gave ${got}, the spec says ${expected}`);
  return expected;
}

// ── adversarial points (bigint arithmetic of test/property/ed25519-points.ts) ──

/** The canonical encoding of a point of order 8 (T8). */
export const ORDER_8_ENCODING = '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05';
/** An X25519 u of order 8: DH with it is all zero for every clamped scalar. */
export const LOW_ORDER_U: Bytes = fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800');

/** A + T8: a mixed-order point that X25519 and the cofactored VERIFY treat like A. */
export function mixedOrder(publicKey: Bytes): Bytes {
  return encodePoint(addPoints(decodePoint(publicKey), decodePoint(fromHex(ORDER_8_ENCODING))));
}

/** The smallest y ≥ 2 that is no curve point's y, encoded (sign bit clear). */
export function offCurve(): Bytes {
  for (let y = 2n; ; y++) {
    const e = bigintToLe(y);
    try {
      decodePoint(e);
    } catch {
      return e;
    }
  }
}
