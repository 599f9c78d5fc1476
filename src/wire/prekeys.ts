/**
 * Public prekeys and prekey bundles (spec/protocol.md §4.3–§4.6): what a
 * device uploads to the relay and what an initiator fetches from it.
 *
 *   SignedPreKey  { v, id: uint32, createdAt: uint, publicKey: bin(32), signature: bin(64) }
 *   KemPreKey     { v, id: uint32, createdAt: uint, publicKey: bin(1568), signature: bin(64), lastResort: bool }
 *   OneTimePreKey { v, id: uint32, publicKey: bin(32) }
 *   PreKeyBundle  { v, identityKey: bin(32), signedPreKey: SignedPreKey, kemPreKey: KemPreKey, oneTimePreKey?: OneTimePreKey }
 *
 * The bundle nests the three prekey maps exactly as they encode on their own
 * (each with its `v`). Signatures are checked by verifySignedPreKey and
 * verifyKemPreKey, which never throw; decoding checks shapes only.
 */
import { KEM_PREKEY_SIGNATURE_LABEL, MAX_BUNDLE_SIZE, PREKEY_VERSION, SIGNED_PREKEY_SIGNATURE_LABEL } from '../constants.js';
import {
  concatBytes, ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, ML_KEM_1024_PUBLIC_KEY_LENGTH, uintToBytes, utf8, verify,
  X25519_KEY_LENGTH, type Bytes,
} from '../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBoolean, readBytes, readMap, readOptional, readUint, readVersion, type WireMap } from './codec.js';
import type { IdentityKey, KemPreKeyId, OneTimePreKeyId, SignedPreKeyId, X25519PublicKey } from './brands.js';

export interface SignedPreKeyPublic {
  /** uint32, chosen by the owner. */
  readonly id: SignedPreKeyId;
  /** Milliseconds since the Unix epoch, when the key was generated. */
  readonly createdAt: number;
  /** X25519 public key, 32 bytes. */
  readonly publicKey: X25519PublicKey;
  /** Ed25519 signature by the identity key over signedPreKeySignaturePayload, 64 bytes. */
  readonly signature: Bytes;
}

export interface KemPreKeyPublic {
  readonly id: KemPreKeyId;
  readonly createdAt: number;
  /** ML-KEM-1024 encapsulation key, 1568 bytes. */
  readonly publicKey: Bytes;
  /** Ed25519 signature by the identity key over kemPreKeySignaturePayload, 64 bytes. */
  readonly signature: Bytes;
  /** True for the key served when no one-time KEM prekey is left; it is never consumed. */
  readonly lastResort: boolean;
}

export interface OneTimePreKeyPublic {
  readonly id: OneTimePreKeyId;
  /** X25519 public key, 32 bytes. */
  readonly publicKey: X25519PublicKey;
}

export interface PreKeyBundle {
  /** Ed25519 identity public key, 32 bytes. */
  readonly identityKey: IdentityKey;
  readonly signedPreKey: SignedPreKeyPublic;
  readonly kemPreKey: KemPreKeyPublic;
  readonly oneTimePreKey?: OneTimePreKeyPublic;
}

export const MAX_PREKEY_ID = 0xffffffff;
const SIGNATURE_TIME_LENGTH = 8;
const SIGNATURE_ID_LENGTH = 4;

// ── signature payloads (§4.3, §4.4) ─────────────────────────────────────────

/** label ‖ identityKey(32) ‖ u32be(id) ‖ u64be(createdAt) ‖ publicKey(32). */
export function signedPreKeySignaturePayload(identityKey: Bytes, k: Omit<SignedPreKeyPublic, 'signature'>): Bytes {
  return concatBytes(
    utf8(SIGNED_PREKEY_SIGNATURE_LABEL), identityKey,
    uintToBytes(k.id, SIGNATURE_ID_LENGTH), uintToBytes(k.createdAt, SIGNATURE_TIME_LENGTH), k.publicKey,
  );
}

/** label ‖ identityKey(32) ‖ u32be(id) ‖ u64be(createdAt) ‖ u8(lastResort ? 1 : 0) ‖ publicKey(1568). */
export function kemPreKeySignaturePayload(identityKey: Bytes, k: Omit<KemPreKeyPublic, 'signature'>): Bytes {
  return concatBytes(
    utf8(KEM_PREKEY_SIGNATURE_LABEL), identityKey,
    uintToBytes(k.id, SIGNATURE_ID_LENGTH), uintToBytes(k.createdAt, SIGNATURE_TIME_LENGTH),
    Uint8Array.of(k.lastResort ? 1 : 0), k.publicKey,
  );
}

function validFields(identityKey: Bytes, id: number, createdAt: number, publicKey: Bytes, length: number): boolean {
  return identityKey instanceof Uint8Array && identityKey.length === ED25519_PUBLIC_KEY_LENGTH
    && Number.isSafeInteger(id) && id >= 0 && id <= MAX_PREKEY_ID
    && Number.isSafeInteger(createdAt) && createdAt >= 0
    && publicKey instanceof Uint8Array && publicKey.length === length;
}

/** True iff the signed prekey carries a valid signature by `identityKey`. Never throws. */
export function verifySignedPreKey(identityKey: Bytes, k: SignedPreKeyPublic): boolean {
  try {
    if (!validFields(identityKey, k.id, k.createdAt, k.publicKey, X25519_KEY_LENGTH)) return false;
    return verify(identityKey, signedPreKeySignaturePayload(identityKey, k), k.signature);
  } catch {
    return false;
  }
}

