/**
 * One WebSocket connection (spec/relay.md §2, §7): challenge, strict frame
 * decoding, the sender's budget (per connection and per address, one unit per
 * request or per fanout recipient), strikes, in-flight bound, and the delivery
 * pump with backpressure. Request semantics live in handlers.ts.
 *
 * Nothing here throws out of an event handler: every path ends in an `ok` or
 * `error` frame, or a close with a code.
 */
import type { WebSocket, RawData } from 'ws';
import { RELAY_NONCE_LENGTH } from '../src/constants.js';
import { toHex, type Bytes } from '../src/crypto/index.js';
import {
  decodeRelayRequestValue, encodeRelayServerFrame, readRelayRequest, relayFrameId, type RelayLinkDeliver, type RelayRequest, type RelayServerFrame,
} from '../src/wire/index.js';
import { DEVICE_LIST_PUBLISH_COST } from './device-lists.js';
import type { LinkPushTarget } from './link-listeners.js';
import { LINK_OPEN_COST } from './link-mailboxes.js';
import {
  CLOSE_IDLE_UNAUTHENTICATED, CLOSE_NOT_STORED, CLOSE_PROTOCOL_VIOLATIONS, CLOSE_RATE_LIMIT_ABUSE, CLOSE_REPLACED,
} from './close-codes.js';
import type { MailboxSession, RelayContext } from './context.js';
import { RelayError, relayErrorOf } from './errors.js';
import { handleRequest, type ConnectionAuth, type Handled } from './handlers.js';
import { PushedAhead } from './pushed-ahead.js';
import { TokenBucket } from './rate-limit.js';
import { rawSocket, TickCork } from './tick-cork.js';

/** Codes that count as a strike: the peer broke the protocol rather than hit a condition. */
const STRIKE_CODES = new Set(['BAD_FRAME', 'UNSUPPORTED_VERSION', 'AUTH_REQUIRED', 'ALREADY_AUTHENTICATED', 'AUTH_FAILED', 'TOO_LARGE', 'BAD_PREKEY',
  'BAD_DEVICE_LIST', 'NOT_A_DEVICE']);

/**
 * Cost units a request charges its sender (§2.1 Cost): one, a fanout one per recipient, a device-list
 * publish its verifications, a link open the slot it holds (§14.4).
 */
function requestCost(req: RelayRequest): number {
  if (req.type === 'fanout') return req.to.length;
  if (req.type === 'link_open') return LINK_OPEN_COST;
  return req.type === 'device_list_publish' ? DEVICE_LIST_PUBLISH_COST : 1;
}
const PUMP_PAGE = 100;

export class Connection implements MailboxSession, ConnectionAuth, LinkPushTarget {
  readonly nonce: Bytes;
  mailbox: Bytes | undefined;
  identityKey: Bytes | undefined;
  private mailboxKey: string | undefined;
  alive = true;
  private strikes = 0;
  private rateLimitedRun = 0;
  private readonly bucket: TokenBucket;
  /** When the last well-formed request arrived (or the connection opened): the unauthenticated idle deadline runs from here. */
  lastRequestAt: number;
  private lastPreKeysLowAt = -Infinity;
  /** The tail of this connection's charge chain (admit). */
  private charging: Promise<unknown> = Promise.resolve();
  /** Charges queued on `charging` and not yet taken. */
  private chargesWaiting = 0;
  private preKeysLowTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  // delivery pump
  private cursor = 0;
  private readonly unacked = new Set<number>();
  private pumping = false;
  private pumpAgain = false;
  /** The store may hold envelopes past the cursor (false once a read found none and every later one was offered). */
  private behind = true;
  /** Envelopes pushed ahead of their commit (spec/relay.md §2.3); created on the first: an idle connection holds none. */
  private ahead: PushedAhead | undefined;
  private outputBlocked = false;
  private readonly cork = new TickCork();

  constructor(private readonly ctx: RelayContext, private readonly ws: WebSocket, readonly address: string) {
    const { limits } = ctx.options;
    this.lastRequestAt = ctx.options.now();
    this.bucket = new TokenBucket(limits.connectionRate, limits.connectionBurst, this.lastRequestAt);
    this.nonce = ctx.options.random(RELAY_NONCE_LENGTH);
    ws.on('message', (data, isBinary) => this.safely(() => this.onMessage(data, isBinary)));
    ws.on('pong', () => { this.alive = true; });
    ws.on('close', () => this.onClose());
    ws.on('error', () => { /* 'close' follows; nothing to log about a peer's socket */ });
    this.send({ type: 'challenge', relayId: ctx.relayId, nonce: this.nonce });
  }

