/**
 * The connection to the relay (spec/relay.md) over a WebSocketLike:
 * authenticates on the relay's challenge, matches every request to its one
 * response, hands pushed envelopes to the client one at a time, and
 * reconnects with backoff and jitter after any loss (at once when the
 * platform reports the network back, or on reconnectNow). Requests that name
 * a recipient (send, fanout, ephemeral, bundle) go over the sealed connection
 * (sealed-connection.ts), which never authenticates (client.md §6.4).
 */
import { RELAY_MAX_ACK_IDS } from '../../constants.js';
import { sign, toHex, type Bytes, type RandomSource } from '../../crypto/index.js';
import { relayAuthPayload } from '../../wire/relay-auth.js';
import type { RelayResult, RelayServerFrame } from '../../wire/relay-frames.js';
import type { RelayLinkDeliver, RelayLinkSide } from '../../wire/relay-link-frames.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { IdentityKeyPair } from '../../identity/index.js';
import { ClientError } from '../errors.js';
import type {
  BlobGrant, ConnectionState, FanoutResult, LateAnswer, LinkListening, PreKeyCounts, PreKeyUpload, RelayApi, RelayHandlers, RelayRecipient,
} from './relay-api.js';
import { readServerFrame, RequestTable, retryRateLimited, type Request } from './requests.js';
import { SealedConnection } from './sealed-connection.js';
import { connectionFailure, type ConnectionFailure, frameBytes, type WebSocketFactory, type WebSocketLike } from './websocket.js';

export interface RelayConnectionOptions {
  readonly url: string;
  readonly identity: IdentityKeyPair;
  readonly random: RandomSource;
  readonly handlers: RelayHandlers;
  readonly webSocket: WebSocketFactory;
  readonly backoff?: BackoffOptions;
  readonly requestTimeoutMs?: number;
  /** Upper bound of the random delay before the sealed connection opens (default 300 ms). */
  readonly sealedOpenJitterMs?: number;
}

/** One side of a link this client listens on: what it handed over so far, to listen again from there. */
interface LinkListen {
  readonly link: Bytes;
  readonly side: RelayLinkSide;
  readonly onMessage: (data: Bytes) => void;
  lastSeq: number;
}

