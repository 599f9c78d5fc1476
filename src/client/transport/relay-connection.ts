/**
 * The connection to the relay (spec/relay.md) over a WebSocketLike:
 * authenticates on the relay's challenge, matches every request to its one
 * response, hands pushed envelopes to the client one at a time, and
 * reconnects with backoff and jitter after any loss.
 */
import { sign, type Bytes, type RandomSource } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import { relayAuthPayload } from '../../wire/relay-auth.js';
import {
  decodeRelayServerFrame, encodeRelayRequest, type RelayRequest, type RelayResult, type RelayServerFrame,
} from '../../wire/relay-frames.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { IdentityKeyPair } from '../../identity/index.js';
import { ClientError } from '../errors.js';
import type {
  ConnectionState, FanoutResult, PreKeyCounts, PreKeyUpload, RelayApi, RelayHandlers, RelayRecipient,
} from './relay-api.js';
import { frameBytes, type WebSocketFactory, type WebSocketLike } from './websocket.js';

export interface RelayConnectionOptions {
  readonly url: string;
  readonly identity: IdentityKeyPair;
  readonly random: RandomSource;
  readonly handlers: RelayHandlers;
  readonly webSocket: WebSocketFactory;
  readonly backoff?: BackoffOptions;
  readonly requestTimeoutMs?: number;
}

type Request = RelayRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  readonly resolve: (r: RelayResult) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
/** Retries of a request the relay rate-limited, before giving up with RELAY_ERROR. */
const RATE_LIMIT_RETRIES = 5;

export function connectRelay(options: RelayConnectionOptions): RelayApi {
  const c = new RelayConnection(options);
  c.start();
  return c;
}

class RelayConnection implements RelayApi {
  state: ConnectionState = 'connecting';
  readonly #o: RelayConnectionOptions;
  #ws: WebSocketLike | undefined;
  #authenticated = false;
  #attempt = 0;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Deliveries are processed in order, after the connection's setup (onConnected). */
  #chain: Promise<void> = Promise.resolve();

  constructor(options: RelayConnectionOptions) {
    this.#o = options;
  }

  start(): void {
    this.#connect();
  }

