/**
 * The msgpack writer behind every encoder in src/ (spec/protocol.md §3): the
 * counterpart of msgpack-reader.ts, writing the one encoding the reader accepts.
 *
 * Why our own: Parley writes a small subset of msgpack — nil, bool, safe
 * integers, str, bin, arrays and maps with str keys in insertion order, each
 * in its shortest form — and a general library (extension codecs, floats,
 * bigint, key sorting) cost the browser bundle 2.5 KB gzip for it (issue 13).
 *
 * Anything outside that subset (a float, a bigint, a Date, a typed array other
 * than Uint8Array, a class instance) is refused with MALFORMED instead of being
 * written in a form the reader would refuse. `undefined` is written as nil, as
 * the library we replaced did (encoders in src/wire never pass it).
 */
import { fail } from '../errors.js';

const utf8 = new TextEncoder();
const TWO_POW_32 = 0x100000000;
/**
 * Deepest nesting written: far above any structure (MSGPACK_MAX_DEPTH bounds
 * what decodes), only there so a cyclic value is a MALFORMED error rather than
 * a stack overflow; as deep as the @msgpack/msgpack encoder it replaced allowed.
 * A writer's guard, not a protocol bound, hence not in constants.ts.
 */
const MAX_ENCODE_DEPTH = 100;
/** The scratch buffer's resting size: big enough for every message but files and states; a larger one is dropped after use. */
const SCRATCH_SIZE = 4096;

// One scratch buffer, reused: encoding is synchronous and never reentrant, and the result is copied out.
let buf = new Uint8Array(SCRATCH_SIZE);
let view = new DataView(buf.buffer);
let pos = 0;

/** Makes room for `n` more bytes. */
function room(n: number): void {
  if (pos + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, pos + n));
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(next.buffer);
}

/**
 * A length header in its shortest form: `fix + n` below `fixEnd` (0: no fix
 * form), the 8-bit form `m8` when the type has one (0: none), then `m16` and
 * the 32-bit form, which every type places right after its 16-bit one.
 */
function header(n: number, fix: number, fixEnd: number, m8: number, m16: number): void {
  if (n >= TWO_POW_32) fail('MALFORMED', `msgpack: a length of ${n} does not fit 32 bits`, { got: n });
  room(5);
  if (n < fixEnd) buf[pos++] = fix + n;
  else if (m8 !== 0 && n < 0x100) {
    buf[pos++] = m8;
    buf[pos++] = n;
  } else if (n < 0x10000) {
    buf[pos++] = m16;
    view.setUint16(pos, n);
    pos += 2;
  } else {
    buf[pos++] = m16 + 1;
    view.setUint32(pos, n);
    pos += 4;
  }
}

/** A 64-bit integer as two 32-bit words; `>>> 0` keeps the low word modulo 2^32, exact for safe integers. */
function int64(marker: number, n: number): void {
  buf[pos++] = marker;
  view.setInt32(pos, Math.floor(n / TWO_POW_32));
  view.setUint32(pos + 4, n >>> 0);
  pos += 8;
}

function writeUint(n: number): void {
  if (n < 0x80) buf[pos++] = n;
  else if (n < 0x100) {
    buf[pos++] = 0xcc;
    buf[pos++] = n;
  } else if (n < 0x10000) {
    buf[pos++] = 0xcd;
    view.setUint16(pos, n);
    pos += 2;
  } else if (n < TWO_POW_32) {
    buf[pos++] = 0xce;
    view.setUint32(pos, n);
    pos += 4;
  } else int64(0xcf, n);
}

function writeNegative(n: number): void {
  if (n >= -0x20) buf[pos++] = n & 0xff; // negative fixint 0xe0..0xff
  else if (n >= -0x80) {
    buf[pos++] = 0xd0;
    view.setInt8(pos++, n);
  } else if (n >= -0x8000) {
    buf[pos++] = 0xd1;
    view.setInt16(pos, n);
    pos += 2;
  } else if (n >= -0x80000000) {
    buf[pos++] = 0xd2;
    view.setInt32(pos, n);
    pos += 4;
  } else int64(0xd3, n);
}

function writeInteger(n: number): void {
  if (!Number.isSafeInteger(n)) fail('MALFORMED', 'msgpack: only safe integers can be encoded (no structure has a float)');
  room(9);
  if (n >= 0) writeUint(n);
  else writeNegative(n);
}

function writeBytes(bytes: Uint8Array): void {
  room(bytes.length);
  buf.set(bytes, pos);
  pos += bytes.length;
}

function writeString(s: string): void {
  // Map keys and type names are short ASCII: written in place, without a TextEncoder call.
  if (s.length < 32) {
    let i = 0;
    while (i < s.length && s.charCodeAt(i) < 0x80) i++;
    if (i === s.length) {
      header(s.length, 0xa0, 32, 0xd9, 0xda);
      room(s.length);
      for (i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
      return;
    }
  }
  // A lone surrogate becomes U+FFFD: well-formed UTF-8 is all the reader accepts.
  const bytes = utf8.encode(s);
  header(bytes.length, 0xa0, 32, 0xd9, 0xda);
  writeBytes(bytes);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function writeValue(value: unknown, depth: number): void {
  if (value === null || value === undefined) {
    room(1);
    buf[pos++] = 0xc0;
  } else if (typeof value === 'boolean') {
    room(1);
    buf[pos++] = value ? 0xc3 : 0xc2;
  } else if (typeof value === 'number') writeInteger(value);
  else if (typeof value === 'string') writeString(value);
  else if (value instanceof Uint8Array) {
    header(value.length, 0, 0, 0xc4, 0xc5);
    writeBytes(value);
  } else if (typeof value !== 'object') fail('MALFORMED', `msgpack: a ${typeof value} cannot be encoded`);
  else if (depth >= MAX_ENCODE_DEPTH) fail('MALFORMED', `msgpack: nesting deeper than ${MAX_ENCODE_DEPTH}`, { max: MAX_ENCODE_DEPTH });
  else if (Array.isArray(value)) {
    header(value.length, 0x90, 16, 0, 0xdc);
    for (const item of value) writeValue(item, depth + 1);
  } else if (isPlainObject(value)) {
    const map = value as Record<string, unknown>;
    const keys = Object.keys(map);
    header(keys.length, 0x80, 16, 0, 0xde);
    for (const key of keys) {
      writeString(key);
      writeValue(map[key], depth + 1);
    }
  } else fail('MALFORMED', 'msgpack: only plain objects, arrays and Uint8Array can be encoded');
}

/** The shortest msgpack encoding of `value`, maps in key insertion order; a fresh array the caller owns. */
export function writeMsgpack(value: unknown): Uint8Array {
  pos = 0;
  try {
    writeValue(value, 0);
    return buf.slice(0, pos);
  } finally {
    if (buf.length > SCRATCH_SIZE) {
      buf = new Uint8Array(SCRATCH_SIZE);
      view = new DataView(buf.buffer);
    }
  }
}
