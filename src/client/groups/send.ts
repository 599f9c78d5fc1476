/**
 * Sending to a group (spec/client.md §6.2): distribute our sender key to
 * members who lack it (owed to those whose token is not known yet), then
 * take a slot of the group (backpressure, §5.5), commit one group message
 * with its outbox entry and upload it once for the relay to fan out (in
 * requests of at most RELAY_MAX_FANOUT recipients, outbox.ts).
 */
import { equalBytes, type Bytes } from '../../crypto/index.js';
import { groupEncrypt, prepareSend, roleOf } from '../../group/index.js';
import { encodeContent, type Content } from '../../wire/client/content.js';
import { encodeGroupControl, type GroupRecord } from '../../wire/client/group-control.js';
import { encodeRelayEnvelope } from '../../wire/client/relay-envelope.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { ClientError, isClientError, isInterrupted } from '../errors.js';
import { isFinal } from '../messaging/owed-sends.js';
import { requireNotRevoked } from '../devices/revoked.js';
import { othersIn, peerIn, sendControl } from './reach.js';
import { isExcluded } from './exclusion.js';
import { commitGroup } from './state.js';
import { adminsOf, askForChanges, isBehind } from './sync.js';

/** The admission key of a group's posts (§5.5): one fan-out entry per post, at most OUTBOX_QUEUE_PER_MAILBOX per group. */
export function groupSlotKey(id: string): string {
  return `group:${id}`;
}

export async function sendToGroup(ctx: ClientContext, id: string, content: Content): Promise<void> {
  requireNotRevoked(ctx); // client.md §10.5
  refuseWhileBehind(ctx, id);
  await distributeSenderKey(ctx, id);
  // Taken after the distributions (which take their members' slots), so a post never holds one while waiting for another.
  const admitted = ctx.outbox.admit(groupSlotKey(id));
  const slot = admitted instanceof Promise ? await admitted : admitted;
  let staged: string | undefined;
  let key: string | undefined;
  try {
    key = await post(ctx, id, content, (k) => { staged = k; });
  } catch (e) {
    if (staged !== undefined) ctx.outbox.unstage(staged);
    slot.release();
    throw e;
  }
  if (key === undefined) {
    slot.release();
    return;
  }
  const done = ctx.outbox.waitFor(key, slot);
  ctx.outbox.pump();
  await done;
}

/** Encrypts and commits one post with its fan-out entry; its outbox key, or undefined when there is nobody to send it to. */
function post(ctx: ClientContext, id: string, content: Content, stage: (key: string) => void): Promise<string | undefined> {
  return ctx.lane.run(async () => {
    refuseWhileBehind(ctx, id);
    const g = ctx.groups.get(id);
    const { session, message } = groupEncrypt(g.session, encodeContent(content));
    const recipients = othersIn(ctx, g, peerIn).map((p) => ({ mailbox: p.mailbox, token: p.token as Bytes }));
    // A post that reaches no one must not resolve as sent (client.md §6.2); nothing is committed.
    if (recipients.length === 0 && g.session.group.members.some((m) => !equalBytes(m.identityKey, ctx.identity.publicKey) && !isExcluded(g, m.identityKey))) {
      throw new ClientError('NOT_READY', 'no member of this group can be reached yet: wait until the group is ready', { group: id });
    }
    const key = ctx.outbox.nextKey();
    const entry = ctx.outbox.entry(key, { id: content.id, to: id, recipients, envelope: encodeRelayEnvelope({ kind: 'group', data: message }), fanout: true });
    if (recipients.length > 0) stage(key);
    else ctx.outbox.unstage(key);
    await commitGroup(ctx, id, { ...g, session }, recipients.length > 0 ? [entry] : []);
    return recipients.length > 0 ? key : undefined;
  });
}

/**
 * A member that knows of a later epoch than its own does not post (client.md §6.5): the change it missed may
 * have removed someone who still holds our sender key. It asks the admins again and fails BEHIND.
 */
function refuseWhileBehind(ctx: ClientContext, id: string): void {
  const g = ctx.groups.get(id);
  if (!isBehind(g, ctx.now())) return;
  void askForChanges(ctx, id, adminsOf(ctx, g)).catch((error: unknown) => ctx.events.emit('error', { error }));
  throw new ClientError('BEHIND', 'another member is at a later group epoch: the missing changes were requested', {
    group: id, epoch: g.session.group.epoch, seen: g.record.seen ?? 0,
  });
}

