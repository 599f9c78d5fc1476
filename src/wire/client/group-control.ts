/**
 * Group control messages (spec/client.md §6.2), carried in a pairwise `group`
 * payload, and the client's stored group record:
 *
 *   welcome       { v, t, w: bin, name: str, roster, rk: uint }        admin → new member (w: src/group welcome)
 *   change        { v, t, c: bin, roster }                              actor → every member before the change (c: src/group change)
 *   roster        { v, t, gid: bin(16), roster }                        admin → members: who is reachable how
 *   member-token  { v, t, gid: bin(16), mb: bin, tok: bin, ep: uint }  member → admin: the token it registered for this group
 *   distribution  { v, t, d: bin }                                      sender → member: a sender key distribution (src/group)
 *   changes       { v, t, gid: bin(16), cs: [bin], e: uint, roster? }  any member → member: signed changes, oldest first, the sender's epoch
 *                                                                      (and, from an admin, its roster)
 *   resync        { v, t, gid: bin(16), e: uint }                      member → member: "send me the changes after epoch e"
 *   subscribe     { v, t, gid: bin(16) }                                contact → channel admin: "make me a reader"
 *   unsubscribe   { v, t, gid: bin(16) }                                reader → channel admins: "take me out"
 *
 * roster = [[identityKey bin(32), mailbox bin(1..64), token bin(16..64) | nil, name str | nil, epoch uint], …]
 * A token is *current* when its epoch is at least the group's rotation epoch
 * (`rk`: the epoch of the last removal or leave); older tokens were replaced.
 */
