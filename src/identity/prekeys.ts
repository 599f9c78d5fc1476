/**
 * The private side of prekeys (spec/protocol.md §4.3–§4.6): generation,
 * rotation, replenishment, lookup and consumption. PreKeyState is a plain
 * immutable value; every function returns a new state and never changes the
 * one it is given, so a caller commits a consumption only once the handshake
 * it belongs to has been authenticated.
 */
import {
  MAX_KEM_PREKEYS, MAX_ONE_TIME_PREKEYS, SIGNED_PREKEY_GRACE_PERIOD,
} from '../constants.js';
import {
  generateMlKemKeyPair, generateX25519KeyPair, sign, type Bytes, type MlKemKeyPair, type RandomSource, type X25519KeyPair,
} from '../crypto/index.js';
import { redact } from '../crypto/redact.js';
import { fail } from '../errors.js';
import {
  kemPreKeySignaturePayload, MAX_PREKEY_ID, signedPreKeySignaturePayload, type KemPreKeyPublic, type OneTimePreKeyPublic,
  type SignedPreKeyPublic,
} from '../wire/index.js';
import type { IdentityKeyPair } from './identity-key.js';
import type { KemPreKeyId, OneTimePreKeyId, SignedPreKeyId } from '../wire/brands.js';

export interface SignedPreKeyRecord {
  readonly id: SignedPreKeyId;
  readonly createdAt: number;
  readonly keyPair: X25519KeyPair;
  readonly signature: Bytes;
}

export interface KemPreKeyRecord {
  readonly id: KemPreKeyId;
  readonly createdAt: number;
  readonly keyPair: MlKemKeyPair;
  readonly signature: Bytes;
  readonly lastResort: boolean;
}

export interface OneTimePreKeyRecord {
  readonly id: OneTimePreKeyId;
  readonly keyPair: X25519KeyPair;
}

/** The signed prekey and last-resort KEM prekey replaced by the latest rotation, usable until retiredAt + grace. */
export interface RetiredPreKeys {
  readonly signedPreKey: SignedPreKeyRecord;
  readonly lastResortKemPreKey: KemPreKeyRecord;
  readonly retiredAt: number;
}

export interface PreKeyState {
  readonly signedPreKey: SignedPreKeyRecord;
  readonly lastResortKemPreKey: KemPreKeyRecord;
  readonly previous: RetiredPreKeys | null;
  /** One-time X25519 prekeys still held, ascending ids. */
  readonly oneTimePreKeys: readonly OneTimePreKeyRecord[];
  /** One-time ML-KEM prekeys still held, ascending ids. */
  readonly kemPreKeys: readonly KemPreKeyRecord[];
  /** Next id for a signed prekey; every id below it was issued. */
  readonly nextSignedPreKeyId: number;
  /** Next id for a one-time prekey; an id below it that is not held was consumed. */
  readonly nextOneTimePreKeyId: number;
  /** Next id for a KEM prekey (one-time and last-resort share this id space). */
  readonly nextKemPreKeyId: number;
}

/** The first id of every counter. */
export const FIRST_PREKEY_ID = 1;

function takeId(next: number, what: string): number {
  if (next > MAX_PREKEY_ID) fail('INVALID_STATE', `${what} ids exhausted`, { what });
  return next;
}

// ── generation (§4.3, §4.4, §4.5) ───────────────────────────────────────────

/** Draws the X25519 private key (32 bytes), then signs. */
export function generateSignedPreKey(identity: IdentityKeyPair, id: SignedPreKeyId, createdAt: number, random: RandomSource): SignedPreKeyRecord {
  const keyPair = generateX25519KeyPair(random);
  const signature = sign(identity.privateKey, signedPreKeySignaturePayload(identity.publicKey, { id, createdAt, publicKey: keyPair.publicKey }));
  return { id, createdAt, keyPair, signature };
}

/** Draws the ML-KEM seed d ‖ z (64 bytes), then signs. */
export function generateKemPreKey(
  identity: IdentityKeyPair, id: KemPreKeyId, createdAt: number, lastResort: boolean, random: RandomSource,
): KemPreKeyRecord {
  const keyPair = generateMlKemKeyPair(random);
  const signature = sign(identity.privateKey, kemPreKeySignaturePayload(identity.publicKey, { id, createdAt, publicKey: keyPair.publicKey, lastResort }));
  return { id, createdAt, keyPair, signature, lastResort };
}

