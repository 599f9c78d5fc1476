/**
 * The sealed connection (spec/client.md §6.4): a second socket to the relay
 * that never sends `auth`, carrying every request that names a recipient
 * (`send`, `fanout`, `ephemeral`, `bundle`), so the relay cannot tie the
 * sender's identity to the mailboxes it writes to.
 *
 * Opened lazily, after a random delay, when a request is waiting; the relay
 * closes it when idle (4002 after `unauthenticatedIdleMs`, relay.md §7.3) and
 * the next request opens another. A request not yet written waits for the
 * socket (up to the request timeout, then NOT_CONNECTED naming why). A request
 * written when the socket closes: after a 4002 idle close the relay never
 * handled it, so it is sent once more on a new socket; after any other loss
 * it fails with NOT_CONNECTED (the relay may hold it: sending again could
 * duplicate it), and the connection reopens with its own backoff and calls
 * onSealedReady so that the outbox sends what it still holds.
 */
import type { RandomSource } from '../../crypto/index.js';
import type { RelayResult } from '../../wire/relay-frames.js';
import { ClientError } from '../errors.js';
import type { LateAnswer } from './relay-api.js';
import { backoffDelay, DEFAULT_BACKOFF, uniformDelay, type BackoffOptions } from './backoff.js';
import { readServerFrame, RequestTable, retryRateLimited, type Request } from './requests.js';
import { connectionFailure, frameBytes, type ConnectionFailure, type WebSocketFactory, type WebSocketLike } from './websocket.js';

export interface SealedConnectionOptions {
  readonly url: string;
  readonly random: RandomSource;
  readonly webSocket: WebSocketFactory;
  readonly backoff?: BackoffOptions;
  readonly requestTimeoutMs?: number;
  /** Upper bound of the random delay before a socket is opened (default 300 ms), so it does not open in step with the authenticated one. */
  readonly openJitterMs?: number;
  readonly onReady?: () => void;
}

export interface RequestOptions {
  readonly retryRateLimited?: boolean;
  readonly late?: LateAnswer;
}

/** The relay's close code for an unauthenticated connection left idle (relay.md §7.2). */
const IDLE_CLOSE = 4002;

interface Waiter {
  readonly resolve: (ws: WebSocketLike) => void;
  readonly reject: (e: unknown) => void;
}

export class SealedConnection {
  readonly #o: SealedConnectionOptions;
  readonly #requests: RequestTable;
  #ws: WebSocketLike | undefined;
  #open = false;
  #closed = false;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters = new Set<Waiter>();
  #lastFailure: ConnectionFailure | undefined;
  /** A loss failed written requests: tell the owner once the next socket is open. */
  #notifyOnOpen = false;

  constructor(options: SealedConnectionOptions) {
    this.#o = options;
    this.#requests = new RequestTable(options.requestTimeoutMs);
  }

  /** Sockets opened so far (tests). */
  opened = 0;

  /**
   * Sends `r` and resolves with its answer. A RATE_LIMITED refusal is retried after the relay's retryAfter
   * unless `options.retryRateLimited` is false; `options.late` hears an answer that comes after TIMEOUT.
   */
  request(r: Request, options: RequestOptions = {}): Promise<RelayResult> {
    const once = async (): Promise<RelayResult> => {
      for (let idleRetry = false; ; idleRetry = true) {
        const ws = await this.#socket();
        try {
          return await this.#requests.send(ws, r, options.late);
        } catch (e) {
          const idleClosed = e instanceof ClientError && e.code === 'NOT_CONNECTED' && e.details['closeCode'] === IDLE_CLOSE;
          if (!idleClosed || idleRetry) throw e;
        }
      }
    };
    return options.retryRateLimited === false ? once() : retryRateLimited(once);
  }

