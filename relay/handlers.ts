/**
 * Request semantics (spec/relay.md §2.1): one function per request type, each
 * resolving to the `ok` result or throwing a RelayError. Authentication state
 * comes from the connection; everything durable goes through the store.
 *
 * Consent before cost (§7.3): a request aimed at a mailbox is checked against
 * the mailbox's tokens before anything is charged to that mailbox, so someone
 * without a valid token — a stranger, a blocked contact, a removed member —
 * can neither spend a mailbox's rate budget nor create rate-limit state for
 * it; and an admitted request is charged to its own token's bucket, so a
 * hostile token holder spends only its own share. What a refused request
 * costs is charged to the sender's connection and address (connection.ts),
 * never to the recipient.
 */
import { toHex, type Bytes } from '../src/crypto/index.js';
import type { RelayRequest, RelayResult } from '../src/wire/index.js';
import { hashToken, verifyAuth, deriveMailboxId } from './auth.js';
import type { RelayContext } from './context.js';
import { RelayError } from './errors.js';
import { fetchDeviceLists, publishDeviceList } from './device-lists.js';
import { handleLinkRequest, type LinkCaller } from './link-mailboxes.js';
import type { LinkPushTarget } from './link-listeners.js';
import { bundleOf, verifyPublish } from './prekey-directory.js';
import { storeAndPush } from './delivery.js';
import type { BudgetRef } from './limiter.js';
import type { Quota, Recipient } from './store/types.js';

/** What handlers need from the connection that received the request. */
export interface ConnectionAuth {
  /** The source address key (relay/address.ts), for defence logs. */
  readonly address: string;
  readonly nonce: Bytes;
  readonly mailbox: Bytes | undefined;
  readonly identityKey: Bytes | undefined;
  authenticate(identityKey: Bytes, mailbox: Bytes): void;
  /** The acked eids the store may delete: eids pushed ahead of their commit once it stored them (§2.3). */
  storedOf(eids: readonly number[]): readonly number[] | Promise<readonly number[]>;
  acked(eids: readonly number[]): void;
  notify(): void;
  /** Where this connection's link listens push (spec/relay.md §14.3). */
  readonly linkTarget: LinkPushTarget;
}

export interface Handled {
  readonly result: RelayResult;
  /** Runs after the `ok` frame has been queued (pushes that must follow it). */
  readonly after?: () => void;
}

type Req<T extends RelayRequest['type']> = Extract<RelayRequest, { type: T }>;

function owner(conn: ConnectionAuth): { mailbox: Bytes; identityKey: Bytes } {
  if (conn.mailbox === undefined || conn.identityKey === undefined) throw new RelayError('AUTH_REQUIRED', 'authenticate first');
  return { mailbox: conn.mailbox, identityKey: conn.identityKey };
}

/**
 * The budget a request presenting this token at `mailbox` is charged to, once the token was admitted.
 * Each token of a mailbox has its own (§7.3): one token holder — a hostile contact, a hostile group
 * member — can spend only its own share, never another contact's.
 */
function mailboxBudget(mailbox: Bytes, tokenHash: Bytes): BudgetRef {
  return { table: 'mailbox', key: `${toHex(mailbox)}:${toHex(tokenHash)}` };
}

/** Admits a request aimed at `mailbox`: the token first (a refusal costs the mailbox nothing), then the token's bucket. */
async function admit(ctx: RelayContext, conn: ConnectionAuth, mailbox: Bytes, tokenHash: Bytes): Promise<void> {
  if (!(await ctx.store.hasToken(mailbox, tokenHash))) throw new RelayError('TOKEN_REFUSED', 'refused');
  const wait = await ctx.limiter.takeAll([mailboxBudget(mailbox, tokenHash)], 1, ctx.options.now());
  if (wait > 0) {
    ctx.attacks.note('rate-limited', conn.address);
    throw new RelayError('RATE_LIMITED', 'mailbox rate limit', wait);
  }
}

