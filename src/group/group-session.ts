/**
 * A member's group session (spec/protocol.md §8.9): the group state, our own
 * sender key with the members still waiting for it, and the receiver chains
 * of the other members. Plain readonly data; every operation is a pure
 * function `f(session, input) → { session, … }` and a throw leaves the
 * caller's session as it was.
 *
 * This file: creation, joining, and membership changes with their effects on
 * keys (rotation after a member leaves, pending distribution after one joins).
 */
import { GROUP_ID_LENGTH, ZERO_32 } from '../constants.js';
import { fail } from '../errors.js';
import { equalBytes, redact, type Bytes, type Ed25519KeyPair, type RandomSource } from '../crypto/index.js';
import type { GroupChangeBody, GroupMemberEntry, GroupMode } from '../wire/index.js';
import { checkMembers, maxMembers, mayPost, roleOf, sortMembers, type GroupState } from './group-state.js';
import { applyGroupChange, createGroupChange, type ChangeRequest } from './membership.js';
import { removeChainsOf, type ReceiverChain, type SkippedGroupKey } from './receiver-chain.js';
import type { SenderKeyState } from './sender-key.js';
import { acceptWelcome, createWelcome } from './welcome.js';

export interface GroupSession {
  /** Our identity key. */
  readonly self: Bytes;
  readonly group: GroupState;
  /** Our current sender key; null until the first send, and again after a member left (rotation). */
  readonly senderKey: SenderKeyState | null;
  /** Members (identity keys) that have not yet been sent `senderKey`: `prepareSend` serves them first. */
  readonly pendingRecipients: readonly Bytes[];
  /** Sender keys of the other members, at most MAX_SENDER_KEYS_PER_MEMBER per member, oldest first. */
  readonly receiverChains: readonly ReceiverChain[];
  /** Skipped message keys of all receiver chains, oldest first. */
  readonly skippedMessageKeys: readonly SkippedGroupKey[];
}

export interface CreateGroupParams {
  /** Our identity key pair: we become the first admin and sign the welcome. */
  readonly identity: Ed25519KeyPair;
  readonly mode: GroupMode;
  /** The other members with their roles (admins and members, or admins and readers in a channel). */
  readonly members: readonly GroupMemberEntry[];
  readonly random: RandomSource;
}

/** §8.8: a new group at epoch 0 (draws the 16-byte group id); the welcome goes to every other member. */
export function createGroup(p: CreateGroupParams): { session: GroupSession; welcome: Bytes } {
  if (p.members.some((m) => equalBytes(m.identityKey, p.identity.publicKey))) fail('INVALID_STATE', 'the creator is listed among the members');
  if (p.members.length + 1 > maxMembers(p.mode)) fail('INVALID_STATE', 'too many members', { got: p.members.length + 1, max: maxMembers(p.mode) });
  const members = sortMembers([...p.members, { identityKey: p.identity.publicKey, role: 'admin' }]);
  checkMembers(p.mode, members, 'INVALID_STATE');
  const group: GroupState = { groupId: p.random(GROUP_ID_LENGTH), mode: p.mode, epoch: 0, parentHash: ZERO_32.slice(), changeDigest: ZERO_32.slice(), members };
  return { session: emptySession(p.identity.publicKey, group), welcome: createWelcome(group, p.identity.privateKey) };
}

function emptySession(self: Bytes, group: GroupState): GroupSession {
  return redact({ self: self.slice(), group, senderKey: null, pendingRecipients: [], receiverChains: [], skippedMessageKeys: [] }, 'GroupSession');
}

/** §8.8: joins from a welcome that arrived over the pairwise session with `from`. */
export function joinGroup(self: Bytes, from: Bytes, welcome: Bytes): GroupSession {
  return emptySession(self, acceptWelcome(welcome, self, from));
}

export interface GroupChangeResult {
  readonly session: GroupSession;
  readonly change: GroupChangeBody;
}

/**
 * §8.9 effects of an applied change on the keys:
 * - the target left (remove, leave, unsubscribe): its chains and skipped keys are deleted; if it was
 *   us, everything is cleared; otherwise our sender key is discarded, so the next send rotates;
 * - the target joined (add, subscribe): it waits for our current sender key, if we have one;
 * - we can no longer post (demoted in a channel): our sender key is discarded.
 */
function withChange(session: GroupSession, group: GroupState, change: GroupChangeBody): GroupSession {
  const targetIsSelf = equalBytes(change.target, session.self);
  if (change.role === null) {
    if (targetIsSelf) return { ...emptySession(session.self, group) };
    const kept = removeChainsOf(session.receiverChains, session.skippedMessageKeys, (c) => equalBytes(c.sender, change.target));
    return { ...session, group, senderKey: null, pendingRecipients: [], receiverChains: kept.chains, skippedMessageKeys: kept.skipped };
  }
  const joined = change.operation === 'add' || change.operation === 'subscribe';
  if (joined && session.senderKey !== null && !targetIsSelf) {
    return { ...session, group, pendingRecipients: [...session.pendingRecipients, change.target.slice()] };
  }
  if (!mayPost(group.mode, roleOf(group, session.self))) return { ...session, group, senderKey: null, pendingRecipients: [] };
  return { ...session, group };
}

/** Applies a change received from any member (its signature authenticates the actor). */
export function applyChange(session: GroupSession, encoded: Bytes): GroupChangeResult {
  const { state, change } = applyGroupChange(session.group, encoded);
  return { session: redact(withChange(session, state, change), 'GroupSession'), change };
}

/**
 * Makes a change as `identity` (our identity key pair) and applies it. Returns the encoded change for
 * every member of the group before the change (the removed member included, so it learns it is out),
 * and, for add and subscribe, the welcome for the new member.
 */
export function proposeChange(session: GroupSession, identity: Ed25519KeyPair, request: ChangeRequest): GroupChangeResult & {
  readonly encoded: Bytes; readonly welcome: Bytes | null;
} {
  if (!equalBytes(identity.publicKey, session.self)) fail('INVALID_STATE', 'the identity is not this session\'s');
  const { state, change, encoded } = createGroupChange(session.group, request, identity.privateKey);
  const joined = change.operation === 'add' || change.operation === 'subscribe';
  const welcome = joined ? createWelcome(state, identity.privateKey) : null;
  return { session: redact(withChange(session, state, change), 'GroupSession'), change, encoded, welcome };
}