  /** Opens at once if a request is waiting for a socket (the network is back). */
  reconnectNow(): void {
    if (this.#closed || this.#ws !== undefined || this.#waiters.size === 0) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#attempt = 0;
    this.#connect();
  }

  interrupt(): void {
    this.#ws?.close(4000, 'interrupted');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const closed = new ClientError('CLOSED', 'the connection is closed');
    for (const w of [...this.#waiters]) w.reject(closed);
    this.#waiters.clear();
    this.#requests.failAll(closed);
    this.#ws?.close(1000, 'client closing');
    this.#ws = undefined;
  }

  /** The open socket, or one opened for this request. */
  #socket(): Promise<WebSocketLike> {
    if (this.#closed) return Promise.reject(new ClientError('CLOSED', 'the connection is closed'));
    if (this.#ws !== undefined && this.#open) return Promise.resolve(this.#ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const why = this.#lastFailure;
        reject(new ClientError('NOT_CONNECTED', `no connection to the relay for sealed sending${why === undefined ? '' : `: ${why.message}`}`, {
          ...(why !== undefined && { reason: why.code }), ...(why?.closeCode !== undefined && { closeCode: why.closeCode }),
        }));
      }, this.#o.requestTimeoutMs ?? 15_000);
      const waiter: Waiter = {
        resolve: (ws) => { clearTimeout(timer); resolve(ws); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.#waiters.add(waiter);
      if (this.#ws === undefined && this.#timer === undefined) {
        // Not in step with anything else the client opens (client.md §6.4).
        this.#timer = setTimeout(() => { this.#timer = undefined; this.#connect(); }, uniformDelay(this.#o.openJitterMs ?? 300, this.#o.random));
      }
    });
  }

  #connect(): void {
    if (this.#closed || this.#ws !== undefined) return;
    let ws: WebSocketLike;
    try {
      ws = this.#o.webSocket(this.#o.url);
    } catch (e) {
      this.#lastFailure = connectionFailure(e, { code: 1006 }, false);
      this.#retryLater();
      return;
    }
    this.opened++;
    this.#ws = ws;
    this.#open = false;
    let error: unknown;
    ws.onmessage = (ev) => {
      if (this.#ws !== ws) return;
      const bytes = frameBytes(ev.data);
      const frame = bytes === undefined ? undefined : readServerFrame(ws, bytes);
      if (frame === undefined || this.#requests.answer(frame)) return;
      if (frame.type === 'challenge') this.#onOpen(ws); // never answered: this connection stays unauthenticated
    };
    ws.onerror = (ev) => { error = ev; };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      const wasOpen = this.#open;
      this.#ws = undefined;
      this.#open = false;
      const failure = connectionFailure(error, ev, wasOpen);
      this.#lastFailure = failure;
      if (this.#requests.size > 0) {
        if (ev.code !== IDLE_CLOSE) this.#notifyOnOpen = true;
        this.#requests.failAll(new ClientError('NOT_CONNECTED', `the sealed connection to the relay was lost: ${failure.message}`, {
          reason: failure.code, closeCode: ev.code,
        }));
      }
      if (this.#closed) return;
      // Reopen only for a request that is waiting, or to tell the owner its failed requests can be sent again.
      if (this.#waiters.size > 0 || this.#notifyOnOpen) this.#retryLater();
      else this.#attempt = 0;
    };
  }

  #onOpen(ws: WebSocketLike): void {
    this.#open = true;
    this.#attempt = 0;
    this.#lastFailure = undefined;
    for (const w of [...this.#waiters]) w.resolve(ws);
    this.#waiters.clear();
    if (this.#notifyOnOpen) {
      this.#notifyOnOpen = false;
      this.#o.onReady?.();
    }
  }

  #retryLater(): void {
    if (this.#closed || this.#timer !== undefined) return;
    const delayMs = backoffDelay(this.#attempt, this.#o.random, this.#o.backoff ?? DEFAULT_BACKOFF);
    this.#attempt++;
    this.#timer = setTimeout(() => { this.#timer = undefined; this.#connect(); }, delayMs);
  }
}