export interface NewPreKeyStateOptions {
  readonly identity: IdentityKeyPair;
  readonly now: number;
  readonly random: RandomSource;
  readonly oneTimePreKeys: number;
  readonly kemPreKeys: number;
}

/** A fresh state: signed prekey, then last-resort KEM prekey, then the one-time prekeys, then the one-time KEM prekeys. */
export function createPreKeyState(o: NewPreKeyStateOptions): PreKeyState {
  let state: PreKeyState = {
    signedPreKey: generateSignedPreKey(o.identity, FIRST_PREKEY_ID, o.now, o.random),
    lastResortKemPreKey: generateKemPreKey(o.identity, FIRST_PREKEY_ID, o.now, true, o.random),
    previous: null,
    oneTimePreKeys: [],
    kemPreKeys: [],
    nextSignedPreKeyId: FIRST_PREKEY_ID + 1,
    nextOneTimePreKeyId: FIRST_PREKEY_ID,
    nextKemPreKeyId: FIRST_PREKEY_ID + 1,
  };
  state = addOneTimePreKeys(state, o.oneTimePreKeys, o.random).state;
  return addKemPreKeys(state, o.identity, o.kemPreKeys, o.now, o.random).state;
}

function checkCount(count: number, held: number, max: number, what: string): void {
  if (!Number.isSafeInteger(count) || count < 0 || held + count > max) {
    fail('INVALID_STATE', `${what}: cannot hold ${held} + ${count} (max ${max})`, { what, got: held + count, max });
  }
}

/** Issues `count` one-time prekeys with the next ids (each draws 32 bytes). */
export function addOneTimePreKeys(state: PreKeyState, count: number, random: RandomSource): { state: PreKeyState; preKeys: OneTimePreKeyPublic[] } {
  checkCount(count, state.oneTimePreKeys.length, MAX_ONE_TIME_PREKEYS, 'one-time prekeys');
  const added: OneTimePreKeyRecord[] = [];
  let next = state.nextOneTimePreKeyId;
  for (let i = 0; i < count; i++) added.push({ id: takeId(next++, 'one-time prekey'), keyPair: generateX25519KeyPair(random) });
  return {
    state: redact({ ...state, oneTimePreKeys: [...state.oneTimePreKeys, ...added], nextOneTimePreKeyId: next }, 'PreKeyState'),
    preKeys: added.map(oneTimePreKeyPublic),
  };
}

/** Issues `count` one-time KEM prekeys with the next ids. */
export function addKemPreKeys(
  state: PreKeyState, identity: IdentityKeyPair, count: number, now: number, random: RandomSource,
): { state: PreKeyState; preKeys: KemPreKeyPublic[] } {
  checkCount(count, state.kemPreKeys.length, MAX_KEM_PREKEYS, 'KEM prekeys');
  const added: KemPreKeyRecord[] = [];
  let next = state.nextKemPreKeyId;
  for (let i = 0; i < count; i++) added.push(generateKemPreKey(identity, takeId(next++, 'KEM prekey'), now, false, random));
  return {
    state: redact({ ...state, kemPreKeys: [...state.kemPreKeys, ...added], nextKemPreKeyId: next }, 'PreKeyState'),
    preKeys: added.map(kemPreKeyPublic),
  };
}

/**
 * Replaces the signed prekey and the last-resort KEM prekey (in that order);
 * the replaced pair stays usable until now + SIGNED_PREKEY_GRACE_PERIOD. A pair
 * retired earlier is dropped.
 */
export function rotateSignedPreKey(state: PreKeyState, identity: IdentityKeyPair, now: number, random: RandomSource): PreKeyState {
  const signedPreKey = generateSignedPreKey(identity, takeId(state.nextSignedPreKeyId, 'signed prekey'), now, random);
  const lastResortKemPreKey = generateKemPreKey(identity, takeId(state.nextKemPreKeyId, 'KEM prekey'), now, true, random);
  return redact({
    ...state,
    signedPreKey,
    lastResortKemPreKey,
    previous: { signedPreKey: state.signedPreKey, lastResortKemPreKey: state.lastResortKemPreKey, retiredAt: now },
    nextSignedPreKeyId: state.nextSignedPreKeyId + 1,
    nextKemPreKeyId: state.nextKemPreKeyId + 1,
  }, 'PreKeyState');
}

