/**
 * Group token rotation (spec/client.md §6.3): after a removal or a leave
 * every remaining member replaces its group token at the relay (one
 * token_add with `replaces`), so a former member's tokens reach no one; the
 * new token goes to the admins (an admin's too), who pass it on in the roster.
 *
 * Each step that needs the relay is owed in the group record (`due`) from the
 * commit that makes it necessary until it is done: a lost connection or a
 * restart in between only defers it to the next authentication, where
 * resumeRotations picks it up. Without that, a member whose `member-token`
 * or whose admin's roster broadcast fell into a lost connection stayed
 * unreachable through the group for good.
 */
import { ROSTER_DELAY_MS, TOKEN_LENGTH } from '../../constants.js';
import { equalBytes, type Bytes } from '../../crypto/index.js';
import { roleOf } from '../../group/index.js';
import { encodeGroupControl, GROUP_DUE_REGISTER, GROUP_DUE_ROSTER, GROUP_DUE_TELL } from '../../wire/client/group-control.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import type { Group } from './book.js';
import { isInterrupted } from '../errors.js';
import { endedSends } from '../messaging/owed-sends.js';
import { othersIn, peerIn, reach, sendControl } from './reach.js';
import { deliverOwed } from './send.js';
import { commitGroup, selfEntry } from './state.js';
import { rosterFor } from './channel.js';
import { reconcileAll } from './devices.js';
import { rosterEntry } from './roster.js';

/**
 * Replaces our group token if it predates the group's rotation epoch (or registers one whose registration was
 * interrupted), then does what the record still owes: tell the other admins, and as an admin broadcast the roster.
 */
export async function rotate(ctx: ClientContext, id: string): Promise<void> {
  const registered = await ctx.lane.run(async () => {
    const g = ctx.groups.find(id);
    if (g === undefined || ctx.closed) return false;
    if (isCurrent(ctx, g)) {
      if (!hasDue(g, GROUP_DUE_REGISTER)) return true;
      await ctx.relay.registerToken(g.record.token);
      await commitGroup(ctx, id, withDue(g, 0, GROUP_DUE_REGISTER), []);
      return true;
    }
    const token = ctx.random(TOKEN_LENGTH);
    const epoch = g.session.group.epoch;
    await ctx.relay.registerToken(token, g.record.token);
    const self = ctx.identity.publicKey;
    const roster = g.record.roster.map((e) => (equalBytes(e.identityKey, self) ? selfEntry(ctx, token, epoch) : e));
    const owes = GROUP_DUE_TELL | (roleOf(g.session.group, self) === 'admin' ? GROUP_DUE_ROSTER : 0);
    await commitGroup(ctx, id, withDue({ ...g, record: { ...g.record, token, roster } }, owes, GROUP_DUE_REGISTER), []);
    return true;
  });
  if (registered) await settleDue(ctx, id);
}

/** Our entry holds the record's token at an epoch no earlier than the rotation epoch. */
function isCurrent(ctx: ClientContext, g: Group): boolean {
  const mine = rosterEntry(g.record.roster, ctx.identity.publicKey);
  return mine !== undefined && mine.epoch >= g.record.rotation && mine.token !== undefined && equalBytes(mine.token, g.record.token);
}

function hasDue(g: Group, bit: number): boolean {
  return ((g.record.due ?? 0) & bit) !== 0;
}

/** `g` with the `set` bits owed and the `clear` bits done. */
export function withDue(g: Group, set: number, clear: number): Group {
  return { ...g, record: { ...g.record, due: ((g.record.due ?? 0) & ~clear) | set } };
}

/** Marks `bit` done in group `id` (in the lane), if the group is still there. */
async function done(ctx: ClientContext, id: string, bit: number): Promise<void> {
  await ctx.lane.run(async () => {
    const g = ctx.groups.find(id);
    if (g !== undefined && hasDue(g, bit)) await commitGroup(ctx, id, withDue(g, 0, bit), []);
  });
}

