/**
 * The crypto core as the client uses it: identity, prekeys, pairwise
 * sessions and safety numbers. This is the only client file that knows the
 * shapes of src/identity and src/session.
 */
import type { Bytes, RandomSource } from '../crypto/index.js';
import {
  addKemPreKeys, addOneTimePreKeys, createPreKeyState, decodeIdentityKeyPair, decodePreKeyState, encodeIdentityKeyPair,
  encodePreKeyState, generateIdentityKeyPair, preKeyUpload, safetyNumber, type IdentityKeyPair, type PreKeyState,
} from '../identity/index.js';
import {
  EMPTY_RECORD, decodeSessionRecord, encodeSessionRecord, sessionDecrypt, sessionEncrypt, startSession as startCoreSession,
  type SessionRecord,
} from '../session/index.js';
import {
  decodePreKeyBundle, encodeKemPreKey, encodeOneTimePreKey, encodeSignedPreKey,
} from '../wire/prekeys.js';
import type { PreKeyUpload } from './relay-api.js';

export type { IdentityKeyPair, PreKeyState, SessionRecord };
export {
  decodeIdentityKeyPair, decodePreKeyState, decodeSessionRecord, encodeIdentityKeyPair, encodePreKeyState, encodeSessionRecord,
  generateIdentityKeyPair, safetyNumber,
};

/** One-time prekeys of each kind kept published; replenished up to this when the relay says "low". */
export const ONE_TIME_PREKEY_TARGET = 50;
export const KEM_PREKEY_TARGET = 20;

export function newPreKeyState(identity: IdentityKeyPair, random: RandomSource, now: number): PreKeyState {
  return createPreKeyState({ identity, now, random, oneTimePreKeys: ONE_TIME_PREKEY_TARGET, kemPreKeys: KEM_PREKEY_TARGET });
}

/** Everything we hold, encoded for the relay (first publication, or after the relay lost it). */
export function fullUpload(state: PreKeyState, identity: IdentityKeyPair): PreKeyUpload {
  const u = preKeyUpload(state, identity.publicKey);
  return {
    signedPreKey: encodeSignedPreKey(u.signedPreKey),
    lastResortKemPreKey: encodeKemPreKey(u.lastResortKemPreKey),
    oneTimePreKeys: u.oneTimePreKeys.map(encodeOneTimePreKey),
    kemOneTimePreKeys: u.kemPreKeys.map(encodeKemPreKey),
  };
}

/** Tops the one-time prekeys up to the targets, given how many the relay still has. */
export function replenish(
  state: PreKeyState, identity: IdentityKeyPair, published: { oneTime: number; kem: number }, random: RandomSource, now: number,
): { state: PreKeyState; upload: PreKeyUpload } {
  const a = addOneTimePreKeys(state, Math.max(0, ONE_TIME_PREKEY_TARGET - published.oneTime), random);
  const b = addKemPreKeys(a.state, identity, Math.max(0, KEM_PREKEY_TARGET - published.kem), now, random);
  return { state: b.state, upload: { oneTimePreKeys: a.preKeys.map(encodeOneTimePreKey), kemOneTimePreKeys: b.preKeys.map(encodeKemPreKey) } };
}

export function emptySessionRecord(): SessionRecord {
  return EMPTY_RECORD;
}

export function hasSendingSession(record: SessionRecord): boolean {
  return record.current !== null;
}

/** Starts a session from an encoded bundle (signatures verified by PQXDH before any key is used). */
export function startSession(record: SessionRecord, identity: IdentityKeyPair, bundle: Bytes, random: RandomSource): { record: SessionRecord; peerIdentityKey: Bytes } {
  const decoded = decodePreKeyBundle(bundle);
  return { record: startCoreSession({ record, identity, bundle: decoded, random }), peerIdentityKey: decoded.identityKey };
}

export function encryptSession(record: SessionRecord, _identity: IdentityKeyPair, plaintext: Bytes, random: RandomSource): { record: SessionRecord; message: Bytes } {
  return sessionEncrypt(record, plaintext, random);
}

export function decryptSession(p: {
  record: SessionRecord; identity: IdentityKeyPair; preKeys: PreKeyState; peer: Bytes; message: Bytes; random: RandomSource;
}): { record: SessionRecord; preKeys: PreKeyState; plaintext: Bytes } {
  return sessionDecrypt(p);
}
