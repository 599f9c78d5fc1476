/**
 * Channels: an account posts, subscribers read (spec/client.md §6.6). A
 * reader sees the admins and itself, never another reader: its welcome is
 * signed over that view, its roster lists the admins only, changes go to the
 * admins only, and a reader's own group token goes to the admins alone. An
 * account publishes a channel invitation (a multi-use contact invitation and
 * the channel id); a subscriber accepts it and asks to be made a reader.
 */
import { equalBytes, fromHex, toHex, type Bytes } from '../../crypto/index.js';
import { createWelcome, roleOf, type GroupState } from '../../group/index.js';
import { del } from '../../store/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { encodeGroupControl, type RosterEntry } from '../../wire/client/group-control.js';
import { acceptInvite, createInvite } from '../contacts/invitations.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import type { InboundEffects } from '../inbound/effects.js';
import type { Group } from './book.js';
import { reach, sendControl } from './reach.js';

const PREFIX = 'parley-channel:';

/** Is `identityKey` a reader of channel `g` (as far as we know)? */
export function isReaderIn(g: Group, identityKey: Bytes): boolean {
  return g.session.group.mode === 'channel' && roleOf(g.session.group, identityKey) === 'reader';
}

/** The state a reader holds: the admins and itself (§6.6), signed as its welcome. */
export function readerView(group: GroupState, reader: Bytes): GroupState {
  return { ...group, members: group.members.filter((m) => m.role === 'admin' || equalBytes(m.identityKey, reader)) };
}

export function readerWelcome(ctx: ClientContext, group: GroupState, reader: Bytes): Bytes {
  return createWelcome(readerView(group, reader), ctx.identity.privateKey);
}

/** The roster entries a member may see: a reader of a channel, only the admins' and its own. */
export function rosterFor(g: Group, recipient: Bytes, roster: readonly RosterEntry[] = g.record.roster): readonly RosterEntry[] {
  if (!isReaderIn(g, recipient)) return roster;
  return roster.filter((e) => equalBytes(e.identityKey, recipient) || roleOf(g.session.group, e.identityKey) === 'admin');
}

/** An admin's channel invitation: `parley-channel:<channel id hex>:<multi-use contact invitation>`. */
export async function createChannelInvite(ctx: ClientContext, id: string): Promise<{ readonly text: string }> {
  const g = ctx.groups.get(id);
  if (g.session.group.mode !== 'channel' || roleOf(g.session.group, ctx.identity.publicKey) !== 'admin') {
    throw new ClientError('NOT_ALLOWED', 'only an admin of a channel publishes its invitation', { group: id });
  }
  const invite = await createInvite(ctx, { multiUse: true });
  return { text: `${PREFIX}${id}:${invite.text}` };
}

function parseChannelInvite(text: string): { id: string; invite: string } {
  const rest = text.trim().startsWith(PREFIX) ? text.trim().slice(PREFIX.length) : '';
  const at = rest.indexOf(':');
  const id = rest.slice(0, at);
  if (at !== 32 || !/^[0-9a-f]{32}$/.test(id)) throw new ClientError('INVALID_ARGUMENT', 'not a channel invitation');
  return { id, invite: rest.slice(at + 1) };
}

/**
 * Subscribes through a channel invitation: becomes the account's contact, then asks it to make us a reader.
 * Resolves once the request is durable at the relay; the channel arrives as group-change `joined`.
 */
export async function subscribe(ctx: ClientContext, text: string): Promise<{ readonly channel: string; readonly contact: Contact }> {
  const { id, invite } = parseChannelInvite(text);
  const contact = await acceptInvite(ctx, invite);
  await sendControl(ctx, contact, encodeGroupControl({ type: 'subscribe', groupId: fromHex(id) }));
  return { channel: id, contact };
}

/** A reader leaves a channel: the admins are asked to take it out; the channel is forgotten here at once. */
export async function unsubscribe(ctx: ClientContext, id: string): Promise<void> {
  const g = ctx.groups.get(id);
  if (!isReaderIn(g, ctx.identity.publicKey)) throw new ClientError('NOT_ALLOWED', 'only a reader of a channel unsubscribes', { group: id });
  const control = encodeGroupControl({ type: 'unsubscribe', groupId: g.session.group.groupId });
  const admins = g.session.group.members.filter((m) => m.role === 'admin').map((m) => reach(ctx, g, m.identityKey));
  await Promise.allSettled(admins.map((p) => (p === undefined ? Promise.resolve() : sendControl(ctx, p, control))));
  await ctx.lane.run(async () => {
    await ctx.store.write([del('groups', id)]);
    ctx.groups.delete(id);
  });
  await ctx.relay.revokeToken(g.record.token).catch(() => undefined);
  ctx.events.emit('group-change', { group: id, change: 'left', members: [] });
}

/** An admin's side of a subscription request (a contact asks) or of an unsubscription (a reader asks). */
export function onSubscription(
  ctx: ClientContext, sender: Bytes, contact: Contact | undefined, type: 'subscribe' | 'unsubscribe', groupId: Bytes, fx: InboundEffects,
  act: { subscribe: (id: string, c: Contact) => Promise<unknown>; unsubscribe: (id: string, reader: Bytes) => Promise<unknown> },
): void {
  const id = toHex(groupId);
  const g = ctx.groups.find(id);
  if (g === undefined || g.session.group.mode !== 'channel' || roleOf(g.session.group, ctx.identity.publicKey) !== 'admin') return;
  if (type === 'subscribe' && contact !== undefined && !contact.blocked && roleOf(g.session.group, sender) === null) {
    fx.followUps.push(() => act.subscribe(id, contact).then(() => undefined));
  }
  if (type === 'unsubscribe' && isReaderIn(g, sender)) fx.followUps.push(() => act.unsubscribe(id, sender).then(() => undefined));
}
