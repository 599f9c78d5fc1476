/**
 * Serialized session records (spec/protocol.md §7.1):
 * `[SESSION_RECORD_VERSION, "session-record", { c: state | nil, a: [state…], r: [base…] }]`,
 * where a state is `{ peer, role, base, ratchet, pending, received }`. Decoded strictly.
 *
 * Version 1 records (protocol version 1) have the same layout and are
 * upgraded as they are read (§7.1): an initiator session that never heard
 * back was keyed under the version 1 PQXDH KDF, which no version 2 responder
 * reproduces, so it is dropped (and the next send starts a new session);
 * every other session carries over unchanged.
 */
import { MAX_ARCHIVED_SESSIONS, MAX_RETIRED_BASES, MAX_STATE_SIZE, SESSION_RECORD_VERSION } from '../constants.js';
import { ED25519_PUBLIC_KEY_LENGTH, ML_KEM_1024_CIPHERTEXT_LENGTH, X25519_KEY_LENGTH, redact, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodeRatchetState, encodeRatchetState } from '../ratchet/index.js';
import {
  checkBytes, MAX_PREKEY_ID, readArray, readBoolean, readBytes, readMap, readOptional, readString, readUint,
  type InitialMessageHeader, type WireMap,
} from '../wire/index.js';
import type { SessionRecord, SessionState } from './session-state.js';
import { encodeState, readVersionedState } from '../wire/state-envelope.js';
import { decodeMsgpack } from '../wire/codec.js';

const KIND = 'session-record';
const WHAT = 'session record';
const STATE_FIELDS = ['peer', 'role', 'base', 'ratchet', 'pending', 'received'] as const;
const PENDING_FIELDS = ['identityKey', 'ephemeralKey', 'signedPreKeyId', 'kemPreKeyId', 'kemCiphertext'] as const;

export function encodeSessionRecord(record: SessionRecord): Bytes {
  return encodeState(KIND, {
    c: record.current === null ? null : stateToMap(record.current),
    a: record.archived.map(stateToMap),
    r: record.retired,
  }, SESSION_RECORD_VERSION);
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

/** The record versions decodeSessionRecord reads: 1 is upgraded (see the module comment). */
const READABLE_VERSIONS = [1, SESSION_RECORD_VERSION];

export function decodeSessionRecord(bytes: Bytes): SessionRecord {
  const { version, body } = readVersionedState(decodeMsgpack(bytes, MAX_STATE_SIZE, WHAT), KIND, WHAT, READABLE_VERSIONS);
  const map = readMap(body, WHAT, ['c', 'a', 'r']);
  const current = map['c'] === null ? null : stateFromMap(map['c']);
  const archived = readArray(map, WHAT, 'a', MAX_ARCHIVED_SESSIONS).map(stateFromMap);
  const retired = readArray(map, WHAT, 'r', MAX_RETIRED_BASES).map((b) => checkBytes(b, WHAT, 'r', X25519_KEY_LENGTH));
  const record = version === 1 ? upgradeFromVersion1({ current, archived, retired }) : { current, archived, retired };
  return redact(record, 'SessionRecord');
}

/** §7.1 migration: drops version 1 sessions still waiting for their first answer. */
export function upgradeFromVersion1(record: SessionRecord): SessionRecord {
  const established = (s: SessionState): boolean => s.pending === null;
  return {
    current: record.current !== null && established(record.current) ? record.current : null,
    archived: record.archived.filter(established),
    retired: record.retired,
  };
}

function stateFromMap(value: unknown): SessionState {
  const map = readMap(value, WHAT, STATE_FIELDS);
  const role = readString(map, WHAT, 'role', 16);
  if (role !== 'initiator' && role !== 'responder') fail('MALFORMED', `${WHAT}: unknown role`);
  const pending = map['pending'] === null ? null : pendingFromMap(map['pending']);
  if (pending !== null && role !== 'initiator') fail('INVALID_STATE', `${WHAT}: only an initiator session has a pending header`);
  const ratchet = decodeRatchetState(readBytes(map, WHAT, 'ratchet', { min: 1, max: MAX_STATE_SIZE }));
  // §7.1: the PQ ratchet's sides follow the PQXDH roles; a flipped flag would stall it for good.
  if (ratchet.pq !== null && ratchet.pq.initiator !== (role === 'initiator')) {
    fail('INVALID_STATE', `${WHAT}: the PQ ratchet's role differs from the session's`);
  }
  return {
    peer: readBytes(map, WHAT, 'peer', ED25519_PUBLIC_KEY_LENGTH),
    role,
    base: readBytes(map, WHAT, 'base', X25519_KEY_LENGTH),
    ratchet,
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
