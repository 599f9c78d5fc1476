/**
 * Our own membership operations (spec/client.md §6.2, §6.6): creating a group
 * or channel, adding and removing members and subscribers, leaving. Each change is committed
 * first, then announced in pairwise control messages to everyone who was a
 * member before it; a removal or leave starts a token rotation (§6.3).
 */
import { TOKEN_LENGTH } from '../../constants.js';
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { createGroup, encodeGroupSession, proposeChange } from '../../group/index.js';
import { del, put } from '../../store/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { encodeGroupControl, encodeGroupRecord, type GroupRecord, type RosterEntry } from '../../wire/client/group-control.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { isClientError } from '../errors.js';
import { reach, sendControl } from './reach.js';
import { turnedReady } from './readiness.js';
import { rotate } from './rotation.js';
import { entryOf } from './roster.js';
import { commitGroup, groupInfo, selfEntry, type GroupInfo, type GroupOptions } from './state.js';
import { deliverChange, memberPeer, withLogged } from './sync.js';
import { readerWelcome, rosterFor } from './channel.js';

function takesOut(operation: ChangeRequest['operation']): boolean {
  return operation === 'remove' || operation === 'leave' || operation === 'unsubscribe';
}

export async function createGroupWith(ctx: ClientContext, name: string, members: readonly Contact[], options: GroupOptions): Promise<GroupInfo> {
  const token = ctx.random(TOKEN_LENGTH);
  await ctx.relay.registerToken(token);
  const mode = options.channel === true ? 'channel' : 'group';
  const { session, welcome } = createGroup({
    identity: ctx.identity, mode, random: ctx.random,
    members: members.map((c) => ({ identityKey: c.identityKey, role: mode === 'channel' ? 'reader' : 'member' })),
  });
  const roster: RosterEntry[] = [selfEntry(ctx, token, 0), ...members.map((c) => entryOf(c, 0))];
  const id = toHex(session.group.groupId);
  const record: GroupRecord = { session: encodeGroupSession(session), name, roster, token, owed: [], rotation: 0 };
  const ready = await ctx.lane.run(async () => {
    await ctx.store.write([put('groups', id, encodeGroupRecord(record))]);
    ctx.groups.set(id, { record, session });
    return turnedReady(ctx, id);
  });
  const g = ctx.groups.get(id);
  // A channel's readers each get their own view (the admins and themselves, §6.6); a group's members one welcome.
  const welcomeFor = (c: Contact): Bytes => encodeGroupControl({
    type: 'welcome', welcome: mode === 'channel' ? readerWelcome(ctx, session.group, c.identityKey) : welcome, name,
    roster: rosterFor(g, c.identityKey), rotation: 0,
  });
  await Promise.all(members.map((c) => sendControl(ctx, c, welcomeFor(c))));
  ctx.events.emit('group-change', { group: id, change: 'created', members: groupInfo(ctx, id).members });
  if (ready) ctx.events.emit('group-ready', { group: id }); // a group of ourselves alone (a new channel) is ready at once
  return groupInfo(ctx, id);
}

export async function addMember(ctx: ClientContext, id: string, contact: Contact): Promise<GroupInfo> {
  if (ctx.groups.get(id).session.group.mode === 'channel') return addSubscriber(ctx, id, contact);
  const { before, control, welcome } = await change(ctx, id, { operation: 'add', target: contact.identityKey }, (r, epoch) => [...r, entryOf(contact, epoch)]);
  const { record } = ctx.groups.get(id);
  announce(ctx, id, before, control);
  await sendControl(ctx, contact, encodeGroupControl({ type: 'welcome', welcome: welcome as Bytes, name: record.name, roster: record.roster, rotation: record.rotation }));
  ctx.events.emit('group-change', { group: id, change: 'added', members: groupInfo(ctx, id).members });
  return groupInfo(ctx, id);
}

/**
 * The removal is committed, then announced and our token rotated. The announcement does not hold the rotation
 * up: a removed member keeping a mailbox full only delays its delivery (retried, §6.5), never our rotation.
 */
export async function removeMember(ctx: ClientContext, id: string, contact: Contact): Promise<GroupInfo> {
  const g = ctx.groups.get(id);
  const target = reach(ctx, g, contact.identityKey) ?? contact;
  const { before, control } = await change(ctx, id, { operation: 'remove', target: contact.identityKey }, (r) => r.filter((e) => !equalBytes(e.identityKey, contact.identityKey)));
  announce(ctx, id, before, control);
  // The removed member is told once (through the outbox's own retries): it has no claim on our persistence.
  void sendControl(ctx, target, control).catch(() => undefined);
  ctx.events.emit('group-change', { group: id, change: 'removed', members: groupInfo(ctx, id).members });
  // Committed: a lost connection only defers the rotation to the next authentication (§6.3, resumeRotations).
  await rotate(ctx, id).catch((e: unknown) => { if (!isClientError(e, 'NOT_CONNECTED')) throw e; });
  return groupInfo(ctx, id);
}

