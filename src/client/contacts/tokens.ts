/**
 * Delivery tokens we issue to contacts (spec/client.md §4.2) and the contact
 * record operations built on them: a dedicated token for a contact that came
 * through a multi-use invitation, blocking (revoking every token bound to
 * the contact), and user edits of a contact.
 */
import { TOKEN_LENGTH } from '../../constants.js';
import { fromHex, toHex } from '../../crypto/index.js';
import { del, put, type StoreWrite } from '../../store/index.js';
import { encodeContact, type Contact } from '../../wire/client/contact.js';
import { encodePayload } from '../../wire/client/payload.js';
import { decodeTokenRecord, encodeTokenRecord } from '../../wire/client/records.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import { sendPayload } from '../messaging/send.js';
import { requireNotRevoked } from '../devices/revoked.js';

export function contactWrite(c: Contact): StoreWrite {
  return put('contacts', c.id, encodeContact(c));
}

export function newContactId(ctx: ClientContext): string {
  return toHex(ctx.random(16));
}

export function findContact(ctx: ClientContext, id: string): Contact {
  const c = ctx.contacts.get(id);
  if (c === undefined) throw new ClientError('UNKNOWN_CONTACT', 'no such contact', { contact: id });
  return c;
}

/** A contact we may send to: not blocked, and no unapproved identity change. */
export function sendableContact(ctx: ClientContext, id: string): Contact {
  requireNotRevoked(ctx); // a revoked device speaks for its account no more (client.md §10.5)
  const c = findContact(ctx, id);
  if (c.blocked) throw new ClientError('BLOCKED', 'the contact is blocked', { contact: id });
  if (c.changed) throw new ClientError('IDENTITY_CHANGED', "the contact's identity key changed; approve it first", { contact: id });
  return c;
}

export async function updateContact(ctx: ClientContext, id: string, f: (c: Contact) => Contact): Promise<Contact> {
  return ctx.lane.run(async () => {
    const updated = f(findContact(ctx, id));
    await ctx.store.write([contactWrite(updated)]);
    ctx.contacts.set(updated);
    return updated;
  });
}

/**
 * How long a single-use invitation token stays good after its contact was
 * given a dedicated one (client.md §4.2): what the contact sent with it
 * before the new token reached it — including from a week offline — still
 * gets through; afterwards the relay refuses it, so a leaked invitation
 * admits no one.
 */
export const INVITE_TOKEN_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Gives a contact a token of its own: it reached us through a shared,
 * multi-use invitation, or through a single-use one (`retiring`) whose token
 * has been seen by whoever saw the invitation. A retiring token stays bound
 * to the contact until INVITE_TOKEN_GRACE_MS from now, then `retireTokens`
 * revokes it.
 */
export async function issueToken(ctx: ClientContext, contact: Contact, retiring?: Uint8Array): Promise<void> {
  const token = ctx.random(TOKEN_LENGTH);
  await ctx.relay.registerToken(token);
  const updated = await ctx.lane.run(async () => {
    const current = ctx.contacts.get(contact.id) ?? contact;
    const next: Contact = { ...current, ourToken: token };
    const now = ctx.now();
    const bound = { contact: contact.id, multiUse: false, forContact: false, createdAt: now };
    await ctx.store.write([
      contactWrite(next),
      put('tokens', toHex(token), encodeTokenRecord(bound)),
      ...(retiring === undefined ? [] : [put('tokens', toHex(retiring), encodeTokenRecord({ ...bound, retireAt: now + INVITE_TOKEN_GRACE_MS }))]),
    ]);
    ctx.contacts.set(next);
    return next;
  });
  await sendPayload(ctx, updated, encodePayload({ type: 'token', mailbox: ctx.mailbox as Uint8Array, token }), 'internal');
}

/** Revokes, at the relay and then in the store, every retiring token whose grace has ended. */
export async function retireTokens(ctx: ClientContext): Promise<void> {
  const now = ctx.now();
  const due = (await ctx.store.list('tokens')).filter((t) => (decodeTokenRecord(t.value).retireAt ?? Infinity) <= now);
  for (const t of due) await ctx.relay.revokeToken(fromHex(t.key));
  if (due.length > 0) await ctx.store.write(due.map((t) => del('tokens', t.key)));
}

/** Revokes what lets `contact` reach us and marks it blocked. */
export async function blockContact(ctx: ClientContext, contact: Contact): Promise<Contact> {
  // A token issued to a contact since merged into this one (client.md §10.1) is this one's too.
  const tokens = (await ctx.store.list('tokens')).filter((t) => {
    const bound = decodeTokenRecord(t.value).contact;
    return bound !== undefined && ctx.contacts.get(bound)?.id === contact.id;
  });
  for (const t of tokens) await ctx.relay.revokeToken(fromHex(t.key));
  const updated: Contact = { ...contact, blocked: true };
  await ctx.lane.run(async () => {
    await ctx.store.write([contactWrite(updated), ...tokens.map((t) => del('tokens', t.key))]);
    ctx.contacts.set(updated);
  });
  return updated;
}
