/**
 * Group messages (spec/protocol.md §8.3): one Sender Key ciphertext for every
 * member, signed by the sender key's Ed25519 key over the exact body bytes.
 *
 *   message = { v: uint, b: bin (the encoded body), s: bin(64) }
 *   body    = { g: bin(16) group id, e: uint32 epoch, h: bin(32) state hash, k: uint32 key id, i: uint32 iteration,
 *               x: bin(32) key commitment, c: bin(16..) ciphertext }
 */
import { GROUP_ID_LENGTH, GROUP_KEY_COMMITMENT_LENGTH, MAX_CHAIN_INDEX, MAX_GROUP_MESSAGE_SIZE, PROTOCOL_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readUint, readVersion } from './codec.js';

export interface GroupMessageBody {
  readonly groupId: Bytes;
  /** The sender's group epoch (§8.7) when it encrypted. */
  readonly epoch: number;
  /** The hash of the sender's group state at that epoch (§8.6). */
  readonly stateHash: Bytes;
  readonly keyId: number;
  readonly iteration: number;
  /** Key commitment: derived from the message key, so the signed body opens under one key only. */
  readonly commitment: Bytes;
  /** ChaCha20-Poly1305 ciphertext with its 16-byte tag. */
  readonly ciphertext: Bytes;
}

export interface GroupMessage extends GroupMessageBody {
  /** The version the message was encoded with (bound into the AEAD associated data). */
  readonly version: number;
  /** The exact encoded body bytes the signature covers. */
  readonly body: Bytes;
  readonly signature: Bytes;
}

const WHAT = 'group message';
const TAG_LENGTH = 16;
const SIGNATURE_LENGTH = 64;
const HASH_LENGTH = 32;

export function encodeGroupMessageBody(b: GroupMessageBody): Bytes {
  return encodeMsgpack({ g: b.groupId, e: b.epoch, h: b.stateHash, k: b.keyId, i: b.iteration, x: b.commitment, c: b.ciphertext });
}

export function encodeGroupMessage(body: Bytes, signature: Bytes): Bytes {
  return encodeMsgpack({ v: PROTOCOL_VERSION, b: body, s: signature });
}

/** Decodes the message and its body (shapes only: the signature is checked by the receiver, §8.5). */
export function decodeGroupMessage(bytes: Bytes): GroupMessage {
  const map = readMap(decodeMsgpack(bytes, MAX_GROUP_MESSAGE_SIZE, WHAT), WHAT, ['v', 'b', 's']);
  const version = readVersion(map, WHAT, [PROTOCOL_VERSION]);
  const body = readBytes(map, WHAT, 'b', { min: 1, max: MAX_GROUP_MESSAGE_SIZE });
  const signature = readBytes(map, WHAT, 's', SIGNATURE_LENGTH);
  const inner = readMap(decodeMsgpack(body, MAX_GROUP_MESSAGE_SIZE, WHAT), WHAT, ['g', 'e', 'h', 'k', 'i', 'x', 'c']);
  return {
    version,
    body,
    signature,
    groupId: readBytes(inner, WHAT, 'g', GROUP_ID_LENGTH),
    epoch: readUint(inner, WHAT, 'e', MAX_CHAIN_INDEX),
    stateHash: readBytes(inner, WHAT, 'h', HASH_LENGTH),
    keyId: readUint(inner, WHAT, 'k', MAX_CHAIN_INDEX),
    iteration: readUint(inner, WHAT, 'i', MAX_CHAIN_INDEX),
    commitment: readBytes(inner, WHAT, 'x', GROUP_KEY_COMMITMENT_LENGTH),
    ciphertext: readBytes(inner, WHAT, 'c', { min: TAG_LENGTH, max: MAX_GROUP_MESSAGE_SIZE }),
  };
}