import {
  CONTENT_VERSION, GROUP_CHANGE_LOG_MAX, MAX_DISPLAY_NAME_LENGTH, MAX_GROUP_CONTROL_MESSAGE_SIZE, MAX_GROUP_CONTROL_SIZE, MAX_CHANNEL_MEMBERS,
  MAX_TOKEN_EPOCH,
} from '../../constants.js';
import type { Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import {
  checkBytes, checkUint, decodeMsgpack, encodeMsgpack, readArray, readBytes, readMap, readString, readUint, readVersion,
  type WireMap,
} from '../codec.js';
import { decodeState, encodeState } from '../state-envelope.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';
import type { IdentityKey, MailboxId } from '../brands.js';

export interface RosterEntry {
  readonly identityKey: IdentityKey;
  readonly mailbox: MailboxId;
  /** The token this member registered for the group; undefined until it has told the admin. */
  readonly token?: Bytes;
  readonly name?: string;
  /** The group epoch at which the member registered `token` (0 in records written before rotation existed). */
  readonly epoch: number;
}

export type GroupControl =
  | { readonly type: 'welcome'; readonly welcome: Bytes; readonly name: string; readonly roster: readonly RosterEntry[]; readonly rotation: number }
  | { readonly type: 'change'; readonly change: Bytes; readonly roster: readonly RosterEntry[] }
  | { readonly type: 'roster'; readonly groupId: Bytes; readonly roster: readonly RosterEntry[] }
  | { readonly type: 'member-token'; readonly groupId: Bytes; readonly mailbox: Bytes; readonly token: Bytes; readonly epoch: number }
  | { readonly type: 'distribution'; readonly distribution: Bytes }
  | { readonly type: 'changes'; readonly groupId: Bytes; readonly changes: readonly Bytes[]; readonly epoch: number; readonly roster?: readonly RosterEntry[] }
  | { readonly type: 'resync'; readonly groupId: Bytes; readonly epoch: number }
  | { readonly type: 'subscribe' | 'unsubscribe'; readonly groupId: Bytes };

const WHAT = 'group control';
const MAX = MAX_GROUP_CONTROL_MESSAGE_SIZE;

export function encodeRoster(r: readonly RosterEntry[]): unknown[] {
  return r.map((e) => [e.identityKey, e.mailbox, e.token ?? null, e.name ?? null, e.epoch]);
}

export function decodeRoster(value: unknown, what: string): RosterEntry[] {
  if (!Array.isArray(value) || value.length > MAX_CHANNEL_MEMBERS) fail('MALFORMED', `${what}: bad roster`, { what });
  return value.map((e: unknown) => {
    if (!Array.isArray(e) || (e.length !== 4 && e.length !== 5)) return fail('MALFORMED', `${what}: bad roster entry`, { what });
    const [ik, mb, tok, name, epoch = 0] = e as unknown[];
    if (name !== null && (typeof name !== 'string' || name.length > MAX_DISPLAY_NAME_LENGTH)) fail('MALFORMED', `${what}: bad roster name`, { what });
    return {
      identityKey: checkBytes(ik, what, 'identityKey', 32), mailbox: checkBytes(mb, what, 'mailbox', MAILBOX_RANGE),
      ...(tok !== null && { token: checkBytes(tok, what, 'token', TOKEN_RANGE) }),
      ...(name !== null && { name: name as string }), epoch: checkUint(epoch, what, 'epoch', MAX_TOKEN_EPOCH),
    };
  });
}

export function encodeGroupControl(c: GroupControl): Bytes {
  const head = { v: CONTENT_VERSION, t: c.type };
  switch (c.type) {
    case 'welcome': return encodeMsgpack({ ...head, w: c.welcome, name: c.name, roster: encodeRoster(c.roster), rk: c.rotation });
    case 'change': return encodeMsgpack({ ...head, c: c.change, roster: encodeRoster(c.roster) });
    case 'roster': return encodeMsgpack({ ...head, gid: c.groupId, roster: encodeRoster(c.roster) });
    case 'member-token': return encodeMsgpack({ ...head, gid: c.groupId, mb: c.mailbox, tok: c.token, ep: c.epoch });
    case 'distribution': return encodeMsgpack({ ...head, d: c.distribution });
    case 'changes': return encodeMsgpack({ ...head, gid: c.groupId, cs: c.changes, e: c.epoch, ...(c.roster !== undefined && { roster: encodeRoster(c.roster) }) });
    case 'resync': return encodeMsgpack({ ...head, gid: c.groupId, e: c.epoch });
    case 'subscribe':
    case 'unsubscribe': return encodeMsgpack({ ...head, gid: c.groupId });
  }
}

export function decodeGroupControl(bytes: Bytes): GroupControl {
  const pre = readMap(decodeMsgpack(bytes, MAX, WHAT), WHAT, ['v', 't'], ['w', 'name', 'roster', 'rk', 'c', 'gid', 'mb', 'tok', 'ep', 'd', 'cs', 'e']);
  readVersion(pre, WHAT, [CONTENT_VERSION]);
  const t = readString(pre, WHAT, 't', 16);
  const only = (...f: string[]): WireMap => readMap(pre, WHAT, ['v', 't', ...f]);
  const big = { min: 1, max: MAX } as const;
  switch (t) {
    case 'welcome': {
      const m = only('w', 'name', 'roster', 'rk');
      return {
        type: t, welcome: readBytes(m, WHAT, 'w', big), name: readString(m, WHAT, 'name', MAX_DISPLAY_NAME_LENGTH), roster: decodeRoster(m['roster'], WHAT),
        rotation: readUint(m, WHAT, 'rk', MAX_TOKEN_EPOCH),
      };
    }
    case 'change': {
      const m = only('c', 'roster');
      return { type: t, change: readBytes(m, WHAT, 'c', big), roster: decodeRoster(m['roster'], WHAT) };
    }
    case 'roster': {
      const m = only('gid', 'roster');
      return { type: t, groupId: readBytes(m, WHAT, 'gid', 16), roster: decodeRoster(m['roster'], WHAT) };
    }
    case 'member-token': {
      const m = only('gid', 'mb', 'tok', 'ep');
      return {
        type: t, groupId: readBytes(m, WHAT, 'gid', 16), mailbox: readBytes(m, WHAT, 'mb', MAILBOX_RANGE),
        token: readBytes(m, WHAT, 'tok', TOKEN_RANGE), epoch: readUint(m, WHAT, 'ep', MAX_TOKEN_EPOCH),
      };
    }
    case 'distribution': {
      const m = only('d');
      return { type: t, distribution: readBytes(m, WHAT, 'd', big) };
    }
    case 'changes': {
      const m = readMap(pre, WHAT, ['v', 't', 'gid', 'cs', 'e'], ['roster']);
      const changes = readArray(m, WHAT, 'cs', GROUP_CHANGE_LOG_MAX).map((c) => checkBytes(c, WHAT, 'cs', { min: 1, max: MAX_GROUP_CONTROL_SIZE }));
      const roster = m['roster'] === undefined ? undefined : decodeRoster(m['roster'], WHAT);
      return { type: t, groupId: readBytes(m, WHAT, 'gid', 16), changes, epoch: readUint(m, WHAT, 'e', MAX_TOKEN_EPOCH), ...(roster !== undefined && { roster }) };
    }
    case 'resync': {
      const m = only('gid', 'e');
      return { type: t, groupId: readBytes(m, WHAT, 'gid', 16), epoch: readUint(m, WHAT, 'e', MAX_TOKEN_EPOCH) };
    }
    case 'subscribe':
    case 'unsubscribe':
      return { type: t, groupId: readBytes(only('gid'), WHAT, 'gid', 16) };
    default: return fail('MALFORMED', `${WHAT}: unknown type`, { what: WHAT });
  }
}

/**
 * groups/<gid hex>: [1, "group", { s: bin (src/group session), name, roster, tok: bin, owed: [[ik, distribution]], rk?: uint, log?: [bin],
 * seen?: uint, sat?: uint, ex?: [bin(32)] }]
 */
export interface GroupRecord {
  readonly session: Bytes;
  readonly name: string;
  readonly roster: readonly RosterEntry[];
  /** The token we registered for this group. */
  readonly token: Bytes;
  /** Distributions of our sender key still owed to members whose token we did not know yet. */
  readonly owed: readonly { readonly identityKey: Bytes; readonly distribution: Bytes }[];
  /** The rotation epoch: the epoch of the last removal or leave; tokens registered before it were replaced. */
  readonly rotation: number;
  /** The last GROUP_CHANGE_LOG_MAX signed changes we applied, oldest first: resent to members who missed them. */
  readonly log?: readonly Bytes[];
  /** The highest group epoch another member showed us (a change or a message): above ours, we are behind. */
  readonly seen?: number;
  /** When (ms) `seen` last rose: a claim nobody substantiates lapses after GROUP_BEHIND_TIMEOUT_MS. */
  readonly seenAt?: number;
  /**
   * Members (device keys) excluded before their removal (client.md §10.6): devices their account's list no longer
   * names. Nothing of ours reaches them; each leaves this set once a change removes it.
   */
  readonly excluded?: readonly Bytes[];
  /**
   * Network work this record still owes (client.md §6.3), a set of GROUP_DUE_* bits: kept until it is done, so a lost
   * connection or a restart only defers it to the next authentication.
   */
  readonly due?: number;
}

/** Our group token is not yet known to be registered at the relay. */
export const GROUP_DUE_REGISTER = 1;
/** Our current group token has not yet reached every other admin (`member-token`). */
export const GROUP_DUE_TELL = 2;
/** As an admin: a roster broadcast is owed (member tokens arrived, or we rotated). */
export const GROUP_DUE_ROSTER = 4;
const GROUP_DUE_ALL = GROUP_DUE_REGISTER | GROUP_DUE_TELL | GROUP_DUE_ROSTER;

export function encodeGroupRecord(g: GroupRecord): Bytes {
  return encodeState('group', {
    s: g.session, name: g.name, roster: encodeRoster(g.roster), tok: g.token, owed: g.owed.map((o) => [o.identityKey, o.distribution]), rk: g.rotation,
    ...(g.log !== undefined && g.log.length > 0 && { log: g.log }), ...(g.seen !== undefined && g.seen > 0 && { seen: g.seen, sat: g.seenAt ?? 0 }),
    ...(g.excluded !== undefined && g.excluded.length > 0 && { ex: g.excluded }), ...(g.due !== undefined && g.due !== 0 && { due: g.due }),
  });
}

export function decodeGroupRecord(bytes: Bytes): GroupRecord {
  const m = readMap(decodeState(bytes, 'group', 16 * MAX, 'group record'), 'group record', ['s', 'name', 'roster', 'tok', 'owed'], ['rk', 'log', 'seen', 'sat', 'ex', 'due']);
  const owed = readArray(m, 'group record', 'owed', MAX_CHANNEL_MEMBERS).map((o) => {
    if (!Array.isArray(o) || o.length !== 2) return fail('INVALID_STATE', 'group record: bad owed entry');
    return { identityKey: checkBytes(o[0], 'group record', 'owed', 32), distribution: checkBytes(o[1], 'group record', 'owed', { min: 1, max: MAX }) };
  });
  return {
    session: readBytes(m, 'group record', 's', { min: 1, max: 16 * MAX }), name: readString(m, 'group record', 'name', MAX_DISPLAY_NAME_LENGTH),
    roster: decodeRoster(m['roster'], 'group record'), token: readBytes(m, 'group record', 'tok', TOKEN_RANGE), owed,
    rotation: m['rk'] === undefined ? 0 : readUint(m, 'group record', 'rk', MAX_TOKEN_EPOCH),
    ...(m['log'] !== undefined && {
      log: readArray(m, 'group record', 'log', GROUP_CHANGE_LOG_MAX).map((c) => checkBytes(c, 'group record', 'log', { min: 1, max: MAX_GROUP_CONTROL_SIZE })),
    }),
    ...(m['seen'] !== undefined && { seen: readUint(m, 'group record', 'seen', MAX_TOKEN_EPOCH) }),
    ...(m['sat'] !== undefined && { seenAt: readUint(m, 'group record', 'sat') }),
    ...(m['ex'] !== undefined && {
      excluded: readArray(m, 'group record', 'ex', MAX_CHANNEL_MEMBERS).map((k) => checkBytes(k, 'group record', 'ex', 32)),
    }),
    ...(m['due'] !== undefined && { due: readUint(m, 'group record', 'due', GROUP_DUE_ALL) }),
  };
}
