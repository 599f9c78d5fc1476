/**
 * Sending to a group (spec/protocol.md §8.3, §8.9). `prepareSend` creates or
 * rotates our sender key when needed and returns the distributions that must
 * be delivered (inside pairwise sessions) before the message; `groupEncrypt`
 * refuses while any is outstanding. The per-message work — one chain step, one
 * AEAD, one signature — does not depend on the number of members.
 */
import { MAX_CHAIN_INDEX, MAX_GROUP_MESSAGE_SIZE, PROTOCOL_VERSION, SENDER_KEY_MESSAGE_LABEL } from '../constants.js';
import { fail } from '../errors.js';
import { concatBytes, equalBytes, redact, sign, utf8, type Bytes, type RandomSource } from '../crypto/index.js';
import { encodeGroupMessage, encodeGroupMessageBody, pad } from '../wire/index.js';
import { kdfSenderChain } from './chain-key.js';
import { groupStateHash, mayPost, roleOf } from './group-state.js';
import type { GroupSession } from './group-session.js';
import { groupAssociatedData, groupKeyCommitment, sealGroupBody } from './message-key.js';
import { createSenderKey, encodeDistributionOf } from './sender-key.js';

const MESSAGE_LABEL = utf8(SENDER_KEY_MESSAGE_LABEL);

export interface SenderKeyDelivery {
  /** Identity key of the member to send `payload` to, inside the pairwise session with it. */
  readonly recipient: Bytes;
  /** The encoded distribution (§8.4); the same bytes for every recipient of one call. */
  readonly payload: Bytes;
}

/** §8.3: the signature payload of a group message body. */
export function groupMessageSignaturePayload(body: Bytes): Bytes {
  return concatBytes(MESSAGE_LABEL, body);
}

/**
 * §8.9: makes us ready to send. Creates a fresh sender key when we have none (first send, or after a
 * member left) or the chain is exhausted, and returns its distribution for every member that lacks it.
 */
export function prepareSend(session: GroupSession, random: RandomSource): { session: GroupSession; distributions: SenderKeyDelivery[] } {
  const role = roleOf(session.group, session.self);
  if (role === null) fail('NOT_A_MEMBER', 'we are not a member of this group');
  if (!mayPost(session.group.mode, role)) fail('NOT_AUTHORIZED', 'readers of a channel cannot post', { role });
  let next = session;
  if (session.senderKey === null || session.senderKey.iteration >= MAX_CHAIN_INDEX) {
    const others = session.group.members.filter((m) => !equalBytes(m.identityKey, session.self)).map((m) => m.identityKey);
    next = { ...session, senderKey: createSenderKey(session.group.groupId, random), pendingRecipients: others };
  }
  if (next.pendingRecipients.length === 0) return { session: redact(next, 'GroupSession'), distributions: [] };
  const payload = encodeDistributionOf(next.senderKey as NonNullable<typeof next.senderKey>, session.self);
  const distributions = next.pendingRecipients.map((recipient) => ({ recipient: recipient.slice(), payload }));
  return { session: redact({ ...next, pendingRecipients: [] }, 'GroupSession'), distributions };
}

/**
 * §8.9: discards our sender key, so the next `prepareSend` creates a fresh one. A client calls it when a member
 * must stop reading what we send before its removal is applied (client.md §10.6: a revoked device): the fresh key
 * goes to whom the client chooses to deliver it to, and the discarded one encrypts nothing more.
 */
export function rotateSenderKey(session: GroupSession): GroupSession {
  return redact({ ...session, senderKey: null, pendingRecipients: [] }, 'GroupSession');
}

/**
 * §8.3: encrypts one message for every member, padded (§3.1), under our current epoch and state hash. INVALID_STATE until
 * `prepareSend` has been called.
 */
export function groupEncrypt(session: GroupSession, plaintext: Bytes): { session: GroupSession; message: Bytes } {
  const key = session.senderKey;
  if (key === null || session.pendingRecipients.length > 0 || key.iteration >= MAX_CHAIN_INDEX) {
    fail('INVALID_STATE', 'call prepareSend and deliver its distributions first');
  }
  const step = kdfSenderChain(key.chainKey);
  const { epoch } = session.group;
  const stateHash = groupStateHash(session.group);
  const context = { version: PROTOCOL_VERSION, groupId: key.groupId, sender: session.self, epoch, stateHash, keyId: key.keyId, iteration: key.iteration };
  const ciphertext = sealGroupBody(step.messageKey, pad(plaintext), groupAssociatedData(context));
  const commitment = groupKeyCommitment(step.messageKey);
  const body = encodeGroupMessageBody({ groupId: key.groupId, epoch, stateHash, keyId: key.keyId, iteration: key.iteration, commitment, ciphertext });
  const message = encodeGroupMessage(body, sign(key.signingKey.privateKey, groupMessageSignaturePayload(body)));
  if (message.length > MAX_GROUP_MESSAGE_SIZE) fail('OVERSIZE', 'group message too large', { got: message.length, max: MAX_GROUP_MESSAGE_SIZE });
  return { session: redact({ ...session, senderKey: { ...key, iteration: key.iteration + 1, chainKey: step.chainKey } }, 'GroupSession'), message };
}

/** `prepareSend` then `groupEncrypt`: deliver `distributions` (pairwise) before `message` (to all). */
export function groupSend(session: GroupSession, plaintext: Bytes, random: RandomSource): {
  session: GroupSession; distributions: SenderKeyDelivery[]; message: Bytes;
} {
  const prepared = prepareSend(session, random);
  const sent = groupEncrypt(prepared.session, plaintext);
  return { session: sent.session, distributions: prepared.distributions, message: sent.message };
}
