/**
 * Group token rotation (spec/client.md §6.3): after a removal or a leave
 * every remaining member replaces its group token at the relay (one
 * token_add with `replaces`), so a former member's tokens reach no one; the
 * new token goes to the admins (an admin's too), who pass it on in the roster.
 */
import { ROSTER_DELAY_MS, TOKEN_LENGTH } from '../../constants.js';
import { equalBytes, type Bytes } from '../../crypto/index.js';
import { roleOf } from '../../group/index.js';
import { encodeGroupControl } from '../../wire/client/group-control.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { othersIn, peerIn, reach, sendControl } from './reach.js';
import { commitGroup, selfEntry } from './state.js';
import { rosterFor } from './channel.js';
import { reconcileAll } from './devices.js';

/**
 * Replaces our group token if it predates the group's rotation epoch, then
 * tells the admins; an admin schedules a roster broadcast instead.
 */
export async function rotate(ctx: ClientContext, id: string): Promise<void> {
  const self = ctx.identity.publicKey;
  const rotated = await ctx.lane.run(async () => {
    const g = ctx.groups.find(id);
    if (g === undefined || ctx.closed) return undefined;
    const mine = g.record.roster.find((e) => equalBytes(e.identityKey, self));
    if (mine !== undefined && mine.epoch >= g.record.rotation && mine.token !== undefined && equalBytes(mine.token, g.record.token)) return undefined;
    const token = ctx.random(TOKEN_LENGTH);
    const epoch = g.session.group.epoch;
    await ctx.relay.registerToken(token, g.record.token);
    const roster = g.record.roster.map((e) => (equalBytes(e.identityKey, self) ? selfEntry(ctx, token, epoch) : e));
    await commitGroup(ctx, id, { ...g, record: { ...g.record, token, roster } }, []);
    return { g: ctx.groups.get(id), token, epoch };
  });
  if (rotated === undefined) return;
  const { g, token, epoch } = rotated;
  // Every other admin is told, an admin too: its roster goes only to current tokens, so two admins that rotated
  // together would otherwise never learn each other's new token (the devices of one account are often all admins).
  const control = encodeGroupControl({ type: 'member-token', groupId: g.session.group.groupId, mailbox: ctx.mailbox as Bytes, token, epoch });
  const admins = g.session.group.members.filter((m) => m.role === 'admin' && !equalBytes(m.identityKey, self));
  const told = Promise.all(admins.map((m) => reach(ctx, g, m.identityKey)).filter((p): p is Peer => p !== undefined).map((p) => sendControl(ctx, p, control)));
  await Promise.all([told, roleOf(g.session.group, self) === 'admin' ? scheduleRoster(ctx, id) : undefined]);
}

/**
 * After a (re)connection: finishes any token rotation that a crash or a lost connection interrupted, and an acting
 * admin removes the devices it excluded before (client.md §10.6).
 */
export async function resumeRotations(ctx: ClientContext): Promise<void> {
  for (const id of ctx.groups.ids()) await rotate(ctx, id);
  await reconcileAll(ctx);
}

/** An admin batches member tokens that arrive together into one roster broadcast. */
export async function scheduleRoster(ctx: ClientContext, id: string): Promise<void> {
  if (ctx.groups.rosterDue.has(id)) return;
  ctx.groups.rosterDue.add(id);
  await new Promise((resolve) => setTimeout(resolve, ROSTER_DELAY_MS));
  ctx.groups.rosterDue.delete(id);
  if (ctx.groups.find(id) !== undefined && !ctx.closed) await broadcastRoster(ctx, id);
}

async function broadcastRoster(ctx: ClientContext, id: string): Promise<void> {
  const g = ctx.groups.get(id);
  // A token from an epoch we have not reached: the change is on its way, and its rotation broadcasts again.
  if (g.record.roster.some((e) => e.epoch > g.session.group.epoch)) return;
  // A channel's readers get the admins' entries and their own only (§6.6).
  const control = (to: Peer): Bytes => encodeGroupControl({ type: 'roster', groupId: g.session.group.groupId, roster: rosterFor(g, to.identityKey) });
  await Promise.all(othersIn(ctx, g, peerIn).map((p) => sendControl(ctx, p, control(p))));
}
