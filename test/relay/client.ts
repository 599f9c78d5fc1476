/**
 * A minimal relay client for the tests and the load benchmark: real `ws`
 * sockets, the shared frame codecs, one promise per request id.
 */
import { WebSocket } from 'ws';
import { generateEd25519KeyPair, sign, systemRandom, type Bytes, type Ed25519KeyPair } from '../../src/crypto/index.js';
import {
  decodeRelayServerFrame, encodeRelayRequest, type RelayRecipientRef, type RelayRequest, type RelayResult, type RelayServerFrame,
} from '../../src/wire/index.js';
import { authPayload } from '../../relay/auth.js';

type Outcome = Extract<RelayServerFrame, { type: 'ok' | 'error' }>;
type Push = Extract<RelayServerFrame, { type: 'deliver' | 'ephemeral' | 'prekeys_low' | 'link_deliver' }>;
type Body<T> = T extends unknown ? Omit<T, 'id'> : never;
export type RequestBody = Body<RelayRequest>;

export class RelayRefusal extends Error {
  constructor(readonly code: string, readonly retryAfter?: number) {
    super(`relay refused: ${code}`);
  }
}

export class TestClient {
  readonly pushes: Push[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  challenge!: Extract<RelayServerFrame, { type: 'challenge' }>;
  mailbox: Bytes | undefined;
  private nextId = 1;
  private isClosed = false;
  private readonly waiting = new Map<number, (o: Outcome) => void>();
  private pushWaiters: Array<() => void> = [];
  /** Frames with id 0 that are errors (answers to unreadable frames). */
  readonly orphanErrors: Outcome[] = [];

  private constructor(readonly ws: WebSocket, readonly identity: Ed25519KeyPair) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.isClosed = true;
      // Requests without an answer fail with a client-side CLOSED; waiters for pushes wake and fail.
      for (const [id, w] of this.waiting) w({ type: 'error', id, code: 'CLOSED' });
      this.waiting.clear();
      this.wakePushWaiters();
      resolve({ code, reason: reason.toString() });
    }));
    ws.on('error', () => undefined);
  }

  /** Connects (from `localAddress`, e.g. another loopback address, to pose as another host) and reads the challenge. */
  static async connect(url: string, identity: Ed25519KeyPair = generateEd25519KeyPair(systemRandom), localAddress?: string): Promise<TestClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress !== undefined ? { localAddress } : {}) });
    const client = new TestClient(ws, identity);
    const challenge = new Promise<void>((resolve, reject) => {
      ws.once('message', (data: Buffer) => {
        const f = decodeRelayServerFrame(new Uint8Array(data));
        if (f.type !== 'challenge') return reject(new Error('expected a challenge'));
        client.challenge = f;
        ws.on('message', (d: Buffer) => client.onFrame(new Uint8Array(d)));
        resolve();
      });
      ws.once('close', (code) => reject(new Error(`closed ${code} before the challenge`)));
      ws.once('error', reject);
    });
    await challenge;
    return client;
  }

  /** Connects and authenticates. */
  static async login(url: string, identity?: Ed25519KeyPair, localAddress?: string): Promise<TestClient> {
    const c = await TestClient.connect(url, identity, localAddress);
    await c.auth();
    return c;
  }

  private onFrame(bytes: Bytes): void {
    const f = decodeRelayServerFrame(bytes);
    if (f.type === 'ok' || f.type === 'error') {
      const w = this.waiting.get(f.id);
      if (w !== undefined) {
        this.waiting.delete(f.id);
        w(f);
      } else if (f.type === 'error') this.orphanErrors.push(f);
      return;
    }
    if (f.type === 'challenge') return;
    this.pushes.push(f);
    this.wakePushWaiters();
  }

  private wakePushWaiters(): void {
    const ws = this.pushWaiters;
    this.pushWaiters = [];
    for (const w of ws) w();
  }

  /** Sends a request; resolves with its ok result or rejects with RelayRefusal. */
  async request<T extends RelayResult = RelayResult>(body: RequestBody): Promise<T> {
    const o = await this.raw(body);
    if (o.type === 'error') throw new RelayRefusal(o.code, o.retryAfter);
    return o.result as T;
  }

  raw(body: RequestBody): Promise<Outcome> {
    const id = this.nextId++;
    return this.rawBytes(encodeRelayRequest({ ...body, id } as RelayRequest), id);
  }

  rawBytes(bytes: Bytes, id: number): Promise<Outcome> {
    if (this.isClosed) return Promise.resolve({ type: 'error', id, code: 'CLOSED' });
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.ws.send(bytes, (e) => { if (e) reject(e); });
    });
  }

  async auth(): Promise<Bytes> {
    const payload = authPayload(this.challenge.relayId, this.challenge.nonce, this.identity.publicKey);
    const r = await this.request<Extract<RelayResult, { re: 'auth' }>>({
      type: 'auth', identityKey: this.identity.publicKey, signature: sign(this.identity.privateKey, payload),
    });
    this.mailbox = r.mailbox;
    return r.mailbox;
  }

  /** Registers a fresh token and returns the recipient reference senders need. */
  async invite(token: Bytes = systemRandom(32)): Promise<RelayRecipientRef> {
    await this.request({ type: 'token_add', token });
    if (this.mailbox === undefined) throw new Error('not authenticated');
    return { mailbox: this.mailbox, token };
  }

  /**
   * Waits until `count` pushes of `type` have arrived (in order of arrival); throws after `timeoutMs`, below
   * the tests' 60-s timeout, so a push that never comes fails here, saying how many did.
   */
  async waitFor<T extends Push['type']>(type: T, count = 1, timeoutMs = 40_000): Promise<Array<Extract<Push, { type: T }>>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.pushes.filter((p): p is Extract<Push, { type: T }> => p.type === type);
      if (got.length >= count) return got;
      if (this.isClosed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${got.length} of ${count} '${type}' pushes in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.pushWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  deliveries(): Array<Extract<Push, { type: 'deliver' }>> {
    return this.pushes.filter((p): p is Extract<Push, { type: 'deliver' }> => p.type === 'deliver');
  }

  close(): void {
    this.ws.terminate();
  }
}
