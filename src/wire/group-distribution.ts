/**
 * Sender key distribution (spec/protocol.md §8.4): a sender key's current
 * chain state and public signing key, carried to one member inside the
 * pairwise session, with a proof of possession of the signing key that binds
 * it to its owner's identity key.
 *
 *   { v: uint, g: bin(16), k: uint32, i: uint32, ck: bin(32), sk: bin(32), p: bin(64) }
 */
import { GROUP_ID_LENGTH, MAX_CHAIN_INDEX, MAX_GROUP_CONTROL_SIZE, PROTOCOL_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readUint, readVersion } from './codec.js';

export interface SenderKeyDistribution {
  readonly groupId: Bytes;
  readonly keyId: number;
  /** The iteration of `chainKey`: the first message the recipient can read. */
  readonly iteration: number;
  readonly chainKey: Bytes;
  /** The sender key's Ed25519 public key. */
  readonly signingKey: Bytes;
  /** SIG(signing seed, SENDER_KEY_DISTRIBUTION_LABEL ‖ g ‖ u32(k) ‖ owner IK ‖ sk). */
  readonly proof: Bytes;
}

const WHAT = 'sender key distribution';

export function encodeSenderKeyDistribution(d: SenderKeyDistribution): Bytes {
  return encodeMsgpack({ v: PROTOCOL_VERSION, g: d.groupId, k: d.keyId, i: d.iteration, ck: d.chainKey, sk: d.signingKey, p: d.proof });
}

export function decodeSenderKeyDistribution(bytes: Bytes): SenderKeyDistribution {
  const map = readMap(decodeMsgpack(bytes, MAX_GROUP_CONTROL_SIZE, WHAT), WHAT, ['v', 'g', 'k', 'i', 'ck', 'sk', 'p']);
  readVersion(map, WHAT, [PROTOCOL_VERSION]);
  return {
    groupId: readBytes(map, WHAT, 'g', GROUP_ID_LENGTH),
    keyId: readUint(map, WHAT, 'k', MAX_CHAIN_INDEX),
    iteration: readUint(map, WHAT, 'i', MAX_CHAIN_INDEX),
    chainKey: readBytes(map, WHAT, 'ck', 32),
    signingKey: readBytes(map, WHAT, 'sk', 32),
    proof: readBytes(map, WHAT, 'p', 64),
  };
}
