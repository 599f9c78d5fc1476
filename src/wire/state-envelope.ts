/**
 * The `[version, kind, body]` envelope of every serialized state and stored
 * client record (spec/protocol.md §3), written and read in one place so that
 * every reader fails the same way, with one code per failure:
 *
 *   not a 3-element array, version not a uint, kind not a str   MALFORMED
 *   a version other than STATE_VERSION                           UNSUPPORTED_VERSION
 *   another kind                                                 INVALID_STATE
 */
import { STATE_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodeMsgpack, encodeMsgpack } from './codec.js';

/** `[STATE_VERSION, kind, body]`, msgpack-encoded. */
export function encodeState(kind: string, body: unknown): Bytes {
  return encodeMsgpack([STATE_VERSION, kind, body]);
}

/** The body of an already-decoded state envelope of `kind`. */
export function readStateBody(value: unknown, kind: string, what: string): unknown {
  if (!Array.isArray(value) || value.length !== 3) fail('MALFORMED', `${what}: expected [version, kind, body]`, { what });
  const [version, k, body] = value as [unknown, unknown, unknown];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) fail('MALFORMED', `${what}: version is not a uint`, { what });
  if (version !== STATE_VERSION) fail('UNSUPPORTED_VERSION', `${what}: state version ${version} is not supported`, { what, got: version });
  if (typeof k !== 'string') fail('MALFORMED', `${what}: kind is not a string`, { what });
  if (k !== kind) fail('INVALID_STATE', `${what}: wrong kind`, { what });
  return body;
}

/** Decodes `bytes` (at most `max`) as a state envelope of `kind` and returns its body. */
export function decodeState(bytes: Bytes, kind: string, max: number, what: string): unknown {
  return readStateBody(decodeMsgpack(bytes, max, what), kind, what);
}