/** True iff the KEM prekey carries a valid signature by `identityKey`. Never throws. */
export function verifyKemPreKey(identityKey: Bytes, k: KemPreKeyPublic): boolean {
  try {
    if (!validFields(identityKey, k.id, k.createdAt, k.publicKey, ML_KEM_1024_PUBLIC_KEY_LENGTH)) return false;
    if (typeof k.lastResort !== 'boolean') return false;
    return verify(identityKey, kemPreKeySignaturePayload(identityKey, k), k.signature);
  } catch {
    return false;
  }
}

// ── maps (shared by the standalone codecs and the bundle) ───────────────────

function signedPreKeyMap(k: SignedPreKeyPublic): WireMap {
  return { v: PREKEY_VERSION, id: k.id, createdAt: k.createdAt, publicKey: k.publicKey, signature: k.signature };
}

function kemPreKeyMap(k: KemPreKeyPublic): WireMap {
  return { v: PREKEY_VERSION, id: k.id, createdAt: k.createdAt, publicKey: k.publicKey, signature: k.signature, lastResort: k.lastResort };
}

function oneTimePreKeyMap(k: OneTimePreKeyPublic): WireMap {
  return { v: PREKEY_VERSION, id: k.id, publicKey: k.publicKey };
}

/** What a signed prekey and a KEM prekey share, in this order: v, id, createdAt, a public key of `keyLength`, the signature. */
function readSignedFields(
  value: unknown, what: string, keyLength: number, extra: readonly string[],
): { map: WireMap; fields: { id: number; createdAt: number; publicKey: Bytes; signature: Bytes } } {
  const map = readMap(value, what, ['v', 'id', 'createdAt', 'publicKey', 'signature', ...extra]);
  readVersion(map, what, [PREKEY_VERSION]);
  const fields = {
    id: readUint(map, what, 'id', MAX_PREKEY_ID),
    createdAt: readUint(map, what, 'createdAt'),
    publicKey: readBytes(map, what, 'publicKey', keyLength),
    signature: readBytes(map, what, 'signature', ED25519_SIGNATURE_LENGTH),
  };
  return { map, fields };
}

function readSignedPreKey(value: unknown, what: string): SignedPreKeyPublic {
  return readSignedFields(value, what, X25519_KEY_LENGTH, []).fields;
}

function readKemPreKey(value: unknown, what: string): KemPreKeyPublic {
  const { map, fields } = readSignedFields(value, what, ML_KEM_1024_PUBLIC_KEY_LENGTH, ['lastResort']);
  return { ...fields, lastResort: readBoolean(map, what, 'lastResort') };
}

function readOneTimePreKey(value: unknown, what: string): OneTimePreKeyPublic {
  const map = readMap(value, what, ['v', 'id', 'publicKey']);
  readVersion(map, what, [PREKEY_VERSION]);
  return { id: readUint(map, what, 'id', MAX_PREKEY_ID), publicKey: readBytes(map, what, 'publicKey', X25519_KEY_LENGTH) };
}

// ── standalone codecs ───────────────────────────────────────────────────────

export function encodeSignedPreKey(k: SignedPreKeyPublic): Bytes {
  return encodeMsgpack(signedPreKeyMap(k));
}

export function decodeSignedPreKey(bytes: Bytes): SignedPreKeyPublic {
  return readSignedPreKey(decodeMsgpack(bytes, MAX_BUNDLE_SIZE, 'signed prekey'), 'signed prekey');
}

export function encodeKemPreKey(k: KemPreKeyPublic): Bytes {
  return encodeMsgpack(kemPreKeyMap(k));
}

export function decodeKemPreKey(bytes: Bytes): KemPreKeyPublic {
  return readKemPreKey(decodeMsgpack(bytes, MAX_BUNDLE_SIZE, 'KEM prekey'), 'KEM prekey');
}

export function encodeOneTimePreKey(k: OneTimePreKeyPublic): Bytes {
  return encodeMsgpack(oneTimePreKeyMap(k));
}

export function decodeOneTimePreKey(bytes: Bytes): OneTimePreKeyPublic {
  return readOneTimePreKey(decodeMsgpack(bytes, MAX_BUNDLE_SIZE, 'one-time prekey'), 'one-time prekey');
}

// ── bundle ──────────────────────────────────────────────────────────────────

const BUNDLE = 'prekey bundle';

export function encodePreKeyBundle(b: PreKeyBundle): Bytes {
  const map: Record<string, unknown> = {
    v: PREKEY_VERSION,
    identityKey: b.identityKey,
    signedPreKey: signedPreKeyMap(b.signedPreKey),
    kemPreKey: kemPreKeyMap(b.kemPreKey),
  };
  if (b.oneTimePreKey !== undefined) map['oneTimePreKey'] = oneTimePreKeyMap(b.oneTimePreKey);
  return encodeMsgpack(map);
}

export function decodePreKeyBundle(bytes: Bytes): PreKeyBundle {
  const map = readMap(decodeMsgpack(bytes, MAX_BUNDLE_SIZE, BUNDLE), BUNDLE, ['v', 'identityKey', 'signedPreKey', 'kemPreKey'], ['oneTimePreKey']);
  readVersion(map, BUNDLE, [PREKEY_VERSION]);
  const identityKey = readBytes(map, BUNDLE, 'identityKey', ED25519_PUBLIC_KEY_LENGTH);
  const signedPreKey = readSignedPreKey(map['signedPreKey'], `${BUNDLE} signed prekey`);
  const kemPreKey = readKemPreKey(map['kemPreKey'], `${BUNDLE} KEM prekey`);
  const oneTimePreKey = readOptional(map, 'oneTimePreKey', () => readOneTimePreKey(map['oneTimePreKey'], `${BUNDLE} one-time prekey`));
  return oneTimePreKey === undefined ? { identityKey, signedPreKey, kemPreKey } : { identityKey, signedPreKey, kemPreKey, oneTimePreKey };
}
