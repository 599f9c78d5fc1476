/**
 * The PQXDH initial message (spec/protocol.md §5.6): what the responder needs
 * to run the handshake, and the first ratchet message as opaque bytes.
 *
 *   { v: 2 | 3, identityKey: bin(32), ephemeralKey: bin(32), signedPreKeyId: uint32, kemPreKeyId: uint32,
 *     kemCiphertext: bin(1568), oneTimePreKeyId?: uint32, message: bin(1..MAX_MESSAGE_SIZE) }
 */
import { MAX_INITIAL_MESSAGE_SIZE, MAX_MESSAGE_SIZE, PROTOCOL_VERSION, RATCHET_VERSIONS } from '../constants.js';
import { ED25519_PUBLIC_KEY_LENGTH, ML_KEM_1024_CIPHERTEXT_LENGTH, X25519_KEY_LENGTH, type Bytes } from '../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readOptional, readUint, readVersion } from './codec.js';
import { MAX_PREKEY_ID } from './prekeys.js';
import type { IdentityKey, KemPreKeyId, OneTimePreKeyId, SignedPreKeyId, X25519PublicKey } from './brands.js';

export interface InitialMessageHeader {
  /** The initiator's Ed25519 identity key. */
  readonly identityKey: IdentityKey;
  /** The initiator's ephemeral X25519 public key. */
  readonly ephemeralKey: X25519PublicKey;
  readonly signedPreKeyId: SignedPreKeyId;
  readonly kemPreKeyId: KemPreKeyId;
  /** ML-KEM-1024 ciphertext to the named KEM prekey. */
  readonly kemCiphertext: Bytes;
  /** Present iff the bundle carried a one-time prekey. */
  readonly oneTimePreKeyId?: OneTimePreKeyId;
}

export interface InitialMessage extends InitialMessageHeader {
  /** 2 or 3: the session's version, chosen by the initiator and bound into SK (§5.3, §6.9); 2 when encoding without one. */
  readonly version?: number;
  /** The first ratchet message, opaque here (§6.6). */
  readonly message: Bytes;
}

const WHAT = 'initial message';

export function encodeInitialMessage(m: InitialMessage): Bytes {
  const map: Record<string, unknown> = {
    v: m.version ?? PROTOCOL_VERSION,
    identityKey: m.identityKey,
    ephemeralKey: m.ephemeralKey,
    signedPreKeyId: m.signedPreKeyId,
    kemPreKeyId: m.kemPreKeyId,
    kemCiphertext: m.kemCiphertext,
  };
  if (m.oneTimePreKeyId !== undefined) map['oneTimePreKeyId'] = m.oneTimePreKeyId;
  map['message'] = m.message;
  return encodeMsgpack(map);
}

export function decodeInitialMessage(bytes: Bytes): InitialMessage {
  const map = readMap(
    decodeMsgpack(bytes, MAX_INITIAL_MESSAGE_SIZE, WHAT), WHAT,
    ['v', 'identityKey', 'ephemeralKey', 'signedPreKeyId', 'kemPreKeyId', 'kemCiphertext', 'message'], ['oneTimePreKeyId'],
  );
  const version = readVersion(map, WHAT, RATCHET_VERSIONS);
  const header = {
    version,
    identityKey: readBytes(map, WHAT, 'identityKey', ED25519_PUBLIC_KEY_LENGTH),
    ephemeralKey: readBytes(map, WHAT, 'ephemeralKey', X25519_KEY_LENGTH),
    signedPreKeyId: readUint(map, WHAT, 'signedPreKeyId', MAX_PREKEY_ID),
    kemPreKeyId: readUint(map, WHAT, 'kemPreKeyId', MAX_PREKEY_ID),
    kemCiphertext: readBytes(map, WHAT, 'kemCiphertext', ML_KEM_1024_CIPHERTEXT_LENGTH),
  };
  const oneTimePreKeyId = readOptional(map, 'oneTimePreKeyId', () => readUint(map, WHAT, 'oneTimePreKeyId', MAX_PREKEY_ID));
  const message = readBytes(map, WHAT, 'message', { min: 1, max: MAX_MESSAGE_SIZE });
  return oneTimePreKeyId === undefined ? { ...header, message } : { ...header, oneTimePreKeyId, message };
}
