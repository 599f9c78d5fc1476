/**
 * Membership changes (spec/protocol.md §8.7): verified and applied as pure
 * functions on GroupState. Checks, in this order: decoding, group id,
 * signature, epoch (stale / fork / future), the actor's role, the operation's
 * rule. Nothing is returned before every check has passed.
 */
import { GROUP_CHANGE_LABEL, MAX_GROUP_MEMBERS } from '../constants.js';
import { fail } from '../errors.js';
import { concatBytes, ed25519PublicKey, equalBytes, sha256, sign, utf8, verifyOrThrow, type Bytes } from '../crypto/index.js';
import {
  decodeGroupChange, encodeGroupChangeBody, encodeSignedGroupControl,
  type GroupChangeBody, type GroupOperation, type GroupRole,
} from '../wire/index.js';
import { adminCount, baseRole, groupStateHash, maxMembers, roleOf, withMember, withoutMember, type GroupState } from './group-state.js';

export interface ChangeRequest {
  readonly operation: GroupOperation;
  readonly target: Bytes;
  /** For `add` only: the new member's role (default: the mode's base role). */
  readonly role?: GroupRole;
}

export interface AppliedChange {
  readonly state: GroupState;
  readonly change: GroupChangeBody;
}

/** §8.7: the signature payload of a change. */
export function changeSignaturePayload(body: Bytes): Bytes {
  return concatBytes(utf8(GROUP_CHANGE_LABEL), body);
}

/** The role the target has after a change, as §8.7 fixes it per operation (add: the requested one). */
function resultingRole(state: GroupState, request: ChangeRequest): GroupRole | null {
  switch (request.operation) {
    case 'add': return request.role ?? baseRole(state.mode);
    case 'subscribe': return 'reader';
    case 'promote': return 'admin';
    case 'demote': return baseRole(state.mode);
    default: return null;
  }
}

/** Builds, signs (with the actor's identity seed) and applies a change; returns the encoded change too. */
export function createGroupChange(state: GroupState, request: ChangeRequest, actorSeed: Bytes): AppliedChange & { readonly encoded: Bytes } {
  const body = encodeGroupChangeBody({
    groupId: state.groupId, epoch: state.epoch + 1, parentHash: groupStateHash(state), operation: request.operation,
    target: request.target, role: resultingRole(state, request), actor: ed25519PublicKey(actorSeed),
  });
  const encoded = encodeSignedGroupControl(body, sign(actorSeed, changeSignaturePayload(body)));
  return { ...applyGroupChange(state, encoded), encoded };
}

function checkEpoch(state: GroupState, change: GroupChangeBody, body: Bytes): void {
  const e = change.epoch;
  if (e < state.epoch) fail('STALE_EPOCH', 'change for an older epoch', { got: e, current: state.epoch });
  if (e === state.epoch) {
    if (equalBytes(sha256(body), state.changeDigest)) fail('STALE_EPOCH', 'change already applied', { got: e, current: state.epoch });
    fail('EPOCH_FORK', 'another change was applied at this epoch', { got: e, current: state.epoch });
  }
  if (e > state.epoch + 1) fail('FUTURE_EPOCH', 'change skips an epoch', { got: e, current: state.epoch });
  if (!equalBytes(change.parentHash, groupStateHash(state))) fail('EPOCH_FORK', 'parent hash is not our state hash', { got: e, current: state.epoch });
}

function invalid(message: string): never {
  return fail('INVALID_STATE', `group change: ${message}`);
}

/** §8.1: a channel holds at most MAX_GROUP_MEMBERS admins (a group's member bound already implies it). */
function checkAdminRoom(state: GroupState): void {
  if (adminCount(state.members) >= MAX_GROUP_MEMBERS) invalid('the channel has the most admins it may have');
}

/** §8.7 operation rules: who may do what to whom, in which mode, with which resulting role. */
function checkOperation(state: GroupState, c: GroupChangeBody): void {
  const actorRole = roleOf(state, c.actor);
  if (actorRole === null) fail('NOT_A_MEMBER', 'the actor is not a member');
  const targetRole = roleOf(state, c.target);
  const self = equalBytes(c.actor, c.target);
  const admin = actorRole === 'admin';
  const requireAdmin = (): void => { if (!admin) fail('NOT_AUTHORIZED', `only an admin may ${c.operation}`, { op: c.operation }); };
  const requireTarget = (): GroupRole => targetRole ?? fail('NOT_A_MEMBER', 'the target is not a member');
  switch (c.operation) {
    case 'add':
    case 'subscribe':
      requireAdmin();
      if (targetRole !== null) invalid('the target is already a member');
      if (state.members.length >= maxMembers(state.mode)) invalid('the group is full');
      if (c.role === 'admin') checkAdminRoom(state);
      if (c.operation === 'subscribe' && (state.mode !== 'channel' || c.role !== 'reader')) invalid('subscribe adds a reader to a channel');
      if (c.operation === 'add' && (c.role === null || c.role === 'reader' || (state.mode === 'channel' && c.role !== 'admin'))) {
        invalid('add gives a role of the mode (a channel adds admins; readers subscribe)');
      }
      return;
    case 'remove':
      requireAdmin();
      requireTarget();
      if (self || c.role !== null) invalid('remove takes another member out');
      return;
    case 'leave':
      if (!self || c.role !== null) invalid('leave is signed by the leaving member');
      return;
    case 'unsubscribe':
      if (state.mode !== 'channel' || c.role !== null || requireTarget() !== 'reader') invalid('unsubscribe takes a reader out of a channel');
      if (!self) requireAdmin();
      return;
    case 'promote':
      requireAdmin();
      if (requireTarget() === 'admin' || c.role !== 'admin') invalid('promote makes a non-admin an admin');
      checkAdminRoom(state);
      return;
    case 'demote':
      requireAdmin();
      if (requireTarget() !== 'admin' || c.role !== baseRole(state.mode)) invalid('demote makes an admin the base role of the mode');
  }
}

/** Verifies an encoded change against `state` and returns the next state (§8.7). Pure. */
export function applyGroupChange(state: GroupState, encoded: Bytes): AppliedChange {
  const { body, signature, value: change } = decodeGroupChange(encoded);
  if (!equalBytes(change.groupId, state.groupId)) fail('INVALID_STATE', 'change for another group');
  verifyOrThrow(change.actor, changeSignaturePayload(body), signature, 'group change');
  checkEpoch(state, change, body);
  checkOperation(state, change);
  const members = change.role === null
    ? withoutMember(state.members, change.target)
    : withMember(state.members, { identityKey: change.target, role: change.role });
  const next: GroupState = {
    groupId: state.groupId, mode: state.mode, epoch: change.epoch, parentHash: groupStateHash(state), changeDigest: sha256(body), members,
  };
  return { state: next, change };
}
