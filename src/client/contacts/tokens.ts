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

/** Gives a contact a token of its own (it reached us through a shared, multi-use invitation). */
export async function issueToken(ctx: ClientContext, contact: Contact): Promise<void> {
  const token = ctx.random(TOKEN_LENGTH);
  await ctx.relay.registerToken(token);
  const updated = await ctx.lane.run(async () => {
    const current = ctx.contacts.get(contact.id) ?? contact;
    const next: Contact = { ...current, ourToken: token };
    await ctx.store.write([
      contactWrite(next),
      put('tokens', toHex(token), encodeTokenRecord({ contact: contact.id, multiUse: false, forContact: false, createdAt: ctx.now() })),
    ]);
    ctx.contacts.set(next);
    return next;
  });
  await sendPayload(ctx, updated, encodePayload({ type: 'token', mailbox: ctx.mailbox as Uint8Array, token }), 'internal');
}

/** Revokes what lets `contact` reach us and marks it blocked. */
export async function blockContact(ctx: ClientContext, contact: Contact): Promise<Contact> {
  const tokens = (await ctx.store.list('tokens')).filter((t) => decodeTokenRecord(t.value).contact === contact.id);
  for (const t of tokens) await ctx.relay.revokeToken(fromHex(t.key));
  const updated: Contact = { ...contact, blocked: true };
  await ctx.lane.run(async () => {
    await ctx.store.write([contactWrite(updated), ...tokens.map((t) => del('tokens', t.key))]);
    ctx.contacts.set(updated);
  });
  return updated;
}
