/**
 * Our own membership operations (spec/client.md §6.2, §6.6): creating a group
 * or channel, adding and removing members and subscribers, leaving. Each change is committed
 * first, then announced in pairwise control messages to everyone who was a
 * member before it; a removal or leave starts a token rotation (§6.3).
 */
import { TOKEN_LENGTH } from '../../constants.js';
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { createGroup, encodeGroupSession, proposeChange, roleOf, type GroupRole } from '../../group/index.js';
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
import { isReaderIn, readerWelcome, rosterFor } from './channel.js';
import { siblingPeers } from '../devices/index.js';
import { devicesInGroup, reachableDevices } from './members.js';

function takesOut(operation: ChangeRequest['operation']): boolean {
  return operation === 'remove' || operation === 'leave' || operation === 'unsubscribe';
}

export async function createGroupWith(ctx: ClientContext, name: string, members: readonly Contact[], options: GroupOptions): Promise<GroupInfo> {
  const token = ctx.random(TOKEN_LENGTH);
  await ctx.relay.registerToken(token);
  const mode = options.channel === true ? 'channel' : 'group';
  // Members are devices (client.md §10.6): every reachable device of each contact, and our own siblings as admins.
  const joiners = [
    ...members.flatMap((c) => devicesToAdd(c).map((peer) => ({ peer, role: mode === 'channel' ? 'reader' as const : 'member' as const }))),
    ...siblingPeers(ctx).map((peer) => ({ peer, role: 'admin' as const })),
  ];
  const { session, welcome } = createGroup({
    identity: ctx.identity, mode, random: ctx.random, members: joiners.map((j) => ({ identityKey: j.peer.identityKey, role: j.role })),
  });
  const roster: RosterEntry[] = [selfEntry(ctx, token, 0), ...joiners.map((j) => entryOf(j.peer, 0))];
  const id = toHex(session.group.groupId);
  const record: GroupRecord = { session: encodeGroupSession(session), name, roster, token, owed: [], rotation: 0 };
  const ready = await ctx.lane.run(async () => {
    await ctx.store.write([put('groups', id, encodeGroupRecord(record))]);
    ctx.groups.set(id, { record, session });
    return turnedReady(ctx, id);
  });
  await Promise.all(joiners.map((j) => sendControl(ctx, j.peer, welcomeFor(ctx, id, j.peer.identityKey, welcome))));
  ctx.events.emit('group-change', { group: id, change: 'created', members: groupInfo(ctx, id).members });
  if (ready) ctx.events.emit('group-ready', { group: id }); // a group of ourselves alone (a new channel) is ready at once
  return groupInfo(ctx, id);
}

/** The welcome for device `key`: a channel's reader gets its own view (the admins and itself, §6.6), anyone else `full`. */
function welcomeFor(ctx: ClientContext, id: string, key: Bytes, full: Bytes): Bytes {
  const g = ctx.groups.get(id);
  const reader = isReaderIn(g, key);
  return encodeGroupControl({
    type: 'welcome', welcome: reader ? readerWelcome(ctx, g.session.group, key) : full, name: g.record.name,
    roster: rosterFor(g, key), rotation: g.record.rotation,
  });
}

/** The devices of a contact to add (client.md §10.6): each listed one we can reach; the contact itself if none is yet. */
function devicesToAdd(contact: Contact): Peer[] {
  const reachable = reachableDevices(contact);
  return reachable.length > 0 ? reachable : [contact];
}

export async function addMember(ctx: ClientContext, id: string, contact: Contact): Promise<GroupInfo> {
  if (ctx.groups.get(id).session.group.mode === 'channel') return addSubscriber(ctx, id, contact);
  await addDevices(ctx, id, devicesToAdd(contact), 'member');
  return groupInfo(ctx, id);
}

/**
 * Adds member devices with `role` (a reader of a channel subscribes), in one commit, then announces the changes and
 * welcomes each new device. Devices already members are skipped. Emits group-change `added`.
 */
export async function addDevices(ctx: ClientContext, id: string, peers: readonly Peer[], role: GroupRole): Promise<void> {
  const g = ctx.groups.get(id);
  const fresh = peers.filter((p, i) => roleOf(g.session.group, p.identityKey) === null && peers.findIndex((q) => equalBytes(q.identityKey, p.identityKey)) === i);
  if (fresh.length === 0) return;
  const operation = role === 'reader' ? 'subscribe' : 'add';
  const { before, control, welcome } = await change(ctx, id, fresh.map((p) => ({
    request: { operation, target: p.identityKey, ...(operation === 'add' && { role }) }, roster: (r, epoch) => [...r, entryOf(p, epoch)],
  })));
  announce(ctx, id, before, control);
  await Promise.all(fresh.map((p) => sendControl(ctx, p, welcomeFor(ctx, id, p.identityKey, welcome as Bytes))));
  ctx.events.emit('group-change', { group: id, change: 'added', members: groupInfo(ctx, id).members });
}

/**
 * The removal of every device of the contact's account is committed, then announced and our token rotated. The
 * announcement does not hold the rotation up: a removed member keeping a mailbox full only delays its delivery
 * (retried, §6.5), never our rotation.
 */
export async function removeMember(ctx: ClientContext, id: string, contact: Contact): Promise<GroupInfo> {
  const inGroup = devicesInGroup(ctx, ctx.groups.get(id), contact.identityKey);
  await removeDevices(ctx, id, inGroup.length > 0 ? inGroup : [contact.identityKey], true);
  return groupInfo(ctx, id);
}

/**
 * Removes member devices in one commit, announces it, rotates our token. `tell`: each removed device is told once
 * (through the outbox's own retries: it has no claim on our persistence) — not a revoked device, which hears
 * nothing from us any more (client.md §10.6). Emits group-change `removed`.
 */