  whenConnected(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new ClientError('CLOSED', 'the connection is closed'));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async publishPreKeys(u: PreKeyUpload): Promise<void> {
    await this.#request({
      type: 'publish', ...(u.signedPreKey !== undefined && { signedPreKey: u.signedPreKey }),
      ...(u.lastResortKemPreKey !== undefined && { kemPreKey: u.lastResortKemPreKey }),
      oneTime: u.oneTimePreKeys, kemOneTime: u.kemOneTimePreKeys,
    });
  }

  async preKeyCounts(): Promise<PreKeyCounts> {
    const r = await this.#request({ type: 'counts' });
    return r.re === 'counts' ? { oneTime: r.oneTime, kem: r.kem } : { oneTime: 0, kem: 0 };
  }

  async fetchBundle(to: RelayRecipient): Promise<Bytes> {
    const r = await this.#request({ type: 'bundle', mailbox: to.mailbox, token: to.token });
    if (r.re !== 'bundle') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.bundle;
  }

  async registerToken(token: Bytes, replaces?: Bytes): Promise<void> {
    await this.#request({ type: 'token_add', token, ...(replaces !== undefined && { replaces }) });
  }

  async revokeToken(token: Bytes): Promise<void> {
    await this.#request({ type: 'token_revoke', token });
  }

  async send(to: RelayRecipient, data: Bytes): Promise<void> {
    await this.#request({ type: 'send', mailbox: to.mailbox, token: to.token, data });
  }

  async fanout(to: readonly RelayRecipient[], data: Bytes): Promise<readonly FanoutResult[]> {
    const r = await this.#request({ type: 'fanout', to: to.map((x) => ({ mailbox: x.mailbox, token: x.token })), data });
    if (r.re !== 'fanout') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.results.map((code) => (code === 'ok' ? { ok: true } : { ok: false, code }));
  }

  async sendEphemeral(to: RelayRecipient, data: Bytes): Promise<void> {
    await this.#request({ type: 'ephemeral', mailbox: to.mailbox, token: to.token, data });
  }

  async ack(ids: readonly number[]): Promise<void> {
    await this.#request({ type: 'ack', ids });
  }

  interrupt(): void {
    this.#ws?.close(4000, 'interrupted');
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.#setState('closed');
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    const closed = new ClientError('CLOSED', 'the connection is closed');
    for (const w of this.#waiters.splice(0)) w.reject(closed);
    this.#failPending(closed);
    this.#ws?.close(1000, 'client closing');
    await this.#chain;
  }

  // ── connection lifecycle ──────────────────────────────────────────────────

  #connect(): void {
    if (this.state === 'closed') return;
    this.#setState('connecting');
    let ws: WebSocketLike;
    try {
      ws = this.#o.webSocket(this.#o.url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#ws = ws;
    ws.onmessage = (ev) => {
      if (this.#ws !== ws) return;
      const bytes = frameBytes(ev.data);
      if (bytes !== undefined) this.#onFrame(ws, bytes);
    };
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#authenticated = false;
      this.#failPending(new ClientError('NOT_CONNECTED', 'the connection to the relay was lost'));
      if (this.state === 'closed') return;
      this.#setState('disconnected');
      this.#scheduleReconnect();
    };
    ws.onerror = () => undefined; // a close event follows
  }

  #scheduleReconnect(): void {
    if (this.state === 'closed') return;
    const delayMs = backoffDelay(this.#attempt, this.#o.random, this.#o.backoff ?? DEFAULT_BACKOFF);
    this.#attempt++;
    this.#o.handlers.onState('disconnected', { attempt: this.#attempt, delayMs });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
  }

  #setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    if (state !== 'disconnected') this.#o.handlers.onState(state, { attempt: this.#attempt });
  }

  #onFrame(ws: WebSocketLike, bytes: Bytes): void {
    let frame: RelayServerFrame;
    try {
      frame = decodeRelayServerFrame(bytes);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      ws.close(4002, 'malformed frame from relay');
      return;
    }
    switch (frame.type) {
      case 'challenge': return this.#authenticate(ws, frame.relayId, frame.nonce);
      case 'ok': return this.#settle(frame.id, (p) => p.resolve(frame.result));
      case 'error': return this.#onError(frame);
      case 'deliver': return this.#deliver({ id: frame.eid, data: frame.data, ephemeral: false });
      case 'ephemeral': return this.#deliver({ id: 0, data: frame.data, ephemeral: true });
      case 'prekeys_low': return this.#o.handlers.onPreKeysLow();
    }
  }

  #authenticate(ws: WebSocketLike, relayId: Bytes, nonce: Bytes): void {
    const identity = this.#o.identity;
    const signature = sign(identity.privateKey, relayAuthPayload(relayId, nonce, identity.publicKey));
    const setup = this.#send(ws, { type: 'auth', identityKey: identity.publicKey, signature }).then(async (r) => {
      if (r.re !== 'auth') throw new ClientError('RELAY_ERROR', 'unexpected answer to auth', { relayCode: 'BAD_FRAME' });
      this.#authenticated = true;
      await this.#o.handlers.onConnected(r.mailbox);
      if (this.#ws !== ws) return;
      this.#attempt = 0;
      this.#setState('connected');
      for (const w of this.#waiters.splice(0)) w.resolve();
    });
    // Deliveries pushed after auth wait for the setup to finish.
    this.#chain = this.#chain.then(() => setup).catch(() => {
      if (this.#ws === ws) ws.close(4001, 'setup failed');
    });
  }

  #deliver(d: { id: number; data: Bytes; ephemeral: boolean }): void {
    const ws = this.#ws;
    this.#chain = this.#chain.then(async () => {
      if (this.#ws !== ws || this.state === 'closed') return; // redelivered on the next connection
      try {
        await this.#o.handlers.onDelivery(d);
      } catch {
        // Not acknowledged: the relay delivers it again on the next connection.
      }
    });
  }

  #onError(frame: Extract<RelayServerFrame, { type: 'error' }>): void {
    if (frame.id === 0) return;
    const error = new ClientError('RELAY_ERROR', `the relay refused the request: ${frame.code}`, {
      relayCode: frame.code, ...(frame.retryAfter !== undefined && { retryAfter: frame.retryAfter }),
    });
    this.#settle(frame.id, (p) => p.reject(error));
  }

  #settle(id: number, f: (p: Pending) => void): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    f(p);
  }

  #failPending(error: unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  // ── requests ──────────────────────────────────────────────────────────────

  async #request(r: Request): Promise<RelayResult> {
    for (let attempt = 0; ; attempt++) {
      if (this.state === 'closed') throw new ClientError('CLOSED', 'the connection is closed');
      const ws = this.#ws;
      if (ws === undefined || !this.#authenticated) throw new ClientError('NOT_CONNECTED', 'not connected to the relay');
      try {
        return await this.#send(ws, r);
      } catch (e) {
        const rateLimited = e instanceof ClientError && e.details['relayCode'] === 'RATE_LIMITED';
        if (!rateLimited || attempt >= RATE_LIMIT_RETRIES) throw e;
        const wait = Number(e.details['retryAfter'] ?? 100);
        await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 10), 5_000)));
      }
    }
  }

  #send(ws: WebSocketLike, r: Request): Promise<RelayResult> {
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ClientError('TIMEOUT', 'the relay did not answer in time', { request: r.type }));
      }, this.#o.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      try {
        ws.send(encodeRelayRequest({ ...r, id } as RelayRequest));
      } catch {
        this.#settle(id, (p) => p.reject(new ClientError('NOT_CONNECTED', 'the connection to the relay was lost')));
      }
    });
  }
}
