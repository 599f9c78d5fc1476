/**
 * Pairwise sessions as the client keeps them (spec/client.md §5.1, protocol.md §7): records loaded lazily from
 * `sessions/<peer hex>`, started from a bundle fetched with the peer's token,
 * and used to turn a payload into a sealed relay envelope.
 */
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import {
  EMPTY_RECORD, decodeSessionRecord, encodeSessionRecord, sessionEncrypt, startSession, type SessionRecord,
} from '../../session/index.js';
import { seal } from '../../session/sealed-sender.js';
import { put, type StoreWrite } from '../../store/index.js';
import { encodeRelayEnvelope } from '../../wire/client/relay-envelope.js';
import { decodePreKeyBundle } from '../../wire/prekeys.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';

export async function loadRecord(ctx: ClientContext, peer: Bytes): Promise<SessionRecord> {
  const key = toHex(peer);
  const cached = ctx.sessions.get(key);
  if (cached !== undefined) return cached;
  const stored = await ctx.store.get('sessions', key);
  const record = stored === undefined ? EMPTY_RECORD : decodeSessionRecord(stored);
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

/** Where a peer is reached: its mailbox and the token it gave us (or its current group token). */
export function recipientOf(contact: Peer): { mailbox: Bytes; token: Bytes } {
  if (contact.token === undefined) throw new ClientError('NOT_ALLOWED', 'this contact has not given us a delivery token yet', { contact: contact.id });
  return { mailbox: contact.mailbox, token: contact.token };
}

/**
 * Makes sure a sending session exists with `contact`, fetching its bundle
 * (with our token for it) when needed. `force` starts a new one even if a
 * session exists (self-healing). The bundle's identity key must be the
 * contact's (else UNTRUSTED_IDENTITY, nothing changed).
 */
export async function ensureSession(ctx: ClientContext, contact: Peer, force = false): Promise<void> {
  if (!force && (await loadRecord(ctx, contact.identityKey)).current !== null) return;
  if (force) return startFromBundle(ctx, contact, true);
  // Two sends that find no session at once (say, a post and owed group work after a reconnection) share one bundle
  // fetch: a second would take another of the peer's one-time prekeys for a session that is never used.
  const peers = starting.get(ctx) ?? new Map<string, Promise<void>>();
  starting.set(ctx, peers);
  const key = toHex(contact.identityKey);
  const running = peers.get(key);
  if (running !== undefined) return running;
  const started = startFromBundle(ctx, contact, false).finally(() => peers.delete(key));
  peers.set(key, started);
  return started;
}

/** Session starts in progress, per client and peer device (hex identity key). */
const starting = new WeakMap<ClientContext, Map<string, Promise<void>>>();

async function startFromBundle(ctx: ClientContext, contact: Peer, force: boolean): Promise<void> {
  const bundle = await ctx.relay.fetchBundle(recipientOf(contact));
  await ctx.lane.run(async () => {
    const record = await loadRecord(ctx, contact.identityKey);
    if (!force && record.current !== null) return;
    // PQXDH verifies the bundle's signatures before any key is used; nothing is committed unless the key is the contact's.
    const decoded = decodePreKeyBundle(bundle);
    const started = startSession({
      record, identity: ctx.identity, bundle: decoded, random: ctx.random, ...(ctx.sessionVersion !== undefined && { version: ctx.sessionVersion }),
    });
    if (!equalBytes(decoded.identityKey, contact.identityKey)) {
      fail('UNTRUSTED_IDENTITY', 'the relay served a bundle for another identity key');
    }
    await ctx.store.write([recordWrite(contact.identityKey, started)]);
    cacheRecord(ctx, contact.identityKey, started);
  });
}

/**
 * Encrypts `payload` for `contact` on the current session and seals it.
 * Must run in the lane; returns the new record (not yet committed) and the
 * relay envelope.
 */
export async function encryptFor(ctx: ClientContext, contact: Peer, payload: Bytes): Promise<{ record: SessionRecord; envelope: Bytes }> {
  const record = await loadRecord(ctx, contact.identityKey);
  const { record: next, message } = sessionEncrypt(record, payload, ctx.random);
  const sealed = seal({ identity: ctx.identity, recipientIdentityKey: contact.identityKey, content: message, random: ctx.random, staticSecrets: ctx.staticSecrets });
  return { record: next, envelope: encodeRelayEnvelope({ kind: 'sealed', data: sealed }) };
}
