/**
 * How to reach a fellow group member (spec/client.md §6.2): through its
 * current group token from the roster, whether or not it is one of our
 * contacts. A member who is not a contact is a Peer, never a Contact.
 */
import { equalBytes, type Bytes } from '../../crypto/index.js';
import { encodePayload } from '../../wire/client/payload.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { sendPayload } from '../messaging/send.js';
import type { Group } from './book.js';
import { isExcluded } from './exclusion.js';
import { deviceAddress } from './members.js';
import { currentToken, peerOf, rosterEntry } from './roster.js';

/**
 * The member with its current group token, or undefined while that token is unknown or replaced, or the member is
 * excluded (§10.6). Members are devices: the peer is named by its contact (if any) but keyed by the device's own key.
 */
export function peerIn(ctx: ClientContext, g: Group, identityKey: Bytes): Peer | undefined {
  const e = rosterEntry(g.record.roster, identityKey);
  const token = currentToken(e, g.record.rotation);
  if (e === undefined || token === undefined || isExcluded(g, identityKey)) return undefined;
  const contact = ctx.contacts.byIdentityKey(identityKey);
  return { ...(contact ?? peerOf(e)), identityKey: e.identityKey, mailbox: e.mailbox, token };
}

/**
 * For control messages: the current group token, else the device's own address (a contact's device or our
 * sibling), else the last group token we knew; nothing for an excluded member.
 */
export function reach(ctx: ClientContext, g: Group, identityKey: Bytes): Peer | undefined {
  if (isExcluded(g, identityKey)) return undefined;
  const contact = ctx.contacts.byIdentityKey(identityKey);
  const e = rosterEntry(g.record.roster, identityKey);
  const stale = e?.token !== undefined ? { ...(contact ?? peerOf(e)), identityKey: e.identityKey, mailbox: e.mailbox, token: e.token } : undefined;
  return peerIn(ctx, g, identityKey) ?? deviceAddress(ctx, identityKey) ?? stale;
}

/** Every other member reachable by `how`. */
export function othersIn(ctx: ClientContext, g: Group, how: (ctx: ClientContext, g: Group, key: Bytes) => Peer | undefined): Peer[] {
  return g.session.group.members
    .filter((m) => !equalBytes(m.identityKey, ctx.identity.publicKey))
    .map((m) => how(ctx, g, m.identityKey))
    .filter((p): p is Peer => p !== undefined);
}

/** A group control message travels in the pairwise session, as a `group` payload (client.md §3). */
export async function sendControl(ctx: ClientContext, peer: Peer, control: Bytes): Promise<void> {
  await sendPayload(ctx, peer, encodePayload({ type: 'group', group: control }), 'internal');
}
