/**
 * The `[version, kind, body]` envelope of every serialized state and stored
 * client record (spec/protocol.md §3), written and read in one place so that
 * every reader fails the same way, with one code per failure:
 *
 *   not a 3-element array, version not a uint, kind not a str   MALFORMED
 *   a version the kind does not list (STATE_VERSION by default)  UNSUPPORTED_VERSION
 *   another kind                                                 INVALID_STATE
 *
 * A kind whose layout changed has a version of its own (SESSION_RECORD_VERSION)
 * and lists the older versions its reader still upgrades.
 */
import { STATE_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodeMsgpack, encodeMsgpack } from './codec.js';

/** `[version, kind, body]`, msgpack-encoded. */
export function encodeState(kind: string, body: unknown, version: number = STATE_VERSION): Bytes {
  return encodeMsgpack([version, kind, body]);
}

/** The version and body of an already-decoded state envelope of `kind`, whose version is one of `versions`. */
export function readVersionedState(
  value: unknown, kind: string, what: string, versions: readonly number[] = [STATE_VERSION],
): { version: number; body: unknown } {
  if (!Array.isArray(value) || value.length !== 3) fail('MALFORMED', `${what}: expected [version, kind, body]`, { what });
  const [version, k, body] = value as [unknown, unknown, unknown];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) fail('MALFORMED', `${what}: version is not a uint`, { what });
  if (!versions.includes(version)) fail('UNSUPPORTED_VERSION', `${what}: state version ${version} is not supported`, { what, got: version });
  if (typeof k !== 'string') fail('MALFORMED', `${what}: kind is not a string`, { what });
  if (k !== kind) fail('INVALID_STATE', `${what}: wrong kind`, { what });
  return { version, body };
}

/** The body of an already-decoded state envelope of `kind` at STATE_VERSION. */
export function readStateBody(value: unknown, kind: string, what: string): unknown {
  return readVersionedState(value, kind, what).body;
}

/** Decodes `bytes` (at most `max`) as a state envelope of `kind` and returns its body. */
export function decodeState(bytes: Bytes, kind: string, max: number, what: string): unknown {
  return readStateBody(decodeMsgpack(bytes, max, what), kind, what);
}
