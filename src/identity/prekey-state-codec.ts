/**
 * Serialized prekey state (spec/protocol.md §4.7):
 * msgpack `[STATE_VERSION, "prekeys", body]`, decoded strictly: types and
 * lengths (MALFORMED), then the invariants lookups rely on (INVALID_STATE).
 */
import { MAX_KEM_PREKEYS, MAX_ONE_TIME_PREKEYS, MAX_PREKEY_STATE_SIZE } from '../constants.js';
import {
  ED25519_SIGNATURE_LENGTH, equalBytes, ML_KEM_1024_PUBLIC_KEY_LENGTH, ML_KEM_1024_SECRET_KEY_LENGTH, x25519PublicKey,
  X25519_KEY_LENGTH, type Bytes,
} from '../crypto/index.js';
import { redact } from '../crypto/redact.js';
import { fail } from '../errors.js';
import { checkUint, MAX_PREKEY_ID, readArray, readBytes, readMap, readUint, type WireMap } from '../wire/index.js';
import type { KemPreKeyRecord, OneTimePreKeyRecord, PreKeyState, SignedPreKeyRecord } from './prekeys.js';
import { FIRST_PREKEY_ID } from './prekeys.js';
import { decodeState, encodeState } from '../wire/state-envelope.js';

const KIND = 'prekeys';
const WHAT = 'prekey state';
const FIELDS = ['signedPreKey', 'lastResortKemPreKey', 'previous', 'oneTimePreKeys', 'kemPreKeys', 'nextSignedPreKeyId', 'nextOneTimePreKeyId', 'nextKemPreKeyId'];
/** Counters may reach MAX_PREKEY_ID + 1 (every id issued). */
const MAX_COUNTER = MAX_PREKEY_ID + 1;

const signedMap = (r: SignedPreKeyRecord): WireMap =>
  ({ id: r.id, createdAt: r.createdAt, privateKey: r.keyPair.privateKey, publicKey: r.keyPair.publicKey, signature: r.signature });
const kemMap = (r: KemPreKeyRecord): WireMap =>
  ({ id: r.id, createdAt: r.createdAt, secretKey: r.keyPair.secretKey, publicKey: r.keyPair.publicKey, signature: r.signature });
const oneTimeMap = (r: OneTimePreKeyRecord): WireMap => ({ id: r.id, privateKey: r.keyPair.privateKey, publicKey: r.keyPair.publicKey });

export function encodePreKeyState(s: PreKeyState): Bytes {
  return encodeState(KIND, {
    signedPreKey: signedMap(s.signedPreKey),
    lastResortKemPreKey: kemMap(s.lastResortKemPreKey),
    previous: s.previous === null ? null : {
      signedPreKey: signedMap(s.previous.signedPreKey),
      lastResortKemPreKey: kemMap(s.previous.lastResortKemPreKey),
      retiredAt: s.previous.retiredAt,
    },
    oneTimePreKeys: s.oneTimePreKeys.map(oneTimeMap),
    kemPreKeys: s.kemPreKeys.map(kemMap),
    nextSignedPreKeyId: s.nextSignedPreKeyId,
    nextOneTimePreKeyId: s.nextOneTimePreKeyId,
    nextKemPreKeyId: s.nextKemPreKeyId,
  });
}

function invalid(rule: string): never {
  return fail('INVALID_STATE', `${WHAT}: ${rule}`, { what: WHAT });
}

function readX25519Pair(map: WireMap): { privateKey: Bytes; publicKey: Bytes } {
  const privateKey = readBytes(map, WHAT, 'privateKey', X25519_KEY_LENGTH);
  const publicKey = readBytes(map, WHAT, 'publicKey', X25519_KEY_LENGTH);
  if (!equalBytes(x25519PublicKey(privateKey), publicKey)) invalid('an X25519 public key does not match its private key');
  return { privateKey, publicKey };
}

function readSigned(value: unknown): SignedPreKeyRecord {
  const map = readMap(value, WHAT, ['id', 'createdAt', 'privateKey', 'publicKey', 'signature']);
  return {
    id: readUint(map, WHAT, 'id', MAX_PREKEY_ID),
    createdAt: readUint(map, WHAT, 'createdAt'),
    keyPair: readX25519Pair(map),
    signature: readBytes(map, WHAT, 'signature', ED25519_SIGNATURE_LENGTH),
  };
}