/** The platform's network events (browsers: `online`), if it has them. */
interface NetworkEvents {
  addEventListener?: (name: string, f: () => void) => void;
  removeEventListener?: (name: string, f: () => void) => void;
}

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
  readonly #requests: RequestTable;
  readonly #sealed: SealedConnection;
  readonly #online = (): void => this.reconnectNow();
  #waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Acks waiting for the end of this turn, with the socket their deliveries came on. */
  #acks: { readonly ws: WebSocketLike | undefined; readonly ids: number[]; flushed: Promise<void> | undefined } | undefined;
  /** Deliveries are processed in order, after the connection's setup (onConnected). */
  #chain: Promise<void> = Promise.resolve();
  /** Link sides listened on (relay.md §14.3), by hex link id + side; listened again after each reconnect. */
  readonly #links = new Map<string, LinkListen>();

  constructor(options: RelayConnectionOptions) {
    this.#o = options;
    this.#requests = new RequestTable(options.requestTimeoutMs);
    this.#sealed = new SealedConnection({
      url: options.url, random: options.random, webSocket: options.webSocket,
      ...(options.backoff !== undefined && { backoff: options.backoff }),
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.sealedOpenJitterMs !== undefined && { openJitterMs: options.sealedOpenJitterMs }),
      onReady: () => options.handlers.onSealedReady?.(),
    });
  }

  start(): void {
    (globalThis as NetworkEvents).addEventListener?.('online', this.#online);
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
    const r = await this.#sealed.request({ type: 'bundle', mailbox: to.mailbox, token: to.token });
    if (r.re !== 'bundle') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.bundle;
  }

  async blobGrant(size: number): Promise<BlobGrant> {
    const r = await this.#request({ type: 'blob_grant', size });
    if (r.re !== 'blob_grant') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return { blob: r.blob, grant: r.grant, expires: r.expires };
  }

  async publishDeviceList(list: Bytes): Promise<number> {
    const r = await this.#request({ type: 'device_list_publish', list });
    if (r.re !== 'device_list_publish') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.version;
  }

  async fetchDeviceLists(account: Bytes, since?: number): Promise<readonly Bytes[]> {
    const r = await this.#request({ type: 'device_list_fetch', account, ...(since !== undefined && { since }) });
    if (r.re !== 'device_list_fetch') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.lists;
  }

  async linkOpen(link: Bytes): Promise<number> {
    const r = await this.#request({ type: 'link_open', link });
    if (r.re !== 'link_open') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.expires;
  }

  async linkSend(link: Bytes, to: RelayLinkSide, data: Bytes): Promise<number> {
    const r = await this.#request({ type: 'link_send', link, to, data });
    if (r.re !== 'link_send') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.seq;
  }

  async linkListen(link: Bytes, side: RelayLinkSide, onMessage: (data: Bytes) => void): Promise<LinkListening> {
    const key = toHex(link) + side;
    const listen: LinkListen = { link, side, onMessage, lastSeq: 0 };
    this.#links.set(key, listen);
    try {
      const expires = await this.#listenLink(listen);
      return { expires, stop: () => { if (this.#links.get(key) === listen) this.#links.delete(key); } };
    } catch (e) {
      if (this.#links.get(key) === listen) this.#links.delete(key);
      throw e;
    }
  }

  async linkClose(link: Bytes): Promise<void> {
    await this.#request({ type: 'link_close', link });
  }

  /** Asks the relay to push the side's messages after the last one handed over; resolves with the link's expiry. */
  async #listenLink(l: LinkListen): Promise<number> {
    const r = await this.#request({ type: 'link_listen', link: l.link, side: l.side, ...(l.lastSeq > 0 && { after: l.lastSeq }) });
    if (r.re !== 'link_listen') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.expires;
  }

  /** A pushed link message: handed over once, in seq order (a repeat after a re-listen is dropped). */
  #onLinkMessage(f: RelayLinkDeliver): void {
    const l = this.#links.get(toHex(f.link) + f.side);
    if (l === undefined || f.seq <= l.lastSeq) return;
    l.lastSeq = f.seq;
    l.onMessage(f.data);
  }

  async registerToken(token: Bytes, replaces?: Bytes): Promise<void> {
    await this.#request({ type: 'token_add', token, ...(replaces !== undefined && { replaces }) });
  }

  async revokeToken(token: Bytes): Promise<void> {
    await this.#request({ type: 'token_revoke', token });
  }

  async send(to: RelayRecipient, data: Bytes, late?: LateAnswer): Promise<void> {
    await this.#sealed.request({ type: 'send', mailbox: to.mailbox, token: to.token, data }, { retryRateLimited: false, ...(late !== undefined && { late }) });
  }

  async fanout(to: readonly RelayRecipient[], data: Bytes): Promise<readonly FanoutResult[]> {
    const r = await this.#sealed.request({ type: 'fanout', to: to.map((x) => ({ mailbox: x.mailbox, token: x.token })), data });
    if (r.re !== 'fanout') throw new ClientError('RELAY_ERROR', 'unexpected answer', { relayCode: 'BAD_FRAME' });
    return r.results.map((code) => (code === 'ok' ? { ok: true } : { ok: false, code }));
  }

  async sendEphemeral(to: RelayRecipient, data: Bytes): Promise<void> {
    await this.#sealed.request({ type: 'ephemeral', mailbox: to.mailbox, token: to.token, data });
  }

  /**
   * Acks asked for in one turn of the event loop go out as one frame (at most RELAY_MAX_ACK_IDS ids each), on the
   * socket that delivered them: if it is gone by then, they fail NOT_CONNECTED (the relay delivers them again).
   */
  ack(ids: readonly number[]): Promise<void> {
    const ws = this.#ws;
    if (this.#acks === undefined || this.#acks.ws !== ws) this.#acks = { ws, ids: [], flushed: undefined };
    const batch = this.#acks;
    batch.ids.push(...ids);
    batch.flushed ??= new Promise<void>((resolve) => setTimeout(resolve, 0)).then(async () => {
      if (this.#acks === batch) this.#acks = undefined;
      if (this.#ws !== ws) throw new ClientError('NOT_CONNECTED', 'the connection that delivered these envelopes was lost');
      const frames: Promise<RelayResult>[] = [];
      for (let i = 0; i < batch.ids.length; i += RELAY_MAX_ACK_IDS) frames.push(this.#request({ type: 'ack', ids: batch.ids.slice(i, i + RELAY_MAX_ACK_IDS) }, ws));
      await Promise.all(frames);
    });
    return batch.flushed;
  }

  interrupt(): void {
    this.#ws?.close(4000, 'interrupted');
    this.#sealed.interrupt();
  }

  reconnectNow(): void {
    this.#sealed.reconnectNow();
    if (this.state !== 'disconnected' || this.#reconnectTimer === undefined) return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#attempt = 0;
    this.#connect();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.#setState('closed');
    (globalThis as NetworkEvents).removeEventListener?.('online', this.#online);
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    const closed = new ClientError('CLOSED', 'the connection is closed');
    for (const w of this.#waiters.splice(0)) w.reject(closed);
    this.#requests.failAll(closed);
    this.#sealed.close();
    this.#ws?.close(1000, 'client closing');
    await this.#chain;
  }

  // ── connection lifecycle ──────────────────────────────────────────────────

  #connect(): void {
    if (this.state === 'closed') return;
    this.#setState('connecting');
    let ws: WebSocketLike;
    this.#reconnectTimer = undefined;
    try {
      ws = this.#o.webSocket(this.#o.url);
    } catch (e) {
      this.#scheduleReconnect(connectionFailure(e, { code: 1006 }, false));
      return;
    }
    this.#ws = ws;
    let opened = false;
    let error: unknown;
    ws.onmessage = (ev) => {
      if (this.#ws !== ws) return;
      opened = true;
      const bytes = frameBytes(ev.data);
      if (bytes !== undefined) this.#onFrame(ws, bytes);
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#authenticated = false;
      const reason = connectionFailure(error, ev, opened);
      this.#requests.failAll(new ClientError('NOT_CONNECTED', `the connection to the relay was lost: ${reason.message}`, { reason: reason.code }));
      if (this.state === 'closed') return;
      this.#setState('disconnected');
      this.#scheduleReconnect(reason);
    };
    ws.onerror = (ev) => { error = ev; }; // a close event follows
  }

  #scheduleReconnect(reason: ConnectionFailure): void {
    if (this.state === 'closed') return;
    const delayMs = backoffDelay(this.#attempt, this.#o.random, this.#o.backoff ?? DEFAULT_BACKOFF);
    this.#attempt++;
    this.#o.handlers.onState('disconnected', { attempt: this.#attempt, delayMs, reason });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
  }

  /** Closed is for good: no late event of a socket (its close, a setup ending) may reopen a closed connection. */
  #setState(state: ConnectionState): void {
    if (this.state === state || this.state === 'closed') return;
    this.state = state;
    if (state !== 'disconnected') this.#o.handlers.onState(state, { attempt: this.#attempt });
  }

  #onFrame(ws: WebSocketLike, bytes: Bytes): void {
    const frame: RelayServerFrame | undefined = readServerFrame(ws, bytes);
    if (frame === undefined || this.#requests.answer(frame)) return;
    switch (frame.type) {
      case 'challenge': return this.#authenticate(ws, frame.relayId, frame.nonce);
      case 'deliver': return this.#deliver({ id: frame.eid, data: frame.data, ephemeral: false });
      case 'ephemeral': return this.#deliver({ id: 0, data: frame.data, ephemeral: true });
      case 'prekeys_low': return this.#o.handlers.onPreKeysLow();
      case 'link_deliver': return this.#onLinkMessage(frame);
    }
  }

  #authenticate(ws: WebSocketLike, relayId: Bytes, nonce: Bytes): void {
    const identity = this.#o.identity;
    const signature = sign(identity.privateKey, relayAuthPayload(relayId, nonce, identity.publicKey));
    const setup = this.#requests.send(ws, { type: 'auth', identityKey: identity.publicKey, signature }).then(async (r) => {
      if (r.re !== 'auth') throw new ClientError('RELAY_ERROR', 'unexpected answer to auth', { relayCode: 'BAD_FRAME' });
      this.#authenticated = true;
      await this.#o.handlers.onConnected(r.mailbox);
      // Closed meanwhile: the socket's close event is still to come (after the closing handshake), so #ws alone does not tell.
      if (this.#ws !== ws || this.state === 'closed') return;
      this.#attempt = 0;
      this.#setState('connected');
      for (const w of this.#waiters.splice(0)) w.resolve();
      // A link listened on before the loss (an expired link is NO_LINK: its owner's timer ends it).
      for (const l of this.#links.values()) this.#listenLink(l).catch(() => undefined);
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

  // ── requests ──────────────────────────────────────────────────────────────

  /**
   * Sends `r` on the current socket, again after RATE_LIMITED. With `only`, every attempt must go out on that socket:
   * an ack belongs to the connection that delivered its eids (relay.md §2.3), so a retry after a reconnect fails
   * NOT_CONNECTED instead of acknowledging, on a new connection, an eid the relay may have given to another envelope.
   */
  #request(r: Request, only?: WebSocketLike): Promise<RelayResult> {
    return retryRateLimited(async () => {
      if (this.state === 'closed') throw new ClientError('CLOSED', 'the connection is closed');
      const ws = this.#ws;
      if (ws === undefined || !this.#authenticated || (only !== undefined && ws !== only)) {
        throw new ClientError('NOT_CONNECTED', 'not connected to the relay');
      }
      return this.#requests.send(ws, r);
    });
  }
}