  /** Settles when every request received so far has been answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.metrics.closes.labels(String(code)).inc();
    this.ws.close(code, reason);
  }

  get authenticated(): boolean {
    return this.mailbox !== undefined;
  }

  /** Closes an unauthenticated connection whose last request is older than unauthenticatedIdleMs (server sweep). */
  closeIfIdle(now: number): void {
    if (this.authenticated || this.closed || now - this.lastRequestAt < this.ctx.options.limits.unauthenticatedIdleMs) return;
    this.ctx.attacks.note('idle-close', this.address);
    this.close(CLOSE_IDLE_UNAUTHENTICATED, 'authenticate or send a request');
  }

  /** Closes with `code` and resolves once the socket is closed (terminating it after `timeoutMs`). */
  closeAndWait(code: number, reason: string, timeoutMs: number): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.ws.terminate(), timeoutMs);
      this.ws.once('close', () => { clearTimeout(timer); resolve(); });
      this.closed = true;
      this.ws.close(code, reason);
    });
  }

  /** Heartbeat: the next ping must be answered (or any frame received) before the one after. */
  ping(): void {
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      this.terminate();
    }
  }

  terminate(): void {
    this.closed = true;
    this.ws.terminate();
  }

  private safely(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.ctx.log.error({ err: (e as Error).name }, 'connection handler failed');
      this.terminate();
    }
  }

  // ── requests ──────────────────────────────────────────────────────────────

  private onMessage(data: RawData, isBinary: boolean): void {
    this.alive = true;
    if (this.closed) return;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    let value: unknown;
    let req: RelayRequest;
    try {
      if (!isBinary) throw new RelayError('BAD_FRAME', 'text frame');
      value = decodeRelayRequestValue(bytes, this.ctx.options.limits.maxFrameSize);
      req = readRelayRequest(value);
    } catch (e) {
      this.ctx.metrics.frameIn('invalid');
      this.fail(relayFrameId(value), relayErrorOf(e));
      return;
    }
    this.ctx.metrics.frameIn(req.type);
    if (this.ctx.draining) return this.fail(req.id, new RelayError('SHUTTING_DOWN', 'relay is shutting down'));
    this.lastRequestAt = this.ctx.options.now();
    this.run(req);
  }

  /**
   * Charges `cost` units to this connection and to its address (spec/relay.md §7.3): both or neither.
   * Returns 0 when charged, else the milliseconds until both budgets could pay.
   */
  private async charge(now: number, cost: number): Promise<number> {
    const local = this.bucket.take(now, cost);
    if (local > 0) return local;
    return this.refundIfRefused(cost, await this.ctx.limiter.takeAll([{ table: 'address', key: this.address }], cost, now));
  }

  /** charge() without a promise, when the shared budgets are in this process; undefined when they are not. */
  private chargeNow(now: number, cost: number): number | undefined {
    const { limiter } = this.ctx;
    if (limiter.takeAllNow === undefined) return undefined;
    const local = this.bucket.take(now, cost);
    if (local > 0) return local;
    return this.refundIfRefused(cost, limiter.takeAllNow([{ table: 'address', key: this.address }], cost, now));
  }

  /** The address refused (`shared` > 0): the connection's units go back (both or neither). */
  private refundIfRefused(cost: number, shared: number): number {
    if (shared > 0) this.bucket.refund(cost);
    return shared;
  }

  private rateLimited(id: number, wait: number): void {
    this.ctx.attacks.note('rate-limited', this.address);
    this.fail(id, new RelayError('RATE_LIMITED', 'sender rate limit', wait));
    if (++this.rateLimitedRun >= this.ctx.options.limits.maxRateLimited) {
      this.ctx.attacks.note('rate-limit-close', this.address);
      this.close(CLOSE_RATE_LIMIT_ABUSE, 'rate limit abuse');
    }
  }

  /**
   * Charges requests in arrival order — one chain per connection, which costs one Redis round trip per
   * request with shared budgets — so that consecutive refusals are counted exactly (close 4008) and
   * pipelined requests are paid for in order. With in-process budgets and no charge waiting, the
   * charge is taken at once (arrival order holds trivially): the single-node hot path makes no promise.
   */
  private admit(req: RelayRequest): boolean | Promise<boolean> {
    const cost = requestCost(req);
    if (this.chargesWaiting === 0) {
      const wait = this.chargeNow(this.ctx.options.now(), cost);
      if (wait !== undefined) return this.paid(req.id, wait);
    }
    this.chargesWaiting++;
    const turn = this.charging.then(async () => this.paid(req.id, await this.charge(this.ctx.options.now(), cost)))
      .finally(() => { this.chargesWaiting--; });
    this.charging = turn.catch(() => false);
    return turn;
  }

  /** The outcome of a charge: true when paid; otherwise the request is refused RATE_LIMITED. */
  private paid(id: number, wait: number): boolean {
    if (wait > 0) {
      this.rateLimited(id, wait);
      return false;
    }
    this.rateLimitedRun = 0;
    return true;
  }

  /** The sender pays first; then the request is handled and answered. */
  private async admitAndHandle(req: RelayRequest): Promise<void> {
    const admitted = this.admit(req);
    if (!(typeof admitted === 'boolean' ? admitted : await admitted)) return;
    let handled: Handled;
    try {
      handled = await handleRequest(this.ctx, this, req);
    } catch (e) {
      if (!(e instanceof RelayError)) this.ctx.log.error({ type: req.type, err: (e as Error)?.name }, 'request failed');
      return this.fail(req.id, relayErrorOf(e));
    }
    this.send({ type: 'ok', id: req.id, result: handled.result });
    handled.after?.();
  }

  private run(req: RelayRequest): void {
    const started = process.hrtime.bigint();
    const task = this.admitAndHandle(req).catch((e: unknown) => {
      this.ctx.log.error({ type: req.type, err: (e as Error)?.name }, 'connection handler failed');
      this.terminate();
    }).finally(() => {
      this.ctx.metrics.observeLatency(req.type, Number(process.hrtime.bigint() - started) / 1e9);
      this.inFlight.delete(task);
      this.updateReading();
    });
    this.inFlight.add(task);
    this.updateReading();
  }

  private fail(id: number, e: RelayError): void {
    this.ctx.metrics.refusal(e.code);
    this.send({ type: 'error', id, code: e.code, ...(e.retryAfter !== undefined ? { retryAfter: e.retryAfter } : {}) });
    if (!STRIKE_CODES.has(e.code)) return;
    this.ctx.metrics.strikes.inc();
    if (++this.strikes >= this.ctx.options.limits.maxStrikes) {
      this.ctx.attacks.note('strike-close', this.address);
      this.close(CLOSE_PROTOCOL_VIOLATIONS, 'too many protocol violations');
    }
  }

  /** Reading pauses while too many requests are in flight or the socket's send buffer is above the high-water mark. */
  private updateReading(): void {
    if (this.closed) return;
    const stop = this.inFlight.size >= this.ctx.options.limits.maxInFlight || this.outputBlocked;
    if (stop && !this.ws.isPaused) this.ws.pause();
    else if (!stop && this.ws.isPaused) this.ws.resume();
  }

  // ── output with backpressure ──────────────────────────────────────────────

  private send(frame: RelayServerFrame): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ctx.metrics.frameOut(frame.type);
    this.cork.cork(rawSocket(this.ws));
    this.ws.send(encodeRelayServerFrame(frame), { binary: true }, this.written);
    if (!this.outputBlocked && this.ws.bufferedAmount > this.ctx.options.limits.highWaterMark) {
      this.outputBlocked = true;
      this.updateReading();
    }
  }

  /** Write callback (one bound function per connection): resumes below half the high-water mark. */
  private readonly written = (): void => {
    if (this.outputBlocked && this.ws.bufferedAmount <= this.ctx.options.limits.highWaterMark / 2) {
      this.outputBlocked = false;
      this.updateReading();
      this.notify();
      this.ctx.links.resume(this);
    }
  };

  // ── ConnectionAuth (handlers) ─────────────────────────────────────────────

  get linkTarget(): LinkPushTarget {
    return this;
  }

  get linkBlocked(): boolean {
    return this.closed || this.outputBlocked;
  }

  get linkClosed(): boolean {
    return this.closed;
  }

  pushLink(frame: RelayLinkDeliver): void {
    this.send(frame);
  }

  authenticate(identityKey: Bytes, mailbox: Bytes): void {
    this.identityKey = identityKey;
    this.mailbox = mailbox;
    this.mailboxKey = toHex(mailbox);
    const previous = this.ctx.online.get(this.mailboxKey);
    this.ctx.online.set(this.mailboxKey, this);
    previous?.replaced();
  }

  /** The acked eids the store may delete now or, for eids pushed ahead of their commit, once it ended (pushed-ahead.ts). */
  storedOf(eids: readonly number[]): readonly number[] | Promise<readonly number[]> {
    return this.ahead === undefined ? eids : this.ahead.storedOf(eids);
  }

  acked(eids: readonly number[]): void {
    for (const eid of eids) this.unacked.delete(eid);
    if (this.behind) this.notify(); // caught up: nothing to read, the next envelope is offered
  }

  // ── MailboxSession (pushes) ───────────────────────────────────────────────

  notify(): void {
    if (this.mailbox === undefined || this.closed) return;
    this.behind = true;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pump().catch((e: unknown) => this.ctx.log.error({ err: (e as Error)?.name }, 'delivery pump failed'))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.notify();
        }
      });
  }

  offer(eid: number, data: Bytes): void {
    if (this.mailbox === undefined || this.closed) return;
    if (!this.caughtUpTo(eid)) {
      this.notify();
      return;
    }
    this.push(eid, data);
  }

  /**
   * Whether `eid` is the next envelope this connection would push, with nothing being read and room to push
   * it. Eids of a mailbox are consecutive: eid = cursor + 1 means every earlier one was pushed already.
   */
  private caughtUpTo(eid: number): boolean {
    return !this.pumping && !this.outputBlocked && eid === this.cursor + 1 && this.unacked.size < this.ctx.options.limits.maxUnacked;
  }

  pushAhead(eid: number, data: Bytes): boolean {
    if (this.mailbox === undefined || this.closed || !this.caughtUpTo(eid)) return false;
    (this.ahead ??= new PushedAhead()).add(eid);
    this.push(eid, data);
    return true;
  }

  settleAhead(eid: number, stored: boolean): void {
    // Not stored as pushed: the client holds an envelope the relay does not hold under that eid, and this
    // connection's cursor is past it; its next connection starts again from what is stored.
    if (this.ahead?.settle(eid, stored) === true && !stored) this.close(CLOSE_NOT_STORED, 'a delivery was not stored');
  }

  private push(eid: number, data: Bytes): void {
    this.cursor = eid;
    this.unacked.add(eid);
    this.ctx.metrics.deliveries.inc();
    this.send({ type: 'deliver', eid, data });
  }

  /** Pushes stored envelopes in eid order while the unacked window and the socket buffer allow. */
  private async pump(): Promise<void> {
    const { maxUnacked } = this.ctx.options.limits;
    const mailbox = this.mailbox;
    if (mailbox === undefined) return;
    while (!this.closed && !this.outputBlocked && this.unacked.size < maxUnacked) {
      const limit = Math.min(PUMP_PAGE, maxUnacked - this.unacked.size);
      const page = await this.ctx.store.pending(mailbox, this.cursor, limit, this.ctx.options.now());
      if (this.closed) return;
      for (const e of page) {
        if (this.closed || this.outputBlocked) return; // resumes from the cursor on drain
        this.push(e.eid, e.data);
      }
      if (page.length < limit) {
        // The end of the mailbox: a notify() meanwhile set pumpAgain, which reads again.
        this.behind = false;
        return;
      }
    }
  }

  pushEphemeral(data: Bytes): boolean {
    if (this.closed || this.outputBlocked) return false;
    this.send({ type: 'ephemeral', data });
    return true;
  }

  /**
   * Coalesced (spec/relay.md §2.1 bundle): at most one push per preKeysLowIntervalMs. A warning due
   * inside the interval is deferred to its end and then re-reads the counts, so the owner hears the
   * state as it is then — once — however many fetches happened meanwhile.
   */
  pushPreKeysLow(oneTime: number, kem: number): void {
    if (this.closed || this.preKeysLowTimer !== undefined) return;
    const interval = this.ctx.options.limits.preKeysLowIntervalMs;
    const wait = this.lastPreKeysLowAt + interval - this.ctx.options.now();
    if (wait <= 0) {
      this.lastPreKeysLowAt = this.ctx.options.now();
      this.send({ type: 'prekeys_low', oneTime, kem });
      return;
    }
    this.preKeysLowTimer = setTimeout(() => {
      this.preKeysLowTimer = undefined;
      const mailbox = this.mailbox;
      if (mailbox === undefined || this.closed) return;
      this.ctx.store.preKeyCounts(mailbox).then((c) => {
        const threshold = this.ctx.options.limits.preKeysLowThreshold;
        if (c.oneTime < threshold || c.kem < threshold) this.pushPreKeysLow(c.oneTime, c.kem);
      }, () => undefined);
    }, wait);
    this.preKeysLowTimer.unref();
  }

  replaced(): void {
    this.detach();
    this.close(CLOSE_REPLACED, 'replaced by a newer connection');
  }

  private detach(): void {
    if (this.mailboxKey !== undefined && this.ctx.online.get(this.mailboxKey) === this) this.ctx.online.delete(this.mailboxKey);
  }

  private onClose(): void {
    this.closed = true;
    clearTimeout(this.preKeysLowTimer);
    this.detach();
    this.ctx.links.remove(this);
    this.ctx.metrics.connections.dec();
  }
}