function readKem(value: unknown, lastResort: boolean): KemPreKeyRecord {
  const map = readMap(value, WHAT, ['id', 'createdAt', 'secretKey', 'publicKey', 'signature']);
  return {
    id: readUint(map, WHAT, 'id', MAX_PREKEY_ID),
    createdAt: readUint(map, WHAT, 'createdAt'),
    keyPair: { secretKey: readBytes(map, WHAT, 'secretKey', ML_KEM_1024_SECRET_KEY_LENGTH), publicKey: readBytes(map, WHAT, 'publicKey', ML_KEM_1024_PUBLIC_KEY_LENGTH) },
    signature: readBytes(map, WHAT, 'signature', ED25519_SIGNATURE_LENGTH),
    lastResort,
  };
}

function readOneTime(value: unknown): OneTimePreKeyRecord {
  const map = readMap(value, WHAT, ['id', 'privateKey', 'publicKey']);
  return { id: readUint(map, WHAT, 'id', MAX_PREKEY_ID), keyPair: readX25519Pair(map) };
}

/** Ids strictly ascending, at least FIRST_PREKEY_ID and below the counter. */
function checkIds(ids: readonly number[], next: number, what: string): void {
  let last = FIRST_PREKEY_ID - 1;
  for (const id of ids) {
    if (id <= last || id >= next) invalid(`${what} ids must ascend strictly and stay below the counter`);
    last = id;
  }
}

function checkInvariants(s: PreKeyState): void {
  const signedIds = s.previous === null ? [s.signedPreKey.id] : [s.previous.signedPreKey.id, s.signedPreKey.id];
  checkIds(signedIds, s.nextSignedPreKeyId, 'signed prekey');
  checkIds(s.oneTimePreKeys.map((k) => k.id), s.nextOneTimePreKeyId, 'one-time prekey');
  const lastResortIds = s.previous === null ? [s.lastResortKemPreKey.id] : [s.previous.lastResortKemPreKey.id, s.lastResortKemPreKey.id];
  checkIds(lastResortIds, s.nextKemPreKeyId, 'last-resort KEM prekey');
  checkIds(s.kemPreKeys.map((k) => k.id), s.nextKemPreKeyId, 'KEM prekey');
  if (s.kemPreKeys.some((k) => lastResortIds.includes(k.id))) invalid('a KEM prekey id is used twice');
}

export function decodePreKeyState(bytes: Bytes): PreKeyState {
  const body = readMap(decodeState(bytes, KIND, MAX_PREKEY_STATE_SIZE, WHAT), WHAT, FIELDS);
  const prev = body['previous'];
  let previous: PreKeyState['previous'] = null;
  if (prev !== null) {
    const map = readMap(prev, WHAT, ['signedPreKey', 'lastResortKemPreKey', 'retiredAt']);
    previous = { signedPreKey: readSigned(map['signedPreKey']), lastResortKemPreKey: readKem(map['lastResortKemPreKey'], true), retiredAt: readUint(map, WHAT, 'retiredAt') };
  }
  const state: PreKeyState = {
    signedPreKey: readSigned(body['signedPreKey']),
    lastResortKemPreKey: readKem(body['lastResortKemPreKey'], true),
    previous,
    oneTimePreKeys: readArray(body, WHAT, 'oneTimePreKeys', MAX_ONE_TIME_PREKEYS).map(readOneTime),
    kemPreKeys: readArray(body, WHAT, 'kemPreKeys', MAX_KEM_PREKEYS).map((k) => readKem(k, false)),
    nextSignedPreKeyId: checkUint(body['nextSignedPreKeyId'], WHAT, 'nextSignedPreKeyId', MAX_COUNTER),
    nextOneTimePreKeyId: checkUint(body['nextOneTimePreKeyId'], WHAT, 'nextOneTimePreKeyId', MAX_COUNTER),
    nextKemPreKeyId: checkUint(body['nextKemPreKeyId'], WHAT, 'nextKemPreKeyId', MAX_COUNTER),
  };
  checkInvariants(state);
  return redact(state, 'PreKeyState');
}