/** Delivers a change to every member before it, each until delivered or refused for good (in the background). */
function announce(ctx: ClientContext, id: string, before: readonly Bytes[], control: Bytes): void {
  for (const m of before) {
    void deliverChange(ctx, id, m, control, memberPeer(ctx, id, m)).catch((error: unknown) => ctx.events.emit('error', { error }));
  }
}

export async function leaveGroup(ctx: ClientContext, id: string): Promise<void> {
  const g = ctx.groups.get(id);
  const { before, control } = await change(ctx, id, { operation: 'leave', target: ctx.identity.publicKey }, (r) => [...r]);
  const peers = before.map((m) => reach(ctx, g, m)).filter((p): p is Peer => p !== undefined && p.token !== undefined);
  await Promise.allSettled(peers.map((p) => sendControl(ctx, p, control)));
  await ctx.lane.run(async () => {
    await ctx.store.write([del('groups', id)]);
    ctx.groups.delete(id);
  });
  await ctx.relay.revokeToken(g.record.token).catch(() => undefined);
  ctx.events.emit('group-change', { group: id, change: 'left', members: [] });
}

/** A channel's admin makes `contact` a reader (§6.6): the change goes to the admins, the reader gets its own view. */
export async function addSubscriber(ctx: ClientContext, id: string, contact: Contact): Promise<GroupInfo> {
  const { before, control } = await change(ctx, id, { operation: 'subscribe', target: contact.identityKey }, (r, epoch) => [...r, entryOf(contact, epoch)]);
  const g = ctx.groups.get(id);
  announce(ctx, id, before, control);
  await sendControl(ctx, contact, encodeGroupControl({
    type: 'welcome', welcome: readerWelcome(ctx, g.session.group, contact.identityKey), name: g.record.name,
    roster: rosterFor(g, contact.identityKey), rotation: g.record.rotation,
  }));
  ctx.events.emit('group-change', { group: id, change: 'added', members: groupInfo(ctx, id).members });
  return groupInfo(ctx, id);
}

/** A channel's admin takes a reader out (at its request): our next post rotates our sender key (protocol.md §8.9). */
export async function removeSubscriber(ctx: ClientContext, id: string, reader: Bytes): Promise<GroupInfo> {
  const { before, control } = await change(ctx, id, { operation: 'unsubscribe', target: reader }, (r) => r.filter((e) => !equalBytes(e.identityKey, reader)));
  announce(ctx, id, before, control);
  ctx.events.emit('group-change', { group: id, change: 'removed', members: groupInfo(ctx, id).members });
  return groupInfo(ctx, id);
}

type ChangeRequest = { readonly operation: 'add' | 'remove' | 'leave' | 'subscribe' | 'unsubscribe'; readonly target: Bytes };

/** Makes a membership change as ourselves; commits it (and logs it, §6.5); returns who must hear of it (identity keys). */
async function change(
  ctx: ClientContext, id: string, request: ChangeRequest, roster: (r: readonly RosterEntry[], epoch: number) => RosterEntry[],
): Promise<{ before: Bytes[]; control: Bytes; welcome: Bytes | null }> {
  return ctx.lane.run(async () => {
    const g = ctx.groups.get(id);
    // In a channel only the admins hear of changes: a reader never learns of another (§6.6).
    const before = g.session.group.members
      .filter((m) => !equalBytes(m.identityKey, ctx.identity.publicKey) && !equalBytes(m.identityKey, request.target))
      .filter((m) => g.session.group.mode !== 'channel' || m.role === 'admin')
      .map((m) => m.identityKey);
    const result = proposeChange(g.session, ctx.identity, { operation: request.operation, target: request.target });
    const epoch = result.session.group.epoch;
    // A removal or leave sets the rotation epoch (client.md §6.3); an addition keeps it, and so does any change
    // in a channel, whose readers never see changes and so never rotate (§6.6).
    const rotation = takesOut(request.operation) && g.session.group.mode !== 'channel' ? epoch : g.record.rotation;
    const record = withLogged({ ...g.record, roster: roster(g.record.roster, epoch), rotation }, result.encoded);
    await commitGroup(ctx, id, { session: result.session, record }, []);
    return { before, control: encodeGroupControl({ type: 'change', change: result.encoded, roster: record.roster }), welcome: result.welcome };
  });
}
