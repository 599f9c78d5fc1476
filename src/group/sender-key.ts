/**
 * Our own sender key for one group (spec/protocol.md §8.4): a random key id,
 * a chain key and iteration, and an Ed25519 signing key pair generated fresh
 * for this sender key. Plain readonly data.
 */
import { GROUP_ID_LENGTH, SENDER_KEY_DISTRIBUTION_LABEL } from '../constants.js';
import { fail } from '../errors.js';
import {
  concatBytes, generateEd25519KeyPair, sign, uintToBytes, utf8, type Bytes, type Ed25519KeyPair, type RandomSource,
} from '../crypto/index.js';
import { redact } from '../crypto/redact.js';
import { encodeSenderKeyDistribution } from '../wire/index.js';

export interface SenderKeyState {
  readonly groupId: Bytes;
  readonly keyId: number;
  /** The iteration of the next message (and of `chainKey`). */
  readonly iteration: number;
  readonly chainKey: Bytes;
  readonly signingKey: Ed25519KeyPair;
}

/** §8.4: draws, in order, the key id (4 bytes, u32 big-endian), the chain key (32) and the signing seed (32). */
export function createSenderKey(groupId: Bytes, random: RandomSource): SenderKeyState {
  if (groupId.length !== GROUP_ID_LENGTH) fail('INVALID_STATE', 'group id must be 16 bytes', { got: groupId.length });
  const idBytes = random(4);
  const keyId = (((idBytes[0] as number) << 24) >>> 0) + ((idBytes[1] as number) << 16) + ((idBytes[2] as number) << 8) + (idBytes[3] as number);
  const chainKey = random(32);
  const signingKey = generateEd25519KeyPair(random);
  return redact({ groupId: groupId.slice(), keyId, iteration: 0, chainKey, signingKey }, 'SenderKeyState');
}

/** §8.4: the payload of the proof of possession, binding the signing key to its owner's identity key. */
export function distributionProofPayload(groupId: Bytes, keyId: number, owner: Bytes, signingKey: Bytes): Bytes {
  return concatBytes(utf8(SENDER_KEY_DISTRIBUTION_LABEL), groupId, uintToBytes(keyId, 4), owner, signingKey);
}

/** The encoded distribution of the sender key's current chain state, for members of `owner`'s group. */
export function encodeDistributionOf(state: SenderKeyState, owner: Bytes): Bytes {
  const proof = sign(state.signingKey.privateKey, distributionProofPayload(state.groupId, state.keyId, owner, state.signingKey.publicKey));
  return encodeSenderKeyDistribution({
    groupId: state.groupId, keyId: state.keyId, iteration: state.iteration, chainKey: state.chainKey,
    signingKey: state.signingKey.publicKey, proof,
  });
}
