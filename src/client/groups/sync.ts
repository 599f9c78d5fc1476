/**
 * Keeping every member's group state in step (spec/client.md §6.5): a
 * membership change is delivered until the relay holds it or refuses it for
 * good; every member keeps the last GROUP_CHANGE_LOG_MAX signed changes and
 * resends them — to a member that asks (`resync`), and unasked to a member
 * whose message shows an older epoch; a member that sees a later epoch asks
 * the sender and the admins, and posts nothing until it has caught up. The
 * signature of a change binds its actor, so whoever forwards it cannot alter it.
 */
import { GROUP_BEHIND_TIMEOUT_MS, GROUP_CHANGE_LOG_MAX, GROUP_CHANGE_RETRY_MAX_MS, OUTBOX_RETRY_BASE_MS } from '../../constants.js';
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { roleOf } from '../../group/index.js';
import { encodeGroupControl, type GroupRecord } from '../../wire/client/group-control.js';
import { decodeGroupChange } from '../../wire/index.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { isClientError } from '../errors.js';
import type { Group } from './book.js';
import { rosterFor } from './channel.js';
import { reach, sendControl } from './reach.js';

/** Refusals after which a change is tried again: the member may drain its mailbox, the relay may come back. */
const RETRIED: ReadonlySet<string> = new Set(['MAILBOX_FULL', 'STORAGE_FULL', 'RATE_LIMITED', 'UNAVAILABLE', 'SHUTTING_DOWN', 'INTERNAL']);
/** Most answers remembered (member, epochs) before the memory is cleared; it only suppresses repeats. */
const ANSWERED_MAX = 4096;

/** The record after applying `encoded`: it joins the log (oldest dropped beyond GROUP_CHANGE_LOG_MAX). */
export function withLogged(record: GroupRecord, encoded: Bytes): GroupRecord {
  const log = [...(record.log ?? []), encoded];
  return { ...record, log: log.slice(Math.max(0, log.length - GROUP_CHANGE_LOG_MAX)) };
}

/** The record after another member showed us `epoch` at `now`: `seen` keeps the highest live claim. */
export function withSeen(g: Group, epoch: number, now: number): GroupRecord {
  if (epoch <= (g.record.seen ?? 0) && isBehind(g, now)) return g.record;
  return { ...g.record, seen: Math.max(epoch, g.session.group.epoch), seenAt: now };
}

/**
 * We know of a later epoch than ours: posting now could reach a member removed since. A claim lapses after
 * GROUP_BEHIND_TIMEOUT_MS if nobody substantiates it (a member's signed message can claim any epoch: without
 * the lapse, a member about to be removed could silence the admin that would remove it).
 */
export function isBehind(g: Group, now: number): boolean {
  return (g.record.seen ?? 0) > g.session.group.epoch && now - (g.record.seenAt ?? 0) < GROUP_BEHIND_TIMEOUT_MS;
}

/** The logged changes after `epoch`, oldest first. */
export function changesSince(g: Group, epoch: number): Bytes[] {
  return (g.record.log ?? []).filter((c) => decodeGroupChange(c).value.epoch > epoch);
}

/** The admins of the group other than us (whom a member that is behind asks). */
export function adminsOf(ctx: ClientContext, g: Group): Bytes[] {
  return g.session.group.members.filter((m) => m.role === 'admin' && !equalBytes(m.identityKey, ctx.identity.publicKey)).map((m) => m.identityKey);
}

/** Asks `members` (deduplicated, not us) for the changes after our epoch. */
export async function askForChanges(ctx: ClientContext, id: string, members: readonly Bytes[]): Promise<void> {
  const g = ctx.groups.find(id);
  if (g === undefined) return;
  const control = encodeGroupControl({ type: 'resync', groupId: g.session.group.groupId, epoch: g.session.group.epoch });
  const unique = members.filter((m, i) => !equalBytes(m, ctx.identity.publicKey) && members.findIndex((x) => equalBytes(x, m)) === i);
  await Promise.all(unique.map((m) => deliverChange(ctx, id, m, control, memberPeer(ctx, id, m))));
}

/** Sends `member` our logged changes after `after`, and our epoch — once per (member, its epoch, our epoch). */
export async function sendChangesTo(ctx: ClientContext, id: string, member: Bytes, after: number): Promise<void> {
  const g = ctx.groups.find(id);
  if (g === undefined || equalBytes(member, ctx.identity.publicKey)) return;
  const key = `${id}:${toHex(member)}:${after}:${g.session.group.epoch}`;
  if (ctx.groups.answered.has(key)) return;
  if (ctx.groups.answered.size >= ANSWERED_MAX) ctx.groups.answered.clear();
  ctx.groups.answered.add(key);
  const changes = changesSince(g, after); // possibly none: our epoch still answers a member misled about a later one
  // An admin adds its roster: a member catching up learns how to reach those the changes added.
  const roster = roleOf(g.session.group, ctx.identity.publicKey) === 'admin' ? { roster: rosterFor(g, member) } : {};
  const control = encodeGroupControl({ type: 'changes', groupId: g.session.group.groupId, changes, epoch: g.session.group.epoch, ...roster });
  await deliverChange(ctx, id, member, control, memberPeer(ctx, id, member));
}

/** Resolves a member's current route each attempt (tokens rotate); undefined once it is no longer a member. */
export function memberPeer(ctx: ClientContext, id: string, member: Bytes): () => Peer | undefined {
  return () => {
    const g = ctx.groups.find(id);
    return g === undefined || roleOf(g.session.group, member) === null ? undefined : reach(ctx, g, member);
  };
}

/**
 * Delivers a change (or a resync request or answer) to one member: tried again, with a capped backoff, while the
 * relay answers "not now" (a full mailbox included: a removed member filling a member's mailbox only delays it),
 * for as long as `route` still names the member; a final refusal is surfaced as group-change-undelivered.
 */
export async function deliverChange(ctx: ClientContext, id: string, member: Bytes, control: Bytes, route: () => Peer | undefined): Promise<void> {
  for (let attempt = 1; !ctx.closed; attempt++) {
    const peer = route();
    if (peer === undefined) return;
    try {
      await sendControl(ctx, peer, control);
      return;
    } catch (e) {
      if (ctx.closed) return;
      const code = isClientError(e, 'RELAY_ERROR') ? String(e.details['relayCode']) : isClientError(e) ? e.code : undefined;
      const again = code !== undefined && (RETRIED.has(code) || code === 'TIMEOUT' || code === 'NOT_CONNECTED');
      if (!again) {
        ctx.events.emit('group-change-undelivered', { group: id, member: toHex(member), code: code ?? 'INTERNAL' });
        if (code === undefined) ctx.events.emit('error', { error: e });
        return;
      }
      await pause(Math.min(GROUP_CHANGE_RETRY_MAX_MS, OUTBOX_RETRY_BASE_MS * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random() / 2));
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms) as { unref?: () => void };
    t.unref?.(); // a retry never keeps a Node process alive
  });
}
