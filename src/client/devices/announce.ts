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
import type { IdentityKey, MailboxId } from '../../wire/brands.js';
import type { AccountRecord, RevokedAddress } from '../../wire/client/account.js';
import { encodePayload } from '../../wire/client/payload.js';
import { encodeTokenRecord } from '../../wire/client/records.js';
import type { Peer } from '../contacts/peer.js';
import { contactWrite } from '../contacts/tokens.js';
import type { ClientContext } from '../context.js';
import { sendPayload } from '../messaging/send.js';
import { accountWrite } from './account.js';
import { contactPeers, SIBLING_PEER_ID, siblingPeers } from './addresses.js';
import { endedSends } from '../messaging/owed-sends.js';
import { owing, settled, updateOwed } from './owed.js';
import { isRevoked } from './revoked.js';

/** Every device of every contact we may send to (not blocked), and every sibling we can reach. */
export function allPeers(ctx: ClientContext): Peer[] {
  return [...ctx.contacts.all().filter((c) => !c.blocked).flatMap(contactPeers), ...siblingPeers(ctx)];
}

/**
 * Sends our `device` announcement to `peers` (default: allPeers), owing it to them in the account record first
 * (owed.ts). Resolves once every announcement is durable at the relay or refused; each peer is independent: one
 * the relay took or refused for good is owed no more (a refusal is an `error` event, never thrown), one cut off
 * stays owed for resumeAnnouncements. Nothing to announce for a single-device account (no list).
 */
export async function announce(ctx: ClientContext, peers?: readonly Peer[]): Promise<void> {
  const list = ctx.account?.list;
  if (list === undefined || isRevoked(ctx)) return; // a revoked device announces nothing (client.md §10.5)
  const all = peers === undefined;
  const targets = peers ?? allPeers(ctx);
  await updateOwed(ctx, (r) => owing(r, all ? 'all' : targets.map((p) => p.identityKey)));
  await ctx.relay.whenConnected();
  // Two devices of one contact share its token: one registration per peer (contact or sibling).
  const tokens = new Map<string, Promise<Bytes>>();
  const tokenOf = (p: Peer): Promise<Bytes> => {
    const key = tokenKey(p);
    const known = tokens.get(key) ?? tokenFor(ctx, p);
    tokens.set(key, known);
    return known;
  };
  const results = await Promise.allSettled(targets.map(async (p) => sendPayload(ctx, p, encodePayload({
    type: 'device', list, address: { mailbox: ctx.mailbox as Bytes, token: await tokenOf(p) },
  }), 'internal')));
  const done = endedSends(ctx, targets, results);
  const cut = targets.filter((p) => !done.includes(p)).map((p) => p.identityKey);
  // A list taken on meanwhile owes its own announcement to everyone: this one settles nothing of it.
  await updateOwed(ctx, (r) => (r.list !== undefined && equalBytes(r.list, list) ? settled(r, done.map((p) => p.identityKey), all, cut) : r));
}

/**
 * Redoes the announcements the account record still owes (after each authentication, account/connect.ts), then
 * tells the revoked devices not yet told. A device key no peer answers to any more (a contact removed or blocked,
 * a device revoked) is owed no more.
 */
export async function resumeAnnouncements(ctx: ClientContext): Promise<void> {
  await resumeOwed(ctx);
  if (!isRevoked(ctx)) await tellRevoked(ctx); // last, as after a revocation (§10.5)
}

async function resumeOwed(ctx: ClientContext): Promise<void> {
  const account = ctx.account;
  if (account === undefined || isRevoked(ctx)) return;
  if (account.owedToAll === true) return announce(ctx);
  const owed = account.owed ?? [];
  if (owed.length === 0) return;
  const peers = allPeers(ctx).filter((p) => owed.some((k) => equalBytes(k, p.identityKey)));
  const gone = owed.filter((k) => !peers.some((p) => equalBytes(p.identityKey, k)));
  if (gone.length > 0) await updateOwed(ctx, (r) => settled(r, gone, false, []));
  if (peers.length > 0) await announce(ctx, peers);
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
 * Tells the devices we revoked (client.md §10.5), each at the address it had (the account record's `untold`): our
 * account's newest list, which no longer names it, without an address — it has no business reaching us. Its
 * session was dropped with it, so this starts a fresh one. One the relay took or refused for good leaves
 * `untold` (a refusal is an `error` event: the revocation stands whether or not the device hears of it); one a
 * lost connection cut off is told after the next authentication.
 */
export async function tellRevoked(ctx: ClientContext): Promise<void> {
  const list = ctx.account?.list;
  const untold = ctx.account?.untold ?? [];
  if (list === undefined || untold.length === 0) return;
  const results = await Promise.allSettled(untold.map((u) => sendPayload(ctx, revokedPeer(u), encodePayload({ type: 'device', list }), 'internal')));
  const done = endedSends(ctx, untold, results);
  await updateOwed(ctx, (r) => withoutUntold(r, done));
}

function revokedPeer(u: RevokedAddress): Peer {
  return { id: SIBLING_PEER_ID, identityKey: u.key as IdentityKey, mailbox: u.mailbox as MailboxId, token: u.token };
}

function withoutUntold(record: AccountRecord, done: readonly RevokedAddress[]): AccountRecord {
  const { untold, ...rest } = record;
  const left = (untold ?? []).filter((u) => !done.some((d) => equalBytes(d.key, u.key)));
  return left.length === (untold ?? []).length ? record : { ...rest, ...(left.length > 0 && { untold: left }) };
}