async function distributeSenderKey(ctx: ClientContext, id: string): Promise<void> {
  const deliveries = await ctx.lane.run(async () => {
    const g = ctx.groups.get(id);
    const prepared = prepareSend(g.session, ctx.random);
    const reachable: { peer: Peer; payload: Bytes }[] = [];
    const owed = [...g.record.owed];
    for (const d of prepared.distributions) {
      if (isExcluded(g, d.recipient)) continue; // a revoked device is never given our key (client.md §10.6)
      const peer = peerIn(ctx, g, d.recipient);
      if (peer === undefined) owed.push({ identityKey: d.recipient, distribution: d.payload });
      else reachable.push({ peer, payload: d.payload });
    }
    await commitGroup(ctx, id, { ...g, session: prepared.session, record: { ...g.record, owed } }, []);
    return reachable;
  });
  const outcomes = await Promise.allSettled(deliveries.map((d) => deliver(ctx, d.peer, d.payload)));
  // Refused on a replaced token, or cut off by a lost connection: owed again, so no member is left without our key.
  const owed = deliveries.filter((_, i) => stillOwed(outcomes[i]!));
  if (owed.length > 0) await oweAgain(ctx, id, owed.map((d) => ({ identityKey: d.peer.identityKey, distribution: d.payload })));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

type Delivery = 'sent' | 'refused';

/** A distribution stays owed if the relay refused its replaced token, or its send did not end (owed-sends.ts). */
function stillOwed(r: PromiseSettledResult<Delivery>): boolean {
  return r.status === 'fulfilled' ? r.value === 'refused' : !isFinal(r.reason);
}

/**
 * Sends one distribution through the member's group token; 'refused' when the relay refused that token
 * (TOKEN_REFUSED): the member already replaced it in a rotation (client.md §6.3) whose change or roster has not
 * reached us yet.
 */
async function deliver(ctx: ClientContext, peer: Peer, distribution: Bytes): Promise<Delivery> {
  try {
    await sendControl(ctx, peer, encodeGroupControl({ type: 'distribution', distribution }));
    return 'sent';
  } catch (e) {
    if (isClientError(e, 'RELAY_ERROR') && e.details['relayCode'] === 'TOKEN_REFUSED') return 'refused';
    throw e;
  }
}

/**
 * Distributions refused on a replaced token are owed again, as to a member whose token is not known yet (§6.2):
 * its new token arrives with the rotation's roster or member-token, and the distribution follows. Not to a member
 * excluded or removed meanwhile.
 */
async function oweAgain(ctx: ClientContext, id: string, owed: readonly Owed[]): Promise<void> {
  await ctx.lane.run(async () => {
    const g = ctx.groups.find(id);
    if (g === undefined) return;
    const still = owed.filter((o) => roleOf(g.session.group, o.identityKey) !== null && !isExcluded(g, o.identityKey));
    if (still.length > 0) await commitGroup(ctx, id, { ...g, record: { ...g.record, owed: [...g.record.owed, ...still] } }, []);
  });
}

type Owed = GroupRecord['owed'][number];

/** Owed distributions being delivered now: a second roster arriving meanwhile does not send them twice. */
const DELIVERING = new WeakSet<Owed>();

/**
 * Delivers the owed distributions whose members are reachable now (a roster or member token arrived, or we
 * reconnected). Each stays in the record until delivered or refused for good, so a lost connection or a restart
 * only defers it (client.md §6.2); one refused on a replaced token stays owed for the next token.
 */
export async function deliverOwed(ctx: ClientContext, id: string): Promise<void> {
  const g = ctx.groups.find(id);
  if (g === undefined || ctx.closed) return;
  const due = g.record.owed
    .filter((o) => !DELIVERING.has(o))
    .map((o) => ({ o, peer: peerIn(ctx, g, o.identityKey) }))
    .filter((d): d is { o: Owed; peer: Peer } => d.peer !== undefined);
  if (due.length === 0) return;
  for (const d of due) DELIVERING.add(d.o);
  const outcomes = await Promise.allSettled(due.map((d) => deliver(ctx, d.peer, d.o.distribution)));
  for (const d of due) DELIVERING.delete(d.o);
  for (const r of outcomes) if (r.status === 'rejected' && !isInterrupted(r.reason)) ctx.events.emit('error', { error: r.reason });
  const settled = new Set(due.filter((_, i) => !stillOwed(outcomes[i]!)).map((d) => d.o));
  if (settled.size === 0) return;
  await ctx.lane.run(async () => {
    const now = ctx.groups.find(id);
    if (now !== undefined) await commitGroup(ctx, id, { ...now, record: { ...now.record, owed: now.record.owed.filter((o) => !settled.has(o)) } }, []);
  });
}
