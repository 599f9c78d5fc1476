/**
 * Request semantics (spec/relay.md §2.3): one function per request type, each
 * resolving to the `ok` result or throwing a RelayError. Authentication state
 * comes from the connection; everything durable goes through the store.
 */
import { toHex, type Bytes } from '../src/crypto/index.js';
import type { RelayRequest, RelayResult } from '../src/wire/index.js';
import { hashToken, verifyAuth, deriveMailboxId } from './auth.js';
import type { RelayContext } from './context.js';
import { RelayError } from './errors.js';
import { bundleOf, verifyPublish } from './prekey-directory.js';
import type { Recipient } from './store/types.js';

/** What handlers need from the connection that received the request. */
export interface ConnectionAuth {
  readonly nonce: Bytes;
  readonly mailbox: Bytes | undefined;
  readonly identityKey: Bytes | undefined;
  authenticate(identityKey: Bytes, mailbox: Bytes): void;
  acked(eids: readonly number[]): void;
  notify(): void;
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

/** Takes one token from the recipient mailbox's bucket or refuses. */
function admitToMailbox(ctx: RelayContext, mailbox: Bytes): void {
  const wait = ctx.mailboxBuckets.take(toHex(mailbox), ctx.options.now());
  if (wait > 0) throw new RelayError('RATE_LIMITED', 'mailbox rate limit', wait);
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

async function bundle(ctx: RelayContext, req: Req<'bundle'>): Promise<Handled> {
  admitToMailbox(ctx, req.mailbox);
  const taken = await ctx.store.takeBundle(req.mailbox, hashToken(req.token));
  return {
    result: { re: 'bundle', bundle: bundleOf(taken) },
    after: () => warnIfLow(ctx, req.mailbox, taken.counts.oneTime, taken.counts.kem),
  };
}

function expiresAt(ctx: RelayContext, ttl: number | undefined): number {
  return ctx.options.now() + Math.min(ttl ?? ctx.options.ttlSeconds, ctx.options.ttlSeconds) * 1000;
}

function quota(ctx: RelayContext): { maxEnvelopes: number; maxBytes: number } {
  return { maxEnvelopes: ctx.options.limits.mailboxMaxEnvelopes, maxBytes: ctx.options.limits.mailboxMaxBytes };
}

async function send(ctx: RelayContext, req: Req<'send'>): Promise<Handled> {
  admitToMailbox(ctx, req.mailbox);
  const [result] = await ctx.store.enqueue(req.data, expiresAt(ctx, req.ttl), [{ mailbox: req.mailbox, tokenHash: hashToken(req.token) }], quota(ctx));
  if (result === undefined) throw new RelayError('INTERNAL', 'no enqueue result');
  if (!result.ok) throw new RelayError(result.code, 'refused');
  ctx.online.get(toHex(req.mailbox))?.notify();
  return { result: { re: 'send' } };
}

async function fanout(ctx: RelayContext, req: Req<'fanout'>): Promise<Handled> {
  const results: string[] = [];
  const admitted: Recipient[] = [];
  const slots: number[] = [];
  req.to.forEach((r, i) => {
    const wait = ctx.mailboxBuckets.take(toHex(r.mailbox), ctx.options.now());
    results.push(wait > 0 ? 'RATE_LIMITED' : 'ok');
    if (wait === 0) {
      admitted.push({ mailbox: r.mailbox, tokenHash: hashToken(r.token) });
      slots.push(i);
    }
  });
  if (admitted.length > 0) {
    const stored = await ctx.store.enqueue(req.data, expiresAt(ctx, req.ttl), admitted, quota(ctx));
    stored.forEach((s, j) => {
      const slot = slots[j] as number;
      if (s.ok) ctx.online.get(toHex(admitted[j]?.mailbox ?? new Uint8Array()))?.notify();
      else results[slot] = s.code;
    });
  }
  return { result: { re: 'fanout', results } };
}

async function ephemeral(ctx: RelayContext, req: Req<'ephemeral'>): Promise<Handled> {
  admitToMailbox(ctx, req.mailbox);
  if (!(await ctx.store.hasToken(req.mailbox, hashToken(req.token)))) throw new RelayError('TOKEN_REFUSED', 'refused');
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
    case 'bundle': return bundle(ctx, req);
    case 'token_add': {
      const { mailbox } = owner(conn);
      const replaces = req.replaces !== undefined ? hashToken(req.replaces) : undefined;
      await ctx.store.addToken(mailbox, hashToken(req.token), replaces, ctx.options.limits.maxTokensPerMailbox);
      return { result: { re: 'token_add' } };
    }
    case 'token_revoke':
      await ctx.store.revokeToken(owner(conn).mailbox, hashToken(req.token));
      return { result: { re: 'token_revoke' } };
    case 'send': return send(ctx, req);
    case 'fanout': return fanout(ctx, req);
    case 'ephemeral': return ephemeral(ctx, req);
    case 'ack': {
      const { mailbox } = owner(conn);
      await ctx.store.ack(mailbox, req.ids);
      return { result: { re: 'ack' }, after: () => conn.acked(req.ids) };
    }
  }
}