/** The owed steps other than registration: telling the admins our token, and (as an admin) the roster broadcast. */
async function settleDue(ctx: ClientContext, id: string): Promise<void> {
  const g = ctx.groups.find(id);
  if (g === undefined || ctx.closed) return;
  await Promise.all([
    hasDue(g, GROUP_DUE_TELL) ? tellAdmins(ctx, id, g) : undefined,
    hasDue(g, GROUP_DUE_ROSTER) ? scheduleRoster(ctx, id) : undefined,
  ]);
}

/**
 * Sends our current token to every other admin, an admin too: its roster goes only to current tokens, so two admins
 * that rotated together would otherwise never learn each other's new token (the devices of one account are often
 * all admins). Done once every send settled for good.
 */
async function tellAdmins(ctx: ClientContext, id: string, g: Group): Promise<void> {
  const self = ctx.identity.publicKey;
  const mine = rosterEntry(g.record.roster, self);
  if (mine?.token === undefined) return;
  const control = encodeGroupControl({ type: 'member-token', groupId: g.session.group.groupId, mailbox: ctx.mailbox as Bytes, token: mine.token, epoch: mine.epoch });
  const admins = g.session.group.members.filter((m) => m.role === 'admin' && !equalBytes(m.identityKey, self));
  const peers = admins.map((m) => reach(ctx, g, m.identityKey)).filter((p): p is Peer => p !== undefined);
  if (await allEnded(ctx, peers, (p) => sendControl(ctx, p, control))) await done(ctx, id, GROUP_DUE_TELL);
}

/** Sends to every peer; true when every send ended (owed-sends.ts), false if one stays owed. */
async function allEnded(ctx: ClientContext, peers: readonly Peer[], send: (p: Peer) => Promise<void>): Promise<boolean> {
  const results = await Promise.allSettled(peers.map(send));
  return endedSends(ctx, peers, results).length === peers.length;
}

/**
 * After a (re)connection: finishes what a crash or a lost connection interrupted — a token rotation or
 * registration, telling the admins, a roster broadcast — and an acting admin removes the devices it excluded
 * before (client.md §10.6).
 */
export async function resumeRotations(ctx: ClientContext): Promise<void> {
  // Groups side by side: one whose sends wait (a member's full mailbox) does not hold up the others.
  const resumed = await Promise.allSettled(ctx.groups.ids().map(async (id) => {
    await rotate(ctx, id);
    await deliverOwed(ctx, id);
  }));
  for (const r of resumed) if (r.status === 'rejected' && !isInterrupted(r.reason)) ctx.events.emit('error', { error: r.reason });
  await reconcileAll(ctx);
}

/** An admin batches member tokens that arrive together into one roster broadcast (owed in the record until sent). */
export async function scheduleRoster(ctx: ClientContext, id: string): Promise<void> {
  if (ctx.groups.rosterDue.has(id)) return;
  ctx.groups.rosterDue.add(id);
  await new Promise((resolve) => setTimeout(resolve, ROSTER_DELAY_MS));
  ctx.groups.rosterDue.delete(id);
  if (ctx.groups.find(id) === undefined || ctx.closed) return;
  // Done only if no other broadcast was scheduled meanwhile: that one owes the newer tokens.
  if (await broadcastRoster(ctx, id) && !ctx.groups.rosterDue.has(id)) await done(ctx, id, GROUP_DUE_ROSTER);
}

/** Sends the roster to every member with a current token; true once every send settled for good. */
async function broadcastRoster(ctx: ClientContext, id: string): Promise<boolean> {
  const g = ctx.groups.get(id);
  // A token from an epoch we have not reached: the change is on its way, and its rotation broadcasts again.
  if (g.record.roster.some((e) => e.epoch > g.session.group.epoch)) return false;
  // A channel's readers get the admins' entries and their own only (§6.6).
  const control = (to: Peer): Bytes => encodeGroupControl({ type: 'roster', groupId: g.session.group.groupId, roster: rosterFor(g, to.identityKey) });
  return allEnded(ctx, othersIn(ctx, g, peerIn), (p) => sendControl(ctx, p, control(p)));
}
