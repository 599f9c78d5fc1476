/**
 * One WebSocket connection (spec/relay.md §2, §7): challenge, strict frame
 * decoding, per-connection rate limit, strikes, in-flight bound, and the
 * delivery pump with backpressure. Request semantics live in handlers.ts.
 *
 * Nothing here throws out of an event handler: every path ends in an `ok` or
 * `error` frame, or a close with a code.
 */
import type { WebSocket, RawData } from 'ws';
import { RELAY_NONCE_LENGTH } from '../src/constants.js';
import { toHex, type Bytes } from '../src/crypto/index.js';
import {
  decodeMsgpack, encodeRelayServerFrame, readRelayRequest, relayFrameId, type RelayRequest, type RelayServerFrame,
} from '../src/wire/index.js';
import { CLOSE_PROTOCOL_VIOLATIONS, CLOSE_RATE_LIMIT_ABUSE, CLOSE_REPLACED } from './close-codes.js';
import type { MailboxSession, RelayContext } from './context.js';
import { RelayError, relayErrorOf } from './errors.js';
import { handleRequest, type ConnectionAuth } from './handlers.js';
import { TokenBucket } from './rate-limit.js';
import { rawSocket, TickCork } from './tick-cork.js';

/** Codes that count as a strike: the peer broke the protocol rather than hit a condition. */
const STRIKE_CODES = new Set(['BAD_FRAME', 'UNSUPPORTED_VERSION', 'AUTH_REQUIRED', 'ALREADY_AUTHENTICATED', 'AUTH_FAILED', 'TOO_LARGE', 'BAD_PREKEY']);
const PUMP_PAGE = 100;

export class Connection implements MailboxSession, ConnectionAuth {
  readonly nonce: Bytes;
  mailbox: Bytes | undefined;
  identityKey: Bytes | undefined;
  private mailboxKey: string | undefined;
  alive = true;
  private strikes = 0;
  private rateLimitedRun = 0;
  private readonly bucket: TokenBucket;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  // delivery pump
  private cursor = 0;
  private readonly unacked = new Set<number>();
  private pumping = false;
  private pumpAgain = false;
  private outputBlocked = false;
  private readonly cork = new TickCork();

  constructor(private readonly ctx: RelayContext, private readonly ws: WebSocket) {
    const { limits } = ctx.options;
    this.bucket = new TokenBucket(limits.connectionRate, limits.connectionBurst, ctx.options.now());
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
    this.ws.close(code, reason);
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
      value = decodeMsgpack(bytes, this.ctx.options.limits.maxFrameSize, 'relay request');
      req = readRelayRequest(value);
    } catch (e) {
      this.ctx.metrics.frameIn('invalid');
      this.fail(relayFrameId(value), relayErrorOf(e));
      return;
    }
    this.ctx.metrics.frameIn(req.type);
    if (this.ctx.draining) return this.fail(req.id, new RelayError('SHUTTING_DOWN', 'relay is shutting down'));
    const wait = this.bucket.take(this.ctx.options.now());
    if (wait > 0) {
      this.fail(req.id, new RelayError('RATE_LIMITED', 'connection rate limit', wait));
      if (++this.rateLimitedRun >= this.ctx.options.limits.maxRateLimited) this.close(CLOSE_RATE_LIMIT_ABUSE, 'rate limit abuse');
      return;
    }
    this.rateLimitedRun = 0;
    this.run(req);
  }

  private run(req: RelayRequest): void {
    const started = process.hrtime.bigint();
    const task = handleRequest(this.ctx, this, req).then(
      (handled) => {
        this.send({ type: 'ok', id: req.id, result: handled.result });
        handled.after?.();
      },
      (e: unknown) => {
        if (!(e instanceof RelayError)) this.ctx.log.error({ type: req.type, err: (e as Error)?.name }, 'request failed');
        this.fail(req.id, relayErrorOf(e));
      },
    ).finally(() => {
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
    if (STRIKE_CODES.has(e.code) && ++this.strikes >= this.ctx.options.limits.maxStrikes) {
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
    }
  };

  // ── ConnectionAuth (handlers) ─────────────────────────────────────────────

  authenticate(identityKey: Bytes, mailbox: Bytes): void {
    this.identityKey = identityKey;
    this.mailbox = mailbox;
    this.mailboxKey = toHex(mailbox);
    const previous = this.ctx.online.get(this.mailboxKey);
    this.ctx.online.set(this.mailboxKey, this);
    previous?.replaced();
  }

  acked(eids: readonly number[]): void {
    for (const eid of eids) this.unacked.delete(eid);
    this.notify();
  }

  // ── MailboxSession (pushes) ───────────────────────────────────────────────

  notify(): void {
    if (this.mailbox === undefined || this.closed) return;
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

  /** Pushes stored envelopes in eid order while the unacked window and the socket buffer allow. */
  private async pump(): Promise<void> {
    const { maxUnacked } = this.ctx.options.limits;
    const mailbox = this.mailbox;
    if (mailbox === undefined) return;
    while (!this.closed && !this.outputBlocked && this.unacked.size < maxUnacked) {
      const page = await this.ctx.store.pending(mailbox, this.cursor, Math.min(PUMP_PAGE, maxUnacked - this.unacked.size), this.ctx.options.now());
      if (page.length === 0 || this.closed) return;
      for (const e of page) {
        if (this.closed || this.outputBlocked) return; // resumes from the cursor on drain
        this.cursor = e.eid;
        this.unacked.add(e.eid);
        this.ctx.metrics.deliveries.inc();
        this.send({ type: 'deliver', eid: e.eid, data: e.data });
      }
    }
  }

  pushEphemeral(data: Bytes): boolean {
    if (this.closed || this.outputBlocked) return false;
    this.send({ type: 'ephemeral', data });
    return true;
  }

  pushPreKeysLow(oneTime: number, kem: number): void {
    if (!this.closed) this.send({ type: 'prekeys_low', oneTime, kem });
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
    this.detach();
    this.ctx.metrics.connections.dec();
  }
}