function auth(ctx: RelayContext, conn: ConnectionAuth, req: Req<'auth'>): Handled {
  if (conn.mailbox !== undefined) throw new RelayError('ALREADY_AUTHENTICATED', 'connection already authenticated');
  if (!verifyAuth(ctx.relayId, conn.nonce, req.identityKey, req.signature)) throw new RelayError('AUTH_FAILED', 'bad signature');
  const mailbox = deriveMailboxId(ctx.relaySecret, req.identityKey);
  conn.authenticate(req.identityKey, mailbox);
  return {
    result: { re: 'auth', mailbox },
    after: () => {
      conn.notify();
      void ctx.store.preKeyCounts(mailbox).then((c) => warnIfLow(ctx, mailbox, c.oneTime, c.kem), () => undefined);
    },
  };
}

function warnIfLow(ctx: RelayContext, mailbox: Bytes, oneTime: number, kem: number): void {
  const threshold = ctx.options.limits.preKeysLowThreshold;
  if (oneTime < threshold || kem < threshold) ctx.online.get(toHex(mailbox))?.pushPreKeysLow(oneTime, kem);
}

async function publish(ctx: RelayContext, conn: ConnectionAuth, req: Req<'publish'>): Promise<Handled> {
  const { mailbox, identityKey } = owner(conn);
  const { limits } = ctx.options;
  const counts = await ctx.store.publishPreKeys(mailbox, verifyPublish(identityKey, req), { maxOneTime: limits.maxOneTimePreKeys, maxKem: limits.maxKemPreKeys });
  return { result: { re: 'publish', ...counts } };
}

/**
 * Whether this fetch may consume one-time prekeys (§2.1 bundle): within the token's hourly and the
 * mailbox's daily budget. Beyond it the bundle is still served, from the signed and last-resort keys,
 * so a contact can always start a session but nobody can drain the owner's one-time prekeys.
 */
async function withinBundleBudget(ctx: RelayContext, conn: ConnectionAuth, mailbox: Bytes, tokenHash: Bytes): Promise<boolean> {
  const budgets: BudgetRef[] = [{ table: 'bundleToken', key: toHex(tokenHash) }, { table: 'bundleMailbox', key: toHex(mailbox) }];
  if ((await ctx.limiter.takeAll(budgets, 1, ctx.options.now())) === 0) return true;
  ctx.attacks.note('bundle-budget', conn.address);
  return false;
}

async function bundle(ctx: RelayContext, conn: ConnectionAuth, req: Req<'bundle'>): Promise<Handled> {
  const tokenHash = hashToken(req.token);
  await admit(ctx, conn, req.mailbox, tokenHash);
  const consume = await withinBundleBudget(ctx, conn, req.mailbox, tokenHash);
  const taken = await ctx.store.takeBundle(req.mailbox, tokenHash, consume);
  return {
    result: { re: 'bundle', bundle: bundleOf(taken) },
    after: () => warnIfLow(ctx, req.mailbox, taken.counts.oneTime, taken.counts.kem),
  };
}

function expiresAt(ctx: RelayContext, ttl: number | undefined): number {
  return ctx.options.now() + Math.min(ttl ?? ctx.options.ttlSeconds, ctx.options.ttlSeconds) * 1000;
}

function quota(ctx: RelayContext): Quota {
  const l = ctx.options.limits;
  return { maxEnvelopes: l.mailboxMaxEnvelopes, maxBytes: l.mailboxMaxBytes, maxTotalDeliveries: l.maxStoredDeliveries, maxTotalBytes: l.maxStoredBytes };
}

async function send(ctx: RelayContext, conn: ConnectionAuth, req: Req<'send'>): Promise<Handled> {
  const tokenHash = hashToken(req.token);
  await admit(ctx, conn, req.mailbox, tokenHash);
  const [result] = await storeAndPush(ctx, req.data, expiresAt(ctx, req.ttl), [{ mailbox: req.mailbox, tokenHash }], quota(ctx));
  if (result === undefined) throw new RelayError('INTERNAL', 'no enqueue result');
  if (!result.ok) {
    if (result.code === 'STORAGE_FULL') ctx.attacks.note('storage-full', conn.address);
    throw new RelayError(result.code, 'refused');
  }
  return { result: { re: 'send' } };
}

