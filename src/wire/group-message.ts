/**
 * Group messages (spec/protocol.md §8.3): one Sender Key ciphertext for every
 * member, signed by the sender key's Ed25519 key over the exact body bytes.
 *
 *   message = { v: uint, b: bin (the encoded body), s: bin(64) }
 *   body    = { g: bin(16) group id, k: uint32 key id, i: uint32 iteration, c: bin(16..) ciphertext }
 */
import { GROUP_ID_LENGTH, MAX_CHAIN_INDEX, MAX_GROUP_MESSAGE_SIZE, PROTOCOL_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readUint, readVersion } from './codec.js';

export interface GroupMessageBody {
  readonly groupId: Bytes;
  readonly keyId: number;
  readonly iteration: number;
  /** ChaCha20-Poly1305 ciphertext with its 16-byte tag. */
  readonly ciphertext: Bytes;
}

export interface GroupMessage extends GroupMessageBody {
  /** The exact encoded body bytes the signature covers. */
  readonly body: Bytes;
  readonly signature: Bytes;
}

const WHAT = 'group message';
const TAG_LENGTH = 16;
const SIGNATURE_LENGTH = 64;

export function encodeGroupMessageBody(b: GroupMessageBody): Bytes {
  return encodeMsgpack({ g: b.groupId, k: b.keyId, i: b.iteration, c: b.ciphertext });
}

export function encodeGroupMessage(body: Bytes, signature: Bytes): Bytes {
  return encodeMsgpack({ v: PROTOCOL_VERSION, b: body, s: signature });
}

/** Decodes the message and its body (shapes only: the signature is checked by the receiver, §8.5). */
export function decodeGroupMessage(bytes: Bytes): GroupMessage {
  const map = readMap(decodeMsgpack(bytes, MAX_GROUP_MESSAGE_SIZE, WHAT), WHAT, ['v', 'b', 's']);
  readVersion(map, WHAT, [PROTOCOL_VERSION]);
  const body = readBytes(map, WHAT, 'b', { min: 1, max: MAX_GROUP_MESSAGE_SIZE });
  const signature = readBytes(map, WHAT, 's', SIGNATURE_LENGTH);
  const inner = readMap(decodeMsgpack(body, MAX_GROUP_MESSAGE_SIZE, WHAT), WHAT, ['g', 'k', 'i', 'c']);
  return {
    body,
    signature,
    groupId: readBytes(inner, WHAT, 'g', GROUP_ID_LENGTH),
    keyId: readUint(inner, WHAT, 'k', MAX_CHAIN_INDEX),
    iteration: readUint(inner, WHAT, 'i', MAX_CHAIN_INDEX),
    ciphertext: readBytes(inner, WHAT, 'c', { min: TAG_LENGTH, max: MAX_GROUP_MESSAGE_SIZE }),
  };
}
