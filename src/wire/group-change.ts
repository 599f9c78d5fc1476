/**
 * Membership changes and welcomes (spec/protocol.md §8.7, §8.8): signed by
 * their actor over the exact body bytes, carried inside pairwise sessions.
 *
 *   signed  = { v: uint, b: bin (the encoded body), s: bin(64) }
 *   change  = { g: bin(16), e: uint32, p: bin(32), o: str op, t: bin(32), r: str role | nil, a: bin(32) }
 *   welcome = { g: bin(16), m: str mode, e: uint32, p: bin(32), d: bin(32), ms: [[bin(32), str role], …], a: bin(32) }
 */
import { GROUP_ID_LENGTH, MAX_CHAIN_INDEX, MAX_CHANNEL_MEMBERS, MAX_GROUP_CONTROL_SIZE, PROTOCOL_VERSION } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { checkBytes, decodeMsgpack, encodeMsgpack, readArray, readBytes, readMap, readUint, readVersion, type WireMap } from './codec.js';

export type GroupMode = 'group' | 'channel';
export type GroupRole = 'admin' | 'member' | 'reader';
export type GroupOperation = 'add' | 'remove' | 'leave' | 'promote' | 'demote' | 'subscribe' | 'unsubscribe';

export const GROUP_MODES: readonly GroupMode[] = ['group', 'channel'];
export const GROUP_ROLES: readonly GroupRole[] = ['admin', 'member', 'reader'];
export const GROUP_OPERATIONS: readonly GroupOperation[] = ['add', 'remove', 'leave', 'promote', 'demote', 'subscribe', 'unsubscribe'];

export interface GroupChangeBody {
  readonly groupId: Bytes;
  /** The epoch this change produces (the parent's epoch + 1). */
  readonly epoch: number;
  /** The state hash of the parent state (epoch − 1). */
  readonly parentHash: Bytes;
  readonly operation: GroupOperation;
  readonly target: Bytes;
  /** The target's role after the change, or null when the target leaves the group. */
  readonly role: GroupRole | null;
  readonly actor: Bytes;
}

export interface GroupMemberEntry {
  readonly identityKey: Bytes;
  readonly role: GroupRole;
}

/** A group's state at one epoch (§8.6): what a welcome carries and what src/group keeps. */
export interface GroupStateFields {
  readonly groupId: Bytes;
  readonly mode: GroupMode;
  readonly epoch: number;
  /** The hash of the state at epoch − 1 (ZERO_32 at epoch 0). */
  readonly parentHash: Bytes;
  /** SHA256 of the body of the change that produced this epoch (ZERO_32 at creation). */
  readonly changeDigest: Bytes;
  /** Sorted by identity key, ascending; no duplicates. */
  readonly members: readonly GroupMemberEntry[];
}

export interface GroupWelcomeBody extends GroupStateFields {
  readonly actor: Bytes;
}

/** A decoded signed structure: the exact body bytes, the signature, and the decoded body. */
export interface Signed<T> {
  readonly body: Bytes;
  readonly signature: Bytes;
  readonly value: T;
}

const CHANGE = 'group change';
const WELCOME = 'group welcome';

export function encodeSignedGroupControl(body: Bytes, signature: Bytes): Bytes {
  return encodeMsgpack({ v: PROTOCOL_VERSION, b: body, s: signature });
}

function decodeSigned(bytes: Bytes, what: string): { body: Bytes; signature: Bytes; inner: unknown } {
  const map = readMap(decodeMsgpack(bytes, MAX_GROUP_CONTROL_SIZE, what), what, ['v', 'b', 's']);
  readVersion(map, what, [PROTOCOL_VERSION]);
  const body = readBytes(map, what, 'b', { min: 1, max: MAX_GROUP_CONTROL_SIZE });
  const signature = readBytes(map, what, 's', 64);
  return { body, signature, inner: decodeMsgpack(body, MAX_GROUP_CONTROL_SIZE, what) };
}

function readEnum<T extends string>(value: unknown, what: string, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail('MALFORMED', `${what}: ${field} is not a known value`, { what, field });
  return value as T;
}

export function encodeGroupChangeBody(c: GroupChangeBody): Bytes {
  return encodeMsgpack({ g: c.groupId, e: c.epoch, p: c.parentHash, o: c.operation, t: c.target, r: c.role, a: c.actor });
}

export function decodeGroupChange(bytes: Bytes): Signed<GroupChangeBody> {
  const { body, signature, inner } = decodeSigned(bytes, CHANGE);
  const map = readMap(inner, CHANGE, ['g', 'e', 'p', 'o', 't', 'r', 'a']);
  const value: GroupChangeBody = {
    groupId: readBytes(map, CHANGE, 'g', GROUP_ID_LENGTH),
    epoch: readUint(map, CHANGE, 'e', MAX_CHAIN_INDEX),
    parentHash: readBytes(map, CHANGE, 'p', 32),
    operation: readEnum(map['o'], CHANGE, 'o', GROUP_OPERATIONS),
    target: readBytes(map, CHANGE, 't', 32),
    role: map['r'] === null ? null : readEnum(map['r'], CHANGE, 'r', GROUP_ROLES),
    actor: readBytes(map, CHANGE, 'a', 32),
  };
  return { body, signature, value };
}

export function encodeGroupWelcomeBody(w: GroupWelcomeBody): Bytes {
  return encodeMsgpack({
    g: w.groupId, m: w.mode, e: w.epoch, p: w.parentHash, d: w.changeDigest,
    ms: w.members.map((m) => [m.identityKey, m.role]), a: w.actor,
  });
}

/** Reads `[bin(32), str role]` member entries (shared with the group session codec). */
export function readGroupMembers(map: WireMap, what: string, field: string): GroupMemberEntry[] {
  // The bound of the mode (MAX_GROUP_MEMBERS for a group) is checked once the mode is known (checkMembers).
  return readArray(map, what, field, MAX_CHANNEL_MEMBERS).map((entry) => {
    if (!Array.isArray(entry) || entry.length !== 2) fail('MALFORMED', `${what}: ${field} entry is not a pair`, { what, field });
    return { identityKey: checkBytes(entry[0], what, field, 32), role: readEnum(entry[1], what, field, GROUP_ROLES) };
  });
}

export function decodeGroupWelcome(bytes: Bytes): Signed<GroupWelcomeBody> {
  const { body, signature, inner } = decodeSigned(bytes, WELCOME);
  const map = readMap(inner, WELCOME, ['g', 'm', 'e', 'p', 'd', 'ms', 'a']);
  const value: GroupWelcomeBody = {
    groupId: readBytes(map, WELCOME, 'g', GROUP_ID_LENGTH),
    mode: readEnum(map['m'], WELCOME, 'm', GROUP_MODES),
    epoch: readUint(map, WELCOME, 'e', MAX_CHAIN_INDEX),
    parentHash: readBytes(map, WELCOME, 'p', 32),
    changeDigest: readBytes(map, WELCOME, 'd', 32),
    members: readGroupMembers(map, WELCOME, 'ms'),
    actor: readBytes(map, WELCOME, 'a', 32),
  };
  return { body, signature, value };
}

