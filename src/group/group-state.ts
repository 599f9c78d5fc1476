/**
 * Group state (spec/protocol.md §8.6): id, mode, epoch, members with roles,
 * and the hash chain over states. Members are kept sorted by identity key
 * (ascending bytes), so lookups are binary searches and the hash is canonical.
 */
import { GROUP_STATE_HASH_LABEL, MAX_CHANNEL_MEMBERS, MAX_GROUP_MEMBERS } from '../constants.js';
import { fail } from '../errors.js';
import { compareBytes, concatBytes, sha256, uintToBytes, utf8, type Bytes } from '../crypto/index.js';
import type { GroupMemberEntry, GroupMode, GroupRole, GroupStateFields } from '../wire/index.js';

export type { GroupMemberEntry, GroupMode, GroupRole };

/** The group as a member holds it (§8.6); the fields are the welcome's, defined once in src/wire. */
export type GroupState = GroupStateFields;


const MODE_BYTE: Record<GroupMode, number> = { group: 0, channel: 1 };
const ROLE_BYTE: Record<GroupRole, number> = { admin: 0, member: 1, reader: 2 };

/**
 * §8.6: SHA256("Parley_Group_State_v1" ‖ g ‖ u8(mode) ‖ u32(epoch) ‖ parentHash ‖ changeDigest ‖ u32(n) ‖
 * (IK ‖ u8(role)) for each member in ascending IK order).
 */
export function groupStateHash(s: GroupState): Bytes {
  // States are immutable: each is hashed once, so a post costs the same whatever the number of members (§8.3).
  let h = HASHES.get(s);
  if (h === undefined) {
    h = computeStateHash(s);
    HASHES.set(s, h);
  }
  return h.slice();
}

const HASHES = new WeakMap<GroupState, Bytes>();

function computeStateHash(s: GroupState): Bytes {
  const head = concatBytes(
    utf8(GROUP_STATE_HASH_LABEL), s.groupId, Uint8Array.of(MODE_BYTE[s.mode]), uintToBytes(s.epoch, 4),
    s.parentHash, s.changeDigest, uintToBytes(s.members.length, 4),
  );
  // Written in place, not spread into concatBytes: a channel's tens of thousands of members exceed the call stack.
  const input = new Uint8Array(head.length + s.members.length * 33);
  input.set(head);
  let at = head.length;
  for (const m of s.members) {
    input.set(m.identityKey, at);
    input[at + 32] = ROLE_BYTE[m.role];
    at += 33;
  }
  return sha256(input);
}

/** Index of `identityKey` in the sorted member list, or −1. */
export function memberIndex(s: GroupState, identityKey: Bytes): number {
  let lo = 0;
  let hi = s.members.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareBytes((s.members[mid] as GroupMemberEntry).identityKey, identityKey);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function roleOf(s: GroupState, identityKey: Bytes): GroupRole | null {
  const i = memberIndex(s, identityKey);
  return i < 0 ? null : (s.members[i] as GroupMemberEntry).role;
}

/** §8.6: in a group admins and members post; in a channel only admins do. */
export function mayPost(mode: GroupMode, role: GroupRole | null): boolean {
  return role === 'admin' || (mode === 'group' && role === 'member');
}

/** The non-admin role of a mode: `member` in a group, `reader` in a channel. */
export function baseRole(mode: GroupMode): GroupRole {
  return mode === 'group' ? 'member' : 'reader';
}

export function roleAllowed(mode: GroupMode, role: GroupRole): boolean {
  return role === 'admin' || role === baseRole(mode);
}

/** §8.1: most members of a group or channel (a channel's readers never see each other, so it holds more). */
export function maxMembers(mode: GroupMode): number {
  return mode === 'group' ? MAX_GROUP_MEMBERS : MAX_CHANNEL_MEMBERS;
}

/** §8.1: a channel has at most MAX_GROUP_MEMBERS admins (an admin's welcome and roster list everyone). */
export function adminCount(members: readonly GroupMemberEntry[]): number {
  let n = 0;
  for (const m of members) if (m.role === 'admin') n++;
  return n;
}

/** Checks the member list invariants (sorted, unique, roles of the mode, bounded) or throws `code`. */
export function checkMembers(mode: GroupMode, members: readonly GroupMemberEntry[], code: 'INVALID_STATE' | 'MALFORMED'): void {
  if (members.length > maxMembers(mode)) fail(code, 'too many members', { got: members.length, max: maxMembers(mode) });
  const admins = adminCount(members);
  if (admins > MAX_GROUP_MEMBERS) fail(code, 'too many admins', { got: admins, max: MAX_GROUP_MEMBERS });
  for (let i = 0; i < members.length; i++) {
    const m = members[i] as GroupMemberEntry;
    if (m.identityKey.length !== 32) fail(code, 'member identity key must be 32 bytes');
    if (!roleAllowed(mode, m.role)) fail(code, `role ${m.role} does not exist in a ${mode}`, { role: m.role });
    if (i > 0 && compareBytes((members[i - 1] as GroupMemberEntry).identityKey, m.identityKey) >= 0) {
      fail(code, 'members must be sorted by identity key without duplicates');
    }
  }
}

/** A new sorted member list with `entry` inserted or replaced. */
export function withMember(members: readonly GroupMemberEntry[], entry: GroupMemberEntry): GroupMemberEntry[] {
  const rest = members.filter((m) => compareBytes(m.identityKey, entry.identityKey) !== 0);
  const at = rest.findIndex((m) => compareBytes(m.identityKey, entry.identityKey) > 0);
  const copy = { identityKey: entry.identityKey.slice(), role: entry.role };
  return at < 0 ? [...rest, copy] : [...rest.slice(0, at), copy, ...rest.slice(at)];
}

export function withoutMember(members: readonly GroupMemberEntry[], identityKey: Bytes): GroupMemberEntry[] {
  return members.filter((m) => compareBytes(m.identityKey, identityKey) !== 0);
}

export function sortMembers(members: readonly GroupMemberEntry[]): GroupMemberEntry[] {
  return members.map((m) => ({ identityKey: m.identityKey.slice(), role: m.role })).sort((a, b) => compareBytes(a.identityKey, b.identityKey));
}
