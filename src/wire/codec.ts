/**
 * Strict msgpack decoding (spec/protocol.md §3).
 *
 * Every Parley structure is a msgpack map with fixed string keys. Decoders
 * reject, with a ProtocolError and nothing else:
 *   - input that is not exactly one msgpack value (trailing bytes included),
 *   - input larger than the bound for its kind (OVERSIZE),
 *   - msgpack extension types (timestamps included) and floats anywhere,
 *   - nesting, array or map lengths, or value counts beyond the decode limits
 *     (msgpack-reader.ts), and any length the remaining bytes cannot hold,
 *   - a missing key, an unknown key, a value of the wrong type or length (MALFORMED),
 *   - a version this implementation does not speak (UNSUPPORTED_VERSION).
 * Byte fields are copied out of the input, so a decoded value never aliases
 * the caller's buffer.
 */
import { MSGPACK_MAX_DEPTH, MSGPACK_MAX_MAP_LENGTH } from '../constants.js';
import { fail } from '../errors.js';
import type { Bytes } from '../crypto/index.js';
import { readMsgpack, type DecodeLimits } from './msgpack-reader.js';
import { writeMsgpack } from './msgpack-writer.js';

export type { DecodeLimits } from './msgpack-reader.js';
export type WireMap = Readonly<Record<string, unknown>>;

/** Encodes maps in key insertion order; every encoder in src/wire builds its map in the spec's order. */
export function encodeMsgpack(value: unknown): Bytes {
  return writeMsgpack(value);
}

/**
 * The limits of a decode of at most `maxSize` bytes unless its caller tightens
 * them. Array length and value count may follow the size bound: every value
 * takes at least one byte, so they only ever bind on hostile input.
 */
export function defaultDecodeLimits(maxSize: number): DecodeLimits {
  return { maxDepth: MSGPACK_MAX_DEPTH, maxArrayLength: maxSize, maxMapLength: MSGPACK_MAX_MAP_LENGTH, maxItems: maxSize };
}

/** Decodes exactly one msgpack value of at most `maxSize` bytes, within `limits` (defaults above). */
export function decodeMsgpack(bytes: Bytes, maxSize: number, what: string, limits?: Partial<DecodeLimits>): unknown {
  if (!(bytes instanceof Uint8Array)) fail('MALFORMED', `${what}: input is not bytes`, { what });
  if (bytes.length > maxSize) fail('OVERSIZE', `${what}: ${bytes.length} bytes exceeds ${maxSize}`, { what, got: bytes.length, max: maxSize });
  return readMsgpack(bytes, what, { ...defaultDecodeLimits(maxSize), ...limits });
}

/** Checks that `value` is a map with exactly the `required` keys plus any of the `optional` ones. */
export function readMap(value: unknown, what: string, required: readonly string[], optional: readonly string[] = []): WireMap {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    fail('MALFORMED', `${what}: expected a map`, { what });
  }
  const map = value as Record<string, unknown>;
  for (const key of required) {
    if (!Object.prototype.hasOwnProperty.call(map, key)) fail('MALFORMED', `${what}: missing field ${key}`, { what, field: key });
  }
  for (const key of Object.keys(map)) {
    if (!required.includes(key) && !optional.includes(key)) fail('MALFORMED', `${what}: unknown field ${key}`, { what, field: key });
  }
  return map;
}

/** Reads the version field `v` and checks it is one of `supported`. */
export function readVersion(map: WireMap, what: string, supported: readonly number[]): number {
  const v = map['v'];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail('MALFORMED', `${what}: version is not an integer`, { what });
  if (!supported.includes(v)) fail('UNSUPPORTED_VERSION', `${what}: version ${v} is not supported`, { what, got: v });
  return v;
}

export type LengthRule = number | { readonly min: number; readonly max: number };

export function checkBytes(value: unknown, what: string, field: string, length: LengthRule): Bytes {
  if (!(value instanceof Uint8Array)) fail('MALFORMED', `${what}: ${field} is not bytes`, { what, field });
  const ok = typeof length === 'number' ? value.length === length : value.length >= length.min && value.length <= length.max;
  if (!ok) fail('MALFORMED', `${what}: ${field} has a bad length`, { what, field, got: value.length });
  return value.slice();
}

export function readBytes(map: WireMap, what: string, field: string, length: LengthRule): Bytes {
  return checkBytes(map[field], what, field, length);
}

export function checkUint(value: unknown, what: string, field: string, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    fail('MALFORMED', `${what}: ${field} is not an integer in [0, ${max}]`, { what, field });
  }
  return value;
}

export function readUint(map: WireMap, what: string, field: string, max?: number): number {
  return checkUint(map[field], what, field, max);
}

export function readString(map: WireMap, what: string, field: string, maxLength: number): string {
  const value = map[field];
  if (typeof value !== 'string' || value.length > maxLength) fail('MALFORMED', `${what}: ${field} is not a string of at most ${maxLength}`, { what, field });
  return value;
}

export function readBoolean(map: WireMap, what: string, field: string): boolean {
  const value = map[field];
  if (typeof value !== 'boolean') fail('MALFORMED', `${what}: ${field} is not a boolean`, { what, field });
  return value;
}

export function readArray(map: WireMap, what: string, field: string, maxLength: number): readonly unknown[] {
  const value = map[field];
  if (!Array.isArray(value) || value.length > maxLength) fail('MALFORMED', `${what}: ${field} is not an array of at most ${maxLength}`, { what, field });
  return value;
}

/** Reads an optional field: undefined when absent, otherwise checked by `read`. */
export function readOptional<T>(map: WireMap, field: string, read: () => T): T | undefined {
  return Object.prototype.hasOwnProperty.call(map, field) ? read() : undefined;
}
