/**
 * Announcing a device (spec/client.md §10.3, design D4): `device { l, mb, tok }`
 * — our account's newest list and how to reach this device, with the token
 * this device issued for that peer — to every device of our contacts and to
 * every sibling, or to the peers given. Idempotent: the same list and the
 * same token again change nothing at the receiver. Every announcement
 * carries the address (also the primary's after a list change: the design's
 * `device { l }`), so an announcement also repairs an address a peer lost.
 */
import { TOKEN_LENGTH } from '../../constants.js';
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { put } from '../../store/index.js';
import { encodePayload } from '../../wire/client/payload.js';
import { encodeTokenRecord } from '../../wire/client/records.js';
import type { Peer } from '../contacts/peer.js';
import { contactWrite } from '../contacts/tokens.js';
import type { ClientContext } from '../context.js';
import { sendPayload } from '../messaging/send.js';
import { accountWrite } from './account.js';
import { contactPeers, SIBLING_PEER_ID, siblingPeers } from './addresses.js';
import { isRevoked } from './revoked.js';

/** Every device of every contact we may send to (not blocked), and every sibling we can reach. */
export function allPeers(ctx: ClientContext): Peer[] {
  return [...ctx.contacts.all().filter((c) => !c.blocked).flatMap(contactPeers), ...siblingPeers(ctx)];
}

/**
 * Sends our `device` announcement to `peers` (default: allPeers). Resolves once every announcement is durable
 * at the relay or refused; a refusal is reported as an `error` event, never thrown (each peer is independent).
 * Nothing to announce for a single-device account (no list).
 */
export async function announce(ctx: ClientContext, peers?: readonly Peer[]): Promise<void> {
  const list = ctx.account?.list;
  if (list === undefined || isRevoked(ctx)) return; // a revoked device announces nothing (client.md §10.5)
  await ctx.relay.whenConnected();
  const targets = peers ?? allPeers(ctx);
  // Tokens first, one peer (contact or sibling) at a time: two devices of one contact share its token.
  const tokens = new Map<string, Bytes>();
  for (const p of targets) {
    const key = tokenKey(p);
    if (!tokens.has(key)) tokens.set(key, await tokenFor(ctx, p));
  }
  const results = await Promise.allSettled(targets.map((p) => sendPayload(ctx, p, encodePayload({
    type: 'device', list, address: { mailbox: ctx.mailbox as Bytes, token: tokens.get(tokenKey(p)) as Bytes },
  }), 'internal')));
  for (const r of results) if (r.status === 'rejected') ctx.events.emit('error', { error: r.reason });
}

const tokenKey = (p: Peer): string => (p.id === SIBLING_PEER_ID ? `s:${toHex(p.identityKey)}` : `c:${p.id}`);

/** The token this device issued for the peer's contact (or sibling), registering one at the relay if it has none. */
async function tokenFor(ctx: ClientContext, p: Peer): Promise<Bytes> {
  if (p.id === SIBLING_PEER_ID) {
    const known = ctx.account?.siblings.find((s) => equalBytes(s.key, p.identityKey))?.ourToken;
    if (known !== undefined) return known;
  } else {
    const known = ctx.contacts.get(p.id)?.ourToken;
    if (known !== undefined) return known;
  }
  const token = ctx.random(TOKEN_LENGTH);
  await ctx.relay.registerToken(token);
  await ctx.lane.run(async () => {
    if (p.id === SIBLING_PEER_ID) {
      const account = ctx.account;
      if (account === undefined) return;
      // Sibling tokens live in the account record only: a hello through one (tokens/) would make a contact.
      const record = { ...account, siblings: account.siblings.map((s) => (equalBytes(s.key, p.identityKey) ? { ...s, ourToken: token } : s)) };
      await ctx.store.write([accountWrite(record)]);
      ctx.account = record;
      return;
    }
    const contact = ctx.contacts.get(p.id);
    if (contact === undefined) return;
    const next = { ...contact, ourToken: token };
    const bound = { contact: contact.id, multiUse: false, forContact: false, createdAt: ctx.now() };
    await ctx.store.write([contactWrite(next), put('tokens', toHex(token), encodeTokenRecord(bound))]);
    ctx.contacts.set(next);
  });
  return token;
}

/**
 * Tells a device we just revoked (client.md §10.5): our account's new list, which no longer names it, without an
 * address — it has no business reaching us. Its session was dropped with it, so this starts a fresh one. A
 * refusal is an `error` event: the revocation stands whether or not the device hears of it.
 */
export async function tellRevoked(ctx: ClientContext, peer: Peer): Promise<void> {
  const list = ctx.account?.list;
  if (list === undefined) return;
  await sendPayload(ctx, peer, encodePayload({ type: 'device', list }), 'internal').catch((error: unknown) => ctx.events.emit('error', { error }));
}
