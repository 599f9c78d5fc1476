/**
 * The sealed envelope (spec/protocol.md §7.3): what a client hands the relay
 * for one recipient. It hides the sender's identity from the relay.
 *
 *   { v: uint, e: bin(32), s: bin(48), c: bin(16..MAX) }
 */
import { MAX_MESSAGE_SIZE, PROTOCOL_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readVersion } from './codec.js';

export interface SealedEnvelope {
  /** The sender's ephemeral X25519 public key. */
  readonly ephemeralKey: Bytes;
  /** The sender's identity key, encrypted (32 + 16-byte tag). */
  readonly sealedSender: Bytes;
  /** The content, encrypted (tag included). */
  readonly ciphertext: Bytes;
}

const WHAT = 'sealed envelope';
const SEALED_SENDER_LENGTH = 48;
/** Content bound: a session message plus room for its own framing. */
export const MAX_SEALED_ENVELOPE_SIZE = MAX_MESSAGE_SIZE + 8192;
/** Largest padded content (§7.3): the envelope bound less its tag, `e`, `s` and msgpack framing (128 bytes cover them). */
export const MAX_SEALED_CONTENT_SIZE = MAX_SEALED_ENVELOPE_SIZE - 128;

export function encodeSealedEnvelope(env: SealedEnvelope): Bytes {
  return encodeMsgpack({ v: PROTOCOL_VERSION, e: env.ephemeralKey, s: env.sealedSender, c: env.ciphertext });
}

export function decodeSealedEnvelope(bytes: Bytes): SealedEnvelope {
  const map = readMap(decodeMsgpack(bytes, MAX_SEALED_ENVELOPE_SIZE, WHAT), WHAT, ['v', 'e', 's', 'c']);
  readVersion(map, WHAT, [PROTOCOL_VERSION]);
  return {
    ephemeralKey: readBytes(map, WHAT, 'e', 32),
    sealedSender: readBytes(map, WHAT, 's', SEALED_SENDER_LENGTH),
    ciphertext: readBytes(map, WHAT, 'c', { min: 16, max: MAX_SEALED_ENVELOPE_SIZE }),
  };
}