/** Drops the retired pair once its grace period has passed (now ≥ retiredAt + SIGNED_PREKEY_GRACE_PERIOD). */
export function pruneRetiredPreKeys(state: PreKeyState, now: number): PreKeyState {
  if (state.previous === null || now < state.previous.retiredAt + SIGNED_PREKEY_GRACE_PERIOD) return state;
  return redact({ ...state, previous: null }, 'PreKeyState');
}

// ── public forms (the upload) ───────────────────────────────────────────────

export function signedPreKeyPublic(r: SignedPreKeyRecord): SignedPreKeyPublic {
  return { id: r.id, createdAt: r.createdAt, publicKey: r.keyPair.publicKey, signature: r.signature };
}

export function kemPreKeyPublic(r: KemPreKeyRecord): KemPreKeyPublic {
  return { id: r.id, createdAt: r.createdAt, publicKey: r.keyPair.publicKey, signature: r.signature, lastResort: r.lastResort };
}

export function oneTimePreKeyPublic(r: OneTimePreKeyRecord): OneTimePreKeyPublic {
  return { id: r.id, publicKey: r.keyPair.publicKey };
}

export interface PreKeyUpload {
  readonly identityKey: Bytes;
  readonly signedPreKey: SignedPreKeyPublic;
  readonly lastResortKemPreKey: KemPreKeyPublic;
  readonly kemPreKeys: readonly KemPreKeyPublic[];
  readonly oneTimePreKeys: readonly OneTimePreKeyPublic[];
}

/** Everything a device publishes: the current signed and last-resort keys and every one-time key it holds. */
export function preKeyUpload(state: PreKeyState, identityKey: Bytes): PreKeyUpload {
  return {
    identityKey,
    signedPreKey: signedPreKeyPublic(state.signedPreKey),
    lastResortKemPreKey: kemPreKeyPublic(state.lastResortKemPreKey),
    kemPreKeys: state.kemPreKeys.map(kemPreKeyPublic),
    oneTimePreKeys: state.oneTimePreKeys.map(oneTimePreKeyPublic),
  };
}

// ── lookup and consumption (§4.6) ───────────────────────────────────────────

/** The signed prekey with that id, current or retired; UNKNOWN_PREKEY otherwise. */
export function findSignedPreKey(state: PreKeyState, id: SignedPreKeyId): SignedPreKeyRecord {
  if (state.signedPreKey.id === id) return state.signedPreKey;
  if (state.previous !== null && state.previous.signedPreKey.id === id) return state.previous.signedPreKey;
  return fail('UNKNOWN_PREKEY', 'no signed prekey with that id', { kind: 'signed', id });
}

function notHeld(kind: string, id: number, next: number): never {
  if (id >= FIRST_PREKEY_ID && id < next) fail('PREKEY_CONSUMED', `${kind} prekey already used`, { kind, id });
  return fail('UNKNOWN_PREKEY', `no ${kind} prekey with that id`, { kind, id });
}

/** A one-time KEM prekey, the current last-resort one or the retired last-resort one. */
export function findKemPreKey(state: PreKeyState, id: KemPreKeyId): KemPreKeyRecord {
  const found = state.kemPreKeys.find((k) => k.id === id)
    ?? (state.lastResortKemPreKey.id === id ? state.lastResortKemPreKey : undefined)
    ?? (state.previous !== null && state.previous.lastResortKemPreKey.id === id ? state.previous.lastResortKemPreKey : undefined);
  return found ?? notHeld('KEM', id, state.nextKemPreKeyId);
}

export function findOneTimePreKey(state: PreKeyState, id: OneTimePreKeyId): OneTimePreKeyRecord {
  return state.oneTimePreKeys.find((k) => k.id === id) ?? notHeld('one-time', id, state.nextOneTimePreKeyId);
}

/**
 * The state without the named one-time prekeys. A last-resort KEM prekey is
 * never removed; an id not held is left alone (callers look up first).
 */
export function consumePreKeys(state: PreKeyState, used: { readonly kemPreKeyId: KemPreKeyId; readonly oneTimePreKeyId?: OneTimePreKeyId | undefined }): PreKeyState {
  return redact({
    ...state,
    kemPreKeys: state.kemPreKeys.filter((k) => k.id !== used.kemPreKeyId),
    oneTimePreKeys: used.oneTimePreKeyId === undefined ? state.oneTimePreKeys : state.oneTimePreKeys.filter((k) => k.id !== used.oneTimePreKeyId),
  }, 'PreKeyState');
}