/** Each recipient is admitted on its own, token first (the sender already paid one unit per recipient). */
async function fanout(ctx: RelayContext, conn: ConnectionAuth, req: Req<'fanout'>): Promise<Handled> {
  const hashes = req.to.map((r) => hashToken(r.token));
  const held = await ctx.store.hasTokens(req.to.map((r, i) => ({ mailbox: r.mailbox, tokenHash: hashes[i] as Bytes })));
  const results: string[] = held.map((h) => (h ? 'ok' : 'TOKEN_REFUSED'));
  const withToken = held.flatMap((h, i) => (h ? [i] : []));
  const waits = await ctx.limiter.takeEach(withToken.map((i) => mailboxBudget(req.to[i]?.mailbox as Bytes, hashes[i] as Bytes)), ctx.options.now());
  const admitted: Recipient[] = [];
  const slots: number[] = [];
  withToken.forEach((i, j) => {
    if ((waits[j] ?? 0) > 0) {
      results[i] = 'RATE_LIMITED';
      return;
    }
    admitted.push({ mailbox: req.to[i]?.mailbox as Bytes, tokenHash: hashes[i] as Bytes });
    slots.push(i);
  });
  if (admitted.length < req.to.length && results.includes('RATE_LIMITED')) ctx.attacks.note('rate-limited', conn.address);
  if (admitted.length > 0) {
    const stored = await storeAndPush(ctx, req.data, expiresAt(ctx, req.ttl), admitted, quota(ctx));
    stored.forEach((s, j) => {
      if (!s.ok) results[slots[j] as number] = s.code;
    });
    if (stored.some((s) => !s.ok && s.code === 'STORAGE_FULL')) ctx.attacks.note('storage-full', conn.address);
  }
  return { result: { re: 'fanout', results } };
}

async function ephemeral(ctx: RelayContext, conn: ConnectionAuth, req: Req<'ephemeral'>): Promise<Handled> {
  await admit(ctx, conn, req.mailbox, hashToken(req.token));
  const delivered = ctx.online.get(toHex(req.mailbox))?.pushEphemeral(req.data) ?? false;
  return { result: { re: 'ephemeral', delivered } };
}

export async function handleRequest(ctx: RelayContext, conn: ConnectionAuth, req: RelayRequest): Promise<Handled> {
  switch (req.type) {
    case 'auth': return auth(ctx, conn, req);
    case 'publish': return publish(ctx, conn, req);
    case 'counts': {
      const counts = await ctx.store.preKeyCounts(owner(conn).mailbox);
      return { result: { re: 'counts', ...counts } };
    }
    case 'bundle': return bundle(ctx, conn, req);
    case 'token_add': {
      const { mailbox } = owner(conn);
      const replaces = req.replaces !== undefined ? hashToken(req.replaces) : undefined;
      await ctx.store.addToken(mailbox, hashToken(req.token), replaces, ctx.options.limits.maxTokensPerMailbox);
      return { result: { re: 'token_add' } };
    }
    case 'token_revoke':
      await ctx.store.revokeToken(owner(conn).mailbox, hashToken(req.token));
      return { result: { re: 'token_revoke' } };
    case 'send': return send(ctx, conn, req);
    case 'fanout': return fanout(ctx, conn, req);
    case 'ephemeral': return ephemeral(ctx, conn, req);
    case 'ack': {
      const { mailbox } = owner(conn);
      const ids = conn.storedOf(req.ids);
      await ctx.store.ack(mailbox, ids instanceof Promise ? await ids : ids);
      return { result: { re: 'ack' }, after: () => conn.acked(req.ids) };
    }
    case 'blob_grant':
      return { result: { re: 'blob_grant', ...(await ctx.blobs.grant(owner(conn).mailbox, req.size)) } };
    case 'device_list_publish':
      return { result: { re: 'device_list_publish', version: await publishDeviceList(ctx.store, owner(conn).identityKey, req.list) } };
    case 'device_list_fetch':
      owner(conn);
      return { result: { re: 'device_list_fetch', lists: await fetchDeviceLists(ctx.store, req.account, req.since) } };
    case 'link_open': case 'link_send': case 'link_listen': case 'link_close': {
      const caller: LinkCaller = { mailbox: owner(conn).mailbox, target: conn.linkTarget };
      return handleLinkRequest(ctx, caller, req);
    }
  }
}