export async function removeDevices(ctx: ClientContext, id: string, keys: readonly Bytes[], tell: boolean): Promise<void> {
  const g = ctx.groups.get(id);
  const targets = keys.map((k) => ({ key: k, peer: tell ? reach(ctx, g, k) ?? ctx.contacts.byIdentityKey(k) : undefined }));
  const { before, control } = await change(ctx, id, keys.map((k) => ({
    request: { operation: 'remove', target: k }, roster: (r) => r.filter((e) => !equalBytes(e.identityKey, k)),
  })));
  announce(ctx, id, before, control);
  for (const t of targets) if (t.peer !== undefined) void sendControl(ctx, t.peer, control).catch(() => undefined);
  ctx.events.emit('group-change', { group: id, change: 'removed', members: groupInfo(ctx, id).members });
  // Committed: a lost connection only defers the rotation to the next authentication (§6.3, resumeRotations).
  await rotate(ctx, id).catch((e: unknown) => { if (!isClientError(e, 'NOT_CONNECTED')) throw e; });
}

/** Delivers a change to every member before it, each until delivered or refused for good (in the background). */
function announce(ctx: ClientContext, id: string, before: readonly Bytes[], control: Bytes): void {
  for (const m of before) {
    void deliverChange(ctx, id, m, control, memberPeer(ctx, id, m)).catch((error: unknown) => ctx.events.emit('error', { error }));
  }
}

export async function leaveGroup(ctx: ClientContext, id: string): Promise<void> {
  const g = ctx.groups.get(id);
  const { before, control } = await change(ctx, id, [{ request: { operation: 'leave', target: ctx.identity.publicKey }, roster: (r) => [...r] }]);
  const peers = before.map((m) => reach(ctx, g, m)).filter((p): p is Peer => p !== undefined && p.token !== undefined);
  await Promise.allSettled(peers.map((p) => sendControl(ctx, p, control)));
  await ctx.lane.run(async () => {
    await ctx.store.write([del('groups', id)]);
    ctx.groups.delete(id);
  });
  await ctx.relay.revokeToken(g.record.token).catch(() => undefined);
  ctx.events.emit('group-change', { group: id, change: 'left', members: [] });
}

/** A channel's admin makes `contact` a reader (§6.6), each of its devices: the change goes to the admins, each reader its own view. */
export async function addSubscriber(ctx: ClientContext, id: string, contact: Contact): Promise<GroupInfo> {
  await addDevices(ctx, id, devicesToAdd(contact), 'reader');
  return groupInfo(ctx, id);
}

/** A channel's admin takes a reader out (at its request): our next post rotates our sender key (protocol.md §8.9). */
export async function removeSubscriber(ctx: ClientContext, id: string, reader: Bytes): Promise<GroupInfo> {
  const { before, control } = await change(ctx, id, [{ request: { operation: 'unsubscribe', target: reader }, roster: (r) => r.filter((e) => !equalBytes(e.identityKey, reader)) }]);
  announce(ctx, id, before, control);
  ctx.events.emit('group-change', { group: id, change: 'removed', members: groupInfo(ctx, id).members });
  return groupInfo(ctx, id);
}

type ChangeRequest = {
  readonly operation: 'add' | 'remove' | 'leave' | 'subscribe' | 'unsubscribe'; readonly target: Bytes; readonly role?: GroupRole;
};
type ChangeStep = { readonly request: ChangeRequest; readonly roster: (r: readonly RosterEntry[], epoch: number) => RosterEntry[] };

/**
 * Makes membership changes as ourselves, one after another, and commits them together (and logs them, §6.5);
 * returns who must hear of them (device keys), the control that tells them — one `change`, or for several the
 * `changes` an admin sends, in order, with its roster — and the welcome at the final state (add, subscribe).
 */
async function change(ctx: ClientContext, id: string, steps: readonly ChangeStep[]): Promise<{ before: Bytes[]; control: Bytes; welcome: Bytes | null }> {
  return ctx.lane.run(async () => {
    const g = ctx.groups.get(id);
    const targets = steps.map((s) => s.request.target);
    // In a channel only the admins hear of changes: a reader never learns of another (§6.6).
    const before = g.session.group.members
      .filter((m) => !equalBytes(m.identityKey, ctx.identity.publicKey) && !targets.some((t) => equalBytes(m.identityKey, t)))
      .filter((m) => g.session.group.mode !== 'channel' || m.role === 'admin')
      .map((m) => m.identityKey);
    let { session, record } = g;
    let welcome: Bytes | null = null;
    const encoded: Bytes[] = [];
    for (const { request, roster } of steps) {
      const result = proposeChange(session, ctx.identity, request);
      const epoch = result.session.group.epoch;
      // A removal or leave sets the rotation epoch (client.md §6.3); an addition keeps it, and so does any change
      // in a channel, whose readers never see changes and so never rotate (§6.6).
      const rotation = takesOut(request.operation) && session.group.mode !== 'channel' ? epoch : record.rotation;
      record = withLogged({ ...record, roster: roster(record.roster, epoch), rotation }, result.encoded);
      ({ session } = result);
      welcome = result.welcome;
      encoded.push(result.encoded);
    }
    await commitGroup(ctx, id, { session, record }, []);
    const control = encoded.length === 1
      ? encodeGroupControl({ type: 'change', change: encoded[0] as Bytes, roster: record.roster })
      : encodeGroupControl({ type: 'changes', groupId: session.group.groupId, changes: encoded, epoch: session.group.epoch, roster: record.roster });
    return { before, control, welcome };
  });
}
