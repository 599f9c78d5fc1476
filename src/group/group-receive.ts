/**
 * Receiving in a group (spec/protocol.md §8.4, §8.5): sender key
 * distributions from pairwise sessions, and group messages, whose signature
 * is checked before any key is derived or any state changes.
 */
import { MAX_SENDER_KEYS_PER_MEMBER } from '../constants.js';
import { fail } from '../errors.js';
import { equalBytes, redact, verify, verifyOrThrow, type Bytes } from '../crypto/index.js';
import { decodeGroupMessage, decodeSenderKeyDistribution, unpad } from '../wire/index.js';
import { groupStateHash, mayPost, roleOf } from './group-state.js';
import type { GroupSession } from './group-session.js';
import { groupMessageSignaturePayload } from './group-send.js';
import { groupAssociatedData, openGroupBody } from './message-key.js';
import { messageKeyFor, removeChainsOf, type ReceiverChain } from './receiver-chain.js';
import { distributionProofPayload } from './sender-key.js';

/** §8.4: installs the sender key `from` distributed to us (the session layer authenticated `from`). */
export function processDistribution(session: GroupSession, from: Bytes, payload: Bytes): { session: GroupSession } {
  const d = decodeSenderKeyDistribution(payload);
  const group = session.group;
  if (!equalBytes(d.groupId, group.groupId)) fail('INVALID_STATE', 'distribution for another group');
  if (roleOf(group, session.self) === null) fail('NOT_A_MEMBER', 'we are not a member of this group');
  if (equalBytes(from, session.self)) fail('INVALID_STATE', 'a distribution from ourselves');
  const role = roleOf(group, from);
  if (role === null) fail('NOT_A_MEMBER', 'the sender is not a member');
  if (!mayPost(group.mode, role)) fail('NOT_AUTHORIZED', 'the sender may not post in this group', { role });
  verifyOrThrow(d.signingKey, distributionProofPayload(d.groupId, d.keyId, from, d.signingKey), d.proof, 'sender key distribution');
  const own = session.receiverChains.filter((c) => equalBytes(c.sender, from));
  // Any held SPK, whoever sent it: two chains with one SPK would share skipped keys (§8.10).
  if (session.receiverChains.some((c) => equalBytes(c.signingKey, d.signingKey))) fail('DUPLICATE_MESSAGE', 'sender key already installed');
  const chain: ReceiverChain = {
    sender: from.slice(), keyId: d.keyId, signingKey: d.signingKey, firstIteration: d.iteration, iteration: d.iteration, chainKey: d.chainKey,
  };
  const excess = own.length + 1 - MAX_SENDER_KEYS_PER_MEMBER;
  const dropped = new Set(own.slice(0, Math.max(0, excess)));
  const kept = removeChainsOf(session.receiverChains, session.skippedMessageKeys, (c) => dropped.has(c));
  return { session: redact({ ...session, receiverChains: [...kept.chains, chain], skippedMessageKeys: kept.skipped }, 'GroupSession') };
}

/**
 * §8.5 step 8: how the message's epoch and state hash compare with ours. `current`: same state; `behind`: the
 * sender is at a later epoch (we missed changes); `ahead`: the sender is at an earlier epoch (it missed
 * changes); `fork`: same epoch, another state.
 */
export type EpochAgreement = 'current' | 'behind' | 'ahead' | 'fork';

export interface GroupDecryptResult {
  readonly session: GroupSession;
  readonly sender: Bytes;
  readonly plaintext: Bytes;
  /** The sender's epoch and state hash, as signed in the message. */
  readonly epoch: number;
  readonly stateHash: Bytes;
  readonly agreement: EpochAgreement;
}

function agreementOf(session: GroupSession, epoch: number, stateHash: Bytes): EpochAgreement {
  const ours = session.group.epoch;
  if (epoch > ours) return 'behind';
  if (epoch < ours) return 'ahead';
  return equalBytes(stateHash, groupStateHash(session.group)) ? 'current' : 'fork';
}

/** §8.5: decrypts a group message; returns the sender's identity key, the plaintext and how its epoch compares. */
export function groupDecrypt(session: GroupSession, message: Bytes): GroupDecryptResult {
  const m = decodeGroupMessage(message);
  if (!equalBytes(m.groupId, session.group.groupId)) fail('UNKNOWN_SENDER_KEY', 'message for another group');
  const candidates = session.receiverChains.filter((c) => c.keyId === m.keyId);
  if (candidates.length === 0) fail('UNKNOWN_SENDER_KEY', 'no sender key with this key id', { keyId: m.keyId });
  const signed = groupMessageSignaturePayload(m.body);
  const chain = candidates.find((c) => verify(c.signingKey, signed, m.signature));
  if (chain === undefined) fail('BAD_SIGNATURE', 'invalid signature on group message', { what: 'group message' });
  const role = roleOf(session.group, chain.sender);
  if (role === null) fail('NOT_A_MEMBER', 'the sender is not a member');
  if (!mayPost(session.group.mode, role)) fail('NOT_AUTHORIZED', 'the sender may not post in this group', { role });
  const found = messageKeyFor(chain, session.skippedMessageKeys, m.iteration);
  const context = { ...m, sender: chain.sender };
  const plaintext = unpad(openGroupBody(found.messageKey, m.commitment, m.ciphertext, groupAssociatedData(context)));
  const receiverChains = session.receiverChains.map((c) => (c === chain ? found.chain : c));
  return {
    session: redact({ ...session, receiverChains, skippedMessageKeys: found.skipped }, 'GroupSession'), sender: chain.sender.slice(), plaintext,
    epoch: m.epoch, stateHash: m.stateHash, agreement: agreementOf(session, m.epoch, m.stateHash),
  };
}
