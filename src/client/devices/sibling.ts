/**
 * What only a sibling — another listed device of our own account — may send
 * (spec/client.md §10.3): `sync`, a message it sent to a contact, shown as
 * our own outgoing message; and `contact-sync`, a contact it gained or
 * changed, which we take on and then announce ourselves to. Both are
 * discarded from anyone else. The outbound side: syncContact.
 */
import { toHex, type Bytes } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import { put } from '../../store/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { decodeContactEntry, encodeContactEntry } from '../../wire/client/contact-entry.js';
import { isEphemeral } from '../../wire/client/content.js';
import { encodePayload, type Payload } from '../../wire/client/payload.js';
import { encodeStoredMessage } from '../../wire/client/records.js';
import { contactWrite } from '../contacts/tokens.js';
import type { ClientContext } from '../context.js';
import { contentOrNothing } from '../inbound/deliver.js';
import type { InboundEffects } from '../inbound/effects.js';
import { sendPayload } from '../messaging/send.js';
import { accountKey, accountWrite, isSibling } from './account.js';
import { contactPeers, siblingPeers } from './addresses.js';
import { announce } from './announce.js';
import { contactEntry, contactFromEntry } from './entries.js';
import { absorbing } from './merge.js';
import { owing } from './owed.js';

/** `sync` from a listed sibling: a `message` with `outgoing: true`, from = the contact it went to; stored once. */
export async function onSync(ctx: ClientContext, sender: Bytes, payload: Extract<Payload, { type: 'sync' }>, fx: InboundEffects): Promise<void> {
  if (!isSibling(ctx, sender)) return;
  const contact = ctx.contacts.byAccountKey(payload.to);
  if (contact === undefined) return;
  const content = contentOrNothing(payload.content);
  if (content === undefined || isEphemeral(content.body)) return; // receipts and typing are the contact's business, not our history
  // Keyed by our account: one id per sender account, whichever of our devices sent it.
  const key = `${toHex(accountKey(ctx))}:${toHex(content.id)}`;
  if (await ctx.store.get('messages', key) !== undefined) return;
  if (fx.writes.some((w) => w.namespace === 'messages' && w.key === key)) return;
  fx.writes.push(put('messages', key, encodeStoredMessage({ from: contact.id, content: payload.content, receivedAt: ctx.now(), outgoing: true })));
  fx.events.push(['message', { from: contact, content, outgoing: true }]);
}

/** `contact-sync` from a listed sibling: the contact is added or updated, then we announce ourselves to its devices. */
export function onContactSync(ctx: ClientContext, sender: Bytes, payload: Extract<Payload, { type: 'contact-sync' }>, fx: InboundEffects): void {
  if (!isSibling(ctx, sender)) return;
  let entry;
  try {
    entry = decodeContactEntry(payload.entry);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return;
  }
  if (toHex(entry.accountKey) === toHex(accountKey(ctx))) return;
  const existing = ctx.contacts.byAccountKey(entry.accountKey) ?? entry.devices.map((d) => ctx.contacts.byAccountKey(d.key)).find((c) => c !== undefined);
  // A contact known only by a device the entry attributes to this account is merged into it (client.md §10.1).
  const contact = absorbing(ctx, contactFromEntry(ctx, entry, existing), fx);
  fx.writes.push(contactWrite(contact));
  fx.apply.push(() => ctx.contacts.set(contact));
  if (existing === undefined) fx.events.push(['contact-added', { contact }]);
  if (contact.blocked) return;
  // Our announcement is owed to its devices from this batch on (client.md §10.3), then made.
  const account = ctx.account;
  const owed = account === undefined ? undefined : owing(account, contactPeers(contact).map((p) => p.identityKey));
  if (owed !== undefined && owed !== account) {
    fx.writes.push(accountWrite(owed));
    fx.apply.push(() => { ctx.account = owed; });
  }
  fx.followUps.push(() => announce(ctx, contactPeers(ctx.contacts.get(contact.id) ?? contact)));
}

/** Tells every reachable sibling about `contact` (gained or changed here): a `contact-sync`. */
export async function syncContact(ctx: ClientContext, contact: Contact): Promise<void> {
  const peers = siblingPeers(ctx);
  if (peers.length === 0) return;
  const payload = encodePayload({ type: 'contact-sync', entry: encodeContactEntry(contactEntry(contact)) });
  const results = await Promise.allSettled(peers.map((p) => sendPayload(ctx, p, payload, 'internal')));
  for (const r of results) if (r.status === 'rejected') ctx.events.emit('error', { error: r.reason });
}

/** A contact gained on this device of a linked account: its siblings learn it, and its devices learn ours. */
export async function shareNewContact(ctx: ClientContext, contact: Contact): Promise<void> {
  if (ctx.account === undefined) return;
  await syncContact(ctx, contact);
  await announce(ctx, contactPeers(ctx.contacts.get(contact.id) ?? contact));
}
