/**
 * Pairwise sessions as the client keeps them: records loaded lazily from
 * `sessions/<peer hex>`, started from a bundle fetched with the peer's token,
 * and used to turn a payload into a sealed relay envelope.
 */
import { equalBytes, toHex, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { seal } from '../session/sealed-sender.js';
import { put, type StoreWrite } from '../store/index.js';
import type { Contact } from './contact.js';
import type { ClientContext } from './context.js';
import {
  decodeSessionRecord, emptySessionRecord, encodeSessionRecord, encryptSession, hasSendingSession, startSession, type SessionRecord,
} from './core.js';
import { ClientError } from './errors.js';
import { encodeRelayEnvelope } from './relay-envelope.js';

export async function loadRecord(ctx: ClientContext, peer: Bytes): Promise<SessionRecord> {
  const key = toHex(peer);
  const cached = ctx.sessions.get(key);
  if (cached !== undefined) return cached;
  const stored = await ctx.store.get('sessions', key);
  const record = stored === undefined ? emptySessionRecord() : decodeSessionRecord(stored);
  ctx.sessions.set(key, record);
  return record;
}

export function recordWrite(peer: Bytes, record: SessionRecord): StoreWrite {
  return put('sessions', toHex(peer), encodeSessionRecord(record));
}

/** Call after the write of recordWrite() is committed. */
export function cacheRecord(ctx: ClientContext, peer: Bytes, record: SessionRecord): void {
  ctx.sessions.set(toHex(peer), record);
}

/** Where a contact is reached: its mailbox and the token it gave us. */
export function recipientOf(contact: Contact): { mailbox: Bytes; token: Bytes } {
  if (contact.token === undefined) throw new ClientError('NOT_ALLOWED', 'this contact has not given us a delivery token yet', { contact: contact.id });
  return { mailbox: contact.mailbox, token: contact.token };
}

/**
 * Makes sure a sending session exists with `contact`, fetching its bundle
 * (with our token for it) when needed. `force` starts a new one even if a
 * session exists (self-healing). The bundle's identity key must be the
 * contact's (else UNTRUSTED_IDENTITY, nothing changed).
 */
export async function ensureSession(ctx: ClientContext, contact: Contact, force = false): Promise<void> {
  if (!force && hasSendingSession(await loadRecord(ctx, contact.identityKey))) return;
  const bundle = await ctx.relay.fetchBundle(recipientOf(contact));
  await ctx.lane.run(async () => {
    const record = await loadRecord(ctx, contact.identityKey);
    if (!force && hasSendingSession(record)) return;
    const started = startSession(record, ctx.identity, bundle, ctx.random);
    if (!equalBytes(started.peerIdentityKey, contact.identityKey)) {
      fail('UNTRUSTED_IDENTITY', 'the relay served a bundle for another identity key');
    }
    await ctx.store.write([recordWrite(contact.identityKey, started.record)]);
    cacheRecord(ctx, contact.identityKey, started.record);
  });
}

/**
 * Encrypts `payload` for `contact` on the current session and seals it.
 * Must run in the lane; returns the new record (not yet committed) and the
 * relay envelope.
 */
export async function encryptFor(ctx: ClientContext, contact: Contact, payload: Bytes): Promise<{ record: SessionRecord; envelope: Bytes }> {
  const record = await loadRecord(ctx, contact.identityKey);
  const { record: next, message } = encryptSession(record, ctx.identity, payload, ctx.random);
  const sealed = seal({ identity: ctx.identity, recipientIdentityKey: contact.identityKey, content: message, random: ctx.random, staticSecrets: ctx.staticSecrets });
  return { record: next, envelope: encodeRelayEnvelope({ kind: 'sealed', data: sealed }) };
}
