/**
 * Session messages (spec/protocol.md §7.2): the unit a 1:1 session produces
 * and the content of a sealed envelope.
 *
 *   { v: uint, k: uint (1 = initial, 2 = ratchet), m: bin }
 */
import { MAX_INITIAL_MESSAGE_SIZE, PROTOCOL_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readUint, readVersion } from './codec.js';

export type SessionMessage =
  | { readonly kind: 'initial'; readonly body: Bytes }
  | { readonly kind: 'ratchet'; readonly body: Bytes };

const WHAT = 'session message';
const KIND_INITIAL = 1;
const KIND_RATCHET = 2;
export const MAX_SESSION_MESSAGE_SIZE = MAX_INITIAL_MESSAGE_SIZE + 64;

export function encodeSessionMessage(m: SessionMessage): Bytes {
  return encodeMsgpack({ v: PROTOCOL_VERSION, k: m.kind === 'initial' ? KIND_INITIAL : KIND_RATCHET, m: m.body });
}

export function decodeSessionMessage(bytes: Bytes): SessionMessage {
  const map = readMap(decodeMsgpack(bytes, MAX_SESSION_MESSAGE_SIZE, WHAT), WHAT, ['v', 'k', 'm']);
  readVersion(map, WHAT, [PROTOCOL_VERSION]);
  const kind = readUint(map, WHAT, 'k', 255);
  const body = readBytes(map, WHAT, 'm', { min: 1, max: MAX_INITIAL_MESSAGE_SIZE });
  if (kind === KIND_INITIAL) return { kind: 'initial', body };
  if (kind === KIND_RATCHET) return { kind: 'ratchet', body };
  return fail('MALFORMED', `${WHAT}: unknown kind ${kind}`, { what: WHAT, got: kind });
}
