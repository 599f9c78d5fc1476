/**
 * Serialized session records (spec/protocol.md §7.1):
 * `[STATE_VERSION, "session-record", { c: state | nil, a: [state…] }]`, where a
 * state is `{ peer, role, base, ratchet, pending, received }`. Decoded strictly.
 */
import { MAX_ARCHIVED_SESSIONS, MAX_RETIRED_BASES, MAX_STATE_SIZE } from '../constants.js';
import { ED25519_PUBLIC_KEY_LENGTH, ML_KEM_1024_CIPHERTEXT_LENGTH, X25519_KEY_LENGTH, redact, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodeRatchetState, encodeRatchetState } from '../ratchet/index.js';
import {
  checkBytes, MAX_PREKEY_ID, readArray, readBoolean, readBytes, readMap, readOptional, readString, readUint,
  type InitialMessageHeader, type WireMap,
} from '../wire/index.js';
import type { SessionRecord, SessionState } from './session-state.js';
import { decodeState, encodeState } from '../wire/state-envelope.js';

const KIND = 'session-record';
const WHAT = 'session record';
const STATE_FIELDS = ['peer', 'role', 'base', 'ratchet', 'pending', 'received'] as const;
const PENDING_FIELDS = ['identityKey', 'ephemeralKey', 'signedPreKeyId', 'kemPreKeyId', 'kemCiphertext'] as const;

export function encodeSessionRecord(record: SessionRecord): Bytes {
  return encodeState(KIND, {
    c: record.current === null ? null : stateToMap(record.current),
    a: record.archived.map(stateToMap),
    r: record.retired,
  });
}

function stateToMap(s: SessionState): Record<string, unknown> {
  return {
    peer: s.peer, role: s.role, base: s.base, ratchet: encodeRatchetState(s.ratchet),
    pending: s.pending === null ? null : pendingToMap(s.pending), received: s.received,
  };
}

function pendingToMap(h: InitialMessageHeader): Record<string, unknown> {
  const map: Record<string, unknown> = {
    identityKey: h.identityKey, ephemeralKey: h.ephemeralKey, signedPreKeyId: h.signedPreKeyId,
    kemPreKeyId: h.kemPreKeyId, kemCiphertext: h.kemCiphertext,
  };
  if (h.oneTimePreKeyId !== undefined) map['oneTimePreKeyId'] = h.oneTimePreKeyId;
  return map;
}

export function decodeSessionRecord(bytes: Bytes): SessionRecord {
  const map = readMap(decodeState(bytes, KIND, MAX_STATE_SIZE, WHAT), WHAT, ['c', 'a', 'r']);
  const current = map['c'] === null ? null : stateFromMap(map['c']);
  const archived = readArray(map, WHAT, 'a', MAX_ARCHIVED_SESSIONS).map(stateFromMap);
  const retired = readArray(map, WHAT, 'r', MAX_RETIRED_BASES).map((b) => checkBytes(b, WHAT, 'r', X25519_KEY_LENGTH));
  return redact({ current, archived, retired }, 'SessionRecord');
}

function stateFromMap(value: unknown): SessionState {
  const map = readMap(value, WHAT, STATE_FIELDS);
  const role = readString(map, WHAT, 'role', 16);
  if (role !== 'initiator' && role !== 'responder') fail('MALFORMED', `${WHAT}: unknown role`);
  const pending = map['pending'] === null ? null : pendingFromMap(map['pending']);
  if (pending !== null && role !== 'initiator') fail('INVALID_STATE', `${WHAT}: only an initiator session has a pending header`);
  return {
    peer: readBytes(map, WHAT, 'peer', ED25519_PUBLIC_KEY_LENGTH),
    role,
    base: readBytes(map, WHAT, 'base', X25519_KEY_LENGTH),
    ratchet: decodeRatchetState(readBytes(map, WHAT, 'ratchet', { min: 1, max: MAX_STATE_SIZE })),
    pending,
    received: readBoolean(map, WHAT, 'received'),
  };
}

function pendingFromMap(value: unknown): InitialMessageHeader {
  const map: WireMap = readMap(value, WHAT, PENDING_FIELDS, ['oneTimePreKeyId']);
  const oneTimePreKeyId = readOptional(map, 'oneTimePreKeyId', () => readUint(map, WHAT, 'oneTimePreKeyId', MAX_PREKEY_ID));
  return {
    identityKey: readBytes(map, WHAT, 'identityKey', ED25519_PUBLIC_KEY_LENGTH),
    ephemeralKey: readBytes(map, WHAT, 'ephemeralKey', X25519_KEY_LENGTH),
    signedPreKeyId: readUint(map, WHAT, 'signedPreKeyId', MAX_PREKEY_ID),
    kemPreKeyId: readUint(map, WHAT, 'kemPreKeyId', MAX_PREKEY_ID),
    kemCiphertext: readBytes(map, WHAT, 'kemCiphertext', ML_KEM_1024_CIPHERTEXT_LENGTH),
    ...(oneTimePreKeyId !== undefined && { oneTimePreKeyId }),
  };
}
