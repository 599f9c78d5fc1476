/**
 * Invitations (spec/client.md §4.1–§4.2): issuing one, and accepting one —
 * registering our token for the inviter, recording the contact, and sending
 * the hello. The inviter's side of the exchange is hello.ts.
 */
import { TOKEN_LENGTH } from '../../constants.js';
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { del, put } from '../../store/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { encodeInvite, inviteToString, parseInvite, type Invite } from '../../wire/client/invite.js';
import { encodePayload, type Payload } from '../../wire/client/payload.js';
import { encodeTokenRecord, type TokenRecord } from '../../wire/client/records.js';
import type { ClientContext } from '../context.js';
import { ClientError, isClientError } from '../errors.js';
import { sendPayload } from '../messaging/send.js';
import { contactWrite, newContactId } from './tokens.js';
import { shareNewContact } from '../devices/sibling.js';
import { withDeviceAddress } from '../devices/addresses.js';
import type { Peer } from './peer.js';

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

/** The acceptor's side: starts the session and sends our own token back. Resolves once the hello is durable. */
export async function acceptInvite(ctx: ClientContext, text: string | Invite): Promise<Contact> {
  const { contact, hello, previous, inviter } = await prepareAccept(ctx, text);
  try {
    await sendPayload(ctx, inviter, encodePayload(hello), 'internal');
  } catch (e) {
    if (!isClientError(e, 'RELAY_ERROR') || e.details['relayCode'] !== 'TOKEN_REFUSED') throw e;
    await undoAccept(ctx, contact, previous);
    throw new ClientError('INVITE_INVALID', 'the invitation was already used, or its owner revoked it: ask for a new one', { contact: contact.id });
  }
  // A linked account (client.md §10.3): siblings learn the contact, its devices learn ours — in the background.
  if (previous === undefined && ctx.account !== undefined) {
    void shareNewContact(ctx, contact).catch((error: unknown) => ctx.events.emit('error', { error }));
  }
  return ctx.contacts.get(contact.id) as Contact;
}

/**
 * The relay refused the invitation's token (used and retired, or revoked):
 * forget what accepting it recorded — the contact as it was before (or not at
 * all) and our new token, revoked at the relay.
 */
async function undoAccept(ctx: ClientContext, contact: Contact, previous: Contact | undefined): Promise<void> {
  const ours = contact.ourToken as Bytes;
  const fresh = previous?.ourToken === undefined;
  await ctx.lane.run(async () => {
    await ctx.store.write([
      previous === undefined ? del('contacts', contact.id) : contactWrite(previous),
      ...(fresh ? [del('tokens', toHex(ours))] : []),
    ]);
    if (previous === undefined) ctx.contacts.delete(contact.id);
    else ctx.contacts.set(previous);
  });
  if (fresh) await ctx.relay.revokeToken(ours).catch(() => undefined); // best effort: an unused token admits only its holder, us
}

/**
 * Registers our token for the inviter and records the contact; returns the contact, the hello payload, the contact
 * as it was, and the inviting device (the contact itself, or a listed device of a contact's account, client.md §10.1).
 */
async function prepareAccept(
  ctx: ClientContext, text: string | Invite,
): Promise<{ contact: Contact; hello: Payload; previous: Contact | undefined; inviter: Peer }> {
  const invite = typeof text === 'string' ? parseInvite(text) : text;
  if (equalBytes(invite.identityKey, ctx.identity.publicKey)) throw new ClientError('INVALID_ARGUMENT', 'this is our own invitation');
  if (!sameRelay(invite.relay, ctx.relayUrl)) {
    throw new ClientError('INVALID_ARGUMENT', `the invitation is for the relay ${invite.relay}, but this client uses ${ctx.relayUrl}`, {
      relay: invite.relay, ours: ctx.relayUrl,
    });
  }
  await ctx.relay.whenConnected();
  const existing = ctx.contacts.byIdentityKey(invite.identityKey);
  const ourToken = existing?.ourToken ?? ctx.random(TOKEN_LENGTH);
  if (existing?.ourToken === undefined) await ctx.relay.registerToken(ourToken);
  // An invitation from a listed device of an account we know (client.md §10.1): that device's address, same contact.
  const byDevice = existing !== undefined && !equalBytes(existing.identityKey, invite.identityKey);
  const contact: Contact = byDevice ? { ...withDeviceAddress(existing, invite.identityKey, invite.mailbox, invite.token), ourToken, blocked: false } : {
    id: existing?.id ?? newContactId(ctx), identityKey: invite.identityKey, relay: invite.relay, mailbox: invite.mailbox,
    token: invite.token, ourToken, verified: existing?.verified ?? false, changed: existing?.changed ?? false,
    blocked: false, createdAt: existing?.createdAt ?? ctx.now(),
    ...((invite.name ?? existing?.name) !== undefined && { name: (existing?.name ?? invite.name) as string }),
    ...(existing?.deviceList !== undefined && { deviceList: existing.deviceList }), ...(existing?.devices !== undefined && { devices: existing.devices }),
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
  const inviter: Peer = { id: contact.id, identityKey: invite.identityKey, mailbox: invite.mailbox, token: invite.token };
  return { contact, hello, previous: existing, inviter };
}

/** Host names that all mean this machine's loopback interface. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A relay URL in a canonical form for comparison (client.md §4.2): scheme
 * and host lower-cased, the default port (80 for ws, 443 for wss) dropped,
 * no trailing slash, and `localhost`, `127.0.0.1` and `[::1]` as one host.
 * A string that is not a URL stays as it is.
 */
export function normaliseRelayUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return url;
  }
  const host = LOOPBACK.has(u.hostname.toLowerCase()) ? 'localhost' : u.hostname.toLowerCase();
  const port = u.port === '' ? '' : `:${u.port}`;
  const path = u.pathname.replace(/\/+$/u, '');
  return `${u.protocol}//${host}${port}${path}${u.search}`;
}

/** Whether two relay URLs name the same relay once normalised. */
export function sameRelay(a: string, b: string): boolean {
  return normaliseRelayUrl(a) === normaliseRelayUrl(b);
}
