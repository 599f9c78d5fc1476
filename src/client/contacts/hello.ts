/**
 * The inviter's side of an invitation, on the inbound path (spec/client.md
 * §4.2, §4.4): a hello through a token we issued makes (or updates) a
 * contact, possibly with a changed identity key, and gives it a dedicated
 * token; a token payload tells us how to reach a contact from now on; an
 * `invite-refused` undoes an acceptance the inviter did not take. All only
 * append to the envelope's effects.
 */
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { del, put } from '../../store/index.js';
import type { IdentityKey, MailboxId } from '../../wire/brands.js';
import type { Contact } from '../../wire/client/contact.js';
import { encodePayload, type Payload } from '../../wire/client/payload.js';
import { decodeTokenRecord, encodeTokenRecord } from '../../wire/client/records.js';
import type { ClientContext } from '../context.js';
import { loadFeatures } from '../features.js';
import type { InboundEffects } from '../inbound/effects.js';
import { sendPayload } from '../messaging/send.js';
import type { Peer } from './peer.js';
import { contactWrite, issueToken, newContactId } from './tokens.js';
import { withDeviceAddress } from '../devices/addresses.js';
import { attributedKeys } from './book.js';

/** A hello from identity key `sender` (spec/client.md §4.2). */
export async function onHello(ctx: ClientContext, sender: Bytes, hello: Extract<Payload, { type: 'hello' }>, fx: InboundEffects): Promise<void> {
  const stored = await ctx.store.get('tokens', toHex(hello.inviteToken));
  if (stored === undefined) return; // not a token we issued (or revoked): discard
  const token = decodeTokenRecord(stored);
  const bound = token.contact === undefined ? undefined : ctx.contacts.get(token.contact);
  let contact: Contact;
  // A device attributed to the bound contact's account is that contact (client.md §10.1, §10.2), not someone else.
  if (bound !== undefined && !attributedKeys(bound).some((k) => equalBytes(k, sender))) {
    if (!token.forContact) {
      // Someone else using a single-use invitation that was already used: tell them, so their app can say so.
      fx.followUps.push(() => refuseHello(ctx, sender, hello));
      return;
    }
    contact = identityChanged(ctx, bound, sender, fx);
  } else {
    contact = bound ?? ctx.contacts.byIdentityKey(sender) ?? {
      id: newContactId(ctx), identityKey: sender, relay: ctx.relayUrl, mailbox: hello.mailbox, verified: false, changed: false,
      blocked: false, createdAt: ctx.now(),
    };
  }
  if (contact.blocked) return;
  const isNew = ctx.contacts.get(contact.id) === undefined;
  contact = {
    // The sending device's address: `mailbox`/`token` for a contact's account-key device, else its `devices` entry.
    ...withDeviceAddress(contact, sender, hello.mailbox, hello.token),
    ...(contact.name === undefined && hello.name !== undefined && { name: hello.name }),
    ...(!token.multiUse && { ourToken: hello.inviteToken }),
  };
  fx.writes.push(contactWrite(contact));
  if (!token.multiUse && token.contact === undefined) {
    fx.writes.push(put('tokens', toHex(hello.inviteToken), encodeTokenRecord({ ...token, contact: contact.id })));
  }
  const final = contact;
  fx.apply.push(() => ctx.contacts.set(final));
  if (isNew) fx.events.push(['contact-added', { contact: final }]);
  // A multi-use invitation is shared, and a single-use one was seen by whoever saw the invitation:
  // either way the contact gets a token of its own; a single-use token then retires (client.md §4.2).
  const dedicated = token.multiUse && final.ourToken === undefined ? () => issueToken(ctx, final)
    : !token.multiUse && token.retireAt === undefined ? () => issueToken(ctx, final, hello.inviteToken) : undefined;
  // A linked account (client.md §10.3): siblings learn the new contact and its devices learn ours — after the
  // dedicated token, so the announcement carries it and not the invitation's retiring one.
  const share = isNew && ctx.account !== undefined ? async () => (await loadFeatures()).shareNewContact(ctx, final) : undefined;
  if (dedicated !== undefined || share !== undefined) {
    fx.followUps.push(async () => {
      await dedicated?.();
      await share?.();
    });
  }
}

/** Answers a hello through an invitation already used by someone else with `invite-refused`, on the session it started. */
async function refuseHello(ctx: ClientContext, sender: Bytes, hello: Extract<Payload, { type: 'hello' }>): Promise<void> {
  const peer: Peer = { id: toHex(sender), identityKey: sender as IdentityKey, mailbox: hello.mailbox as MailboxId, token: hello.token };
  await sendPayload(ctx, peer, encodePayload({ type: 'invite-refused', inviteToken: hello.inviteToken }), 'internal');
}

/**
 * The inviter says the invitation we accepted had already been used (client.md
 * §4.2): believed only from that inviter and while we still reach it through
 * that invitation's token. The contact is forgotten and our token for it revoked.
 */
export function onInviteRefused(ctx: ClientContext, contact: Contact, payload: Extract<Payload, { type: 'invite-refused' }>, fx: InboundEffects): void {
  if (contact.token === undefined || !equalBytes(contact.token, payload.inviteToken)) return;
  const ours = contact.ourToken;
  fx.writes.push(del('contacts', contact.id), ...(ours === undefined ? [] : [del('tokens', toHex(ours))]));
  fx.apply.push(() => ctx.contacts.delete(contact.id));
  fx.events.push(['invite-refused', { contact }]);
  if (ours !== undefined) fx.followUps.push(() => ctx.relay.revokeToken(ours));
}

/** Records a contact's new identity key (spec/client.md §4.4); returns the updated contact. */
export function identityChanged(ctx: ClientContext, contact: Contact, newKey: Bytes, fx: InboundEffects): Contact {
  // A new identity is a new account: the old account's list and device addresses go (client.md §10.1).
  const { deviceList: _list, devices: _devices, ...rest } = contact;
  const updated: Contact = {
    ...rest, identityKey: newKey as IdentityKey, previousIdentityKey: contact.identityKey, verified: false,
    changed: contact.verified || contact.changed,
  };
  fx.events.push(['identity-changed', { contact: updated, previousIdentityKey: contact.identityKey, wasVerified: contact.verified }]);
  return updated;
}

/**
 * A token payload from device `sender` of a contact: how to reach that device from now on (its own address;
 * a contact that never linked a device has one, `mailbox`/`token`). A linked account's siblings learn it.
 */
export function onToken(ctx: ClientContext, contact: Contact, sender: Bytes, payload: Extract<Payload, { type: 'token' }>, fx: InboundEffects): void {
  const updated = withDeviceAddress(contact, sender, payload.mailbox, payload.token);
  fx.writes.push(contactWrite(updated));
  fx.apply.push(() => ctx.contacts.set(updated));
  if (ctx.account !== undefined) fx.followUps.push(async () => (await loadFeatures()).syncContact(ctx, updated));
}
