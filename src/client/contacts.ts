/**
 * Contacts by invitation (spec/client.md §4): issuing invitations, accepting
 * them, the hello/token exchange, blocking, verification and identity changes.
 */
import { equalBytes, fromHex, toHex, type Bytes } from '../crypto/index.js';
import { del, put, type StoreWrite } from '../store/index.js';
import { encodeContact, type Contact } from './contact.js';
import type { ClientContext } from './context.js';
import { ClientError } from './errors.js';
import type { ClientEvents } from './events.js';
import { inviteToString, encodeInvite, parseInvite, type Invite } from './invite.js';
import type { Payload } from './payload.js';
import { decodeTokenRecord, encodeTokenRecord, type TokenRecord } from './records.js';

export const TOKEN_LENGTH = 32;

export interface InviteOptions {
  /** Many people may accept it (a published QR code); each becomes a separate contact. */
  readonly multiUse?: boolean;
  /** Re-invite this existing contact (after it reinstalled): a hello through it from a new key is that contact's key change. */
  readonly forContact?: string;
}

export interface CreatedInvite {
  readonly text: string;
  /** The QR payload (binary mode). */
  readonly qr: Bytes;
  readonly token: Bytes;
}

export function contactWrite(c: Contact): StoreWrite {
  return put('contacts', c.id, encodeContact(c));
}

export function newContactId(ctx: ClientContext): string {
  return toHex(ctx.random(16));
}

export async function createInvite(ctx: ClientContext, options: InviteOptions = {}): Promise<CreatedInvite> {
  if (options.forContact !== undefined && ctx.contacts.get(options.forContact) === undefined) {
    throw new ClientError('UNKNOWN_CONTACT', 'no such contact', { contact: options.forContact });
  }
  await ctx.relay.whenConnected();
  const token = ctx.random(TOKEN_LENGTH);
  await ctx.relay.registerToken(token);
  const record: TokenRecord = {
    multiUse: options.multiUse === true, forContact: options.forContact !== undefined, createdAt: ctx.now(),
    ...(options.forContact !== undefined && { contact: options.forContact }),
  };
  await ctx.store.write([put('tokens', toHex(token), encodeTokenRecord(record))]);
  const invite: Invite = {
    identityKey: ctx.identity.publicKey, relay: ctx.relayUrl, mailbox: ctx.mailbox as Bytes, token,
    ...(ctx.displayName !== undefined && { name: ctx.displayName }),
  };
  return { text: inviteToString(invite), qr: encodeInvite(invite), token };
}

/**
 * The acceptor's side, before the hello is sent: registers our token for the
 * inviter and records the contact. Returns the contact and the hello payload.
 */
export async function prepareAccept(ctx: ClientContext, text: string | Invite): Promise<{ contact: Contact; hello: Payload }> {
  const invite = typeof text === 'string' ? parseInvite(text) : text;
  if (equalBytes(invite.identityKey, ctx.identity.publicKey)) throw new ClientError('INVALID_ARGUMENT', 'this is our own invitation');
  if (invite.relay !== ctx.relayUrl) throw new ClientError('INVALID_ARGUMENT', 'the invitation is for another relay', { relay: invite.relay });
  await ctx.relay.whenConnected();
  const existing = ctx.contacts.byIdentityKey(invite.identityKey);
  const ourToken = existing?.ourToken ?? ctx.random(TOKEN_LENGTH);
  if (existing?.ourToken === undefined) await ctx.relay.registerToken(ourToken);
  const contact: Contact = {
    id: existing?.id ?? newContactId(ctx), identityKey: invite.identityKey, relay: invite.relay, mailbox: invite.mailbox,
    token: invite.token, ourToken, verified: existing?.verified ?? false, changed: existing?.changed ?? false,
    blocked: false, createdAt: existing?.createdAt ?? ctx.now(),
    ...((invite.name ?? existing?.name) !== undefined && { name: (existing?.name ?? invite.name) as string }),
  };
  const tokenRecord: TokenRecord = { contact: contact.id, multiUse: false, forContact: false, createdAt: ctx.now() };
  await ctx.lane.run(async () => {
    await ctx.store.write([contactWrite(contact), put('tokens', toHex(ourToken), encodeTokenRecord(tokenRecord))]);
    ctx.contacts.set(contact);
  });
  const hello: Payload = {
    type: 'hello', mailbox: ctx.mailbox as Bytes, token: ourToken, inviteToken: invite.token,
    ...(ctx.displayName !== undefined && { name: ctx.displayName }),
  };
  return { contact, hello };
}

/** Effects of a received hello or token payload: writes to commit, then events and follow-ups. */
export interface ContactEffects {
  readonly writes: StoreWrite[];
  readonly apply: (() => void)[];
  readonly events: { [K in keyof ClientEvents]: [K, ClientEvents[K]] }[keyof ClientEvents][];
  /** Work to do after the commit, outside the lane (e.g. issue a dedicated token). */
  readonly followUps: (() => Promise<void>)[];
}

export function noEffects(): ContactEffects {
  return { writes: [], apply: [], events: [], followUps: [] };
}

/** A hello from identity key `sender` (spec/client.md §4.2). */
export async function onHello(
  ctx: ClientContext, sender: Bytes, hello: Extract<Payload, { type: 'hello' }>, fx: ContactEffects, issueToken: (c: Contact) => Promise<void>,
): Promise<void> {
  const stored = await ctx.store.get('tokens', toHex(hello.inviteToken));
  if (stored === undefined) return; // not a token we issued (or revoked): discard
  const token = decodeTokenRecord(stored);
  const bound = token.contact === undefined ? undefined : ctx.contacts.get(token.contact);
  let contact: Contact;
  if (bound !== undefined && !equalBytes(bound.identityKey, sender)) {
    if (!token.forContact) return; // someone else using a token bound to another contact
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
    ...contact, mailbox: hello.mailbox, token: hello.token,
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
  // A multi-use invitation is shared: give this contact a token of its own.
  if (token.multiUse && final.ourToken === undefined) fx.followUps.push(() => issueToken(final));
}

/** Records a contact's new identity key (spec/client.md §4.4); returns the updated contact. */
export function identityChanged(ctx: ClientContext, contact: Contact, newKey: Bytes, fx: ContactEffects): Contact {
  const updated: Contact = {
    ...contact, identityKey: newKey, previousIdentityKey: contact.identityKey, verified: false,
    changed: contact.verified || contact.changed,
  };
  fx.events.push(['identity-changed', { contact: updated, previousIdentityKey: contact.identityKey, wasVerified: contact.verified }]);
  return updated;
}

/** A token payload from a contact: how to reach it from now on. */
export function onToken(contact: Contact, payload: Extract<Payload, { type: 'token' }>, ctx: ClientContext, fx: ContactEffects): void {
  const updated: Contact = { ...contact, mailbox: payload.mailbox, token: payload.token };
  fx.writes.push(contactWrite(updated));
  fx.apply.push(() => ctx.contacts.set(updated));
}

/** Revokes what lets `contact` reach us and marks it blocked. */
export async function block(ctx: ClientContext, contact: Contact): Promise<Contact> {
  const tokens = (await ctx.store.list('tokens')).filter((t) => decodeTokenRecord(t.value).contact === contact.id);
  for (const t of tokens) await ctx.relay.revokeToken(fromHex(t.key));
  const updated: Contact = { ...contact, blocked: true };
  await ctx.lane.run(async () => {
    await ctx.store.write([contactWrite(updated), ...tokens.map((t) => del('tokens', t.key))]);
    ctx.contacts.set(updated);
  });
  return updated;
}
