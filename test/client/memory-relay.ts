/**
 * An in-process stand-in for the relay, for the client's unit tests only: it
 * keeps the relay's rules that the client depends on (tokens admit sends and
 * bundle fetches, one-time prekeys are consumed once, envelopes stay until
 * acknowledged and are delivered in order). End-to-end tests use the real
 * relay process (test/scenario).
 */
import { sha256, toHex, type Bytes } from '../../src/crypto/index.js';
import { ClientError } from '../../src/client/errors.js';
import type {
  ConnectionState, Delivery, FanoutResult, PreKeyCounts, PreKeyUpload, RelayApi, RelayHandlers, RelayRecipient,
} from '../../src/client/transport/relay-api.js';
import {
  decodeKemPreKey, decodeOneTimePreKey, decodeSignedPreKey, encodePreKeyBundle, type KemPreKeyPublic, type OneTimePreKeyPublic,
  type SignedPreKeyPublic,
} from '../../src/wire/prekeys.js';

interface Mailbox {
  identityKey: Bytes;
  tokens: Set<string>;
  queue: { id: number; data: Bytes }[];
  signed?: SignedPreKeyPublic;
  lastResort?: KemPreKeyPublic;
  oneTime: OneTimePreKeyPublic[];
  kem: KemPreKeyPublic[];
  connection?: MemoryConnection;
}

export class MemoryRelayHub {
  readonly mailboxes = new Map<string, Mailbox>();
  nextId = 1;
  /** Every envelope ever accepted (to check what the relay saw). */
  readonly seen: Bytes[] = [];

  transport(identityKey: Bytes): (handlers: RelayHandlers) => RelayApi {
    return (handlers) => new MemoryConnection(this, identityKey, handlers);
  }

  mailboxOf(identityKey: Bytes): Mailbox {
    const id = toHex(sha256(identityKey).subarray(0, 16));
    let m = this.mailboxes.get(id);
    if (m === undefined) {
      m = { identityKey, tokens: new Set(), queue: [], oneTime: [], kem: [] };
      this.mailboxes.set(id, m);
    }
    return m;
  }

  admitted(r: RelayRecipient): Mailbox {
    const m = this.mailboxes.get(toHex(r.mailbox));
    if (m === undefined || !m.tokens.has(toHex(sha256(r.token)))) throw new ClientError('RELAY_ERROR', 'token refused', { relayCode: 'TOKEN_REFUSED' });
    return m;
  }

  enqueue(m: Mailbox, data: Bytes): void {
    this.seen.push(data);
    m.queue.push({ id: this.nextId++, data });
    m.connection?.kick();
  }
}

class MemoryConnection implements RelayApi {
  state: ConnectionState = 'connecting';
  readonly #hub: MemoryRelayHub;
  readonly #identityKey: Bytes;
  readonly #handlers: RelayHandlers;
  #delivering = false;
  #inFlight = new Set<number>();
  #waiters: (() => void)[] = [];

  constructor(hub: MemoryRelayHub, identityKey: Bytes, handlers: RelayHandlers) {
    this.#hub = hub;
    this.#identityKey = identityKey;
    this.#handlers = handlers;
    queueMicrotask(() => void this.#connect());
  }

  get #mailbox(): Mailbox {
    return this.#hub.mailboxOf(this.#identityKey);
  }

  async #connect(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'connected';
    this.#mailbox.connection = this;
    this.#handlers.onState('connected', { attempt: 0 });
    await this.#handlers.onConnected(sha256(this.#identityKey).subarray(0, 16));
    for (const w of this.#waiters.splice(0)) w();
    this.kick();
  }

  kick(): void {
    if (this.#delivering || this.state !== 'connected') return;
    this.#delivering = true;
    void (async () => {
      try {
        for (;;) {
          const next = this.#mailbox.queue.find((e) => !this.#inFlight.has(e.id));
          if (next === undefined || this.state !== 'connected') break;
          this.#inFlight.add(next.id);
          const delivery: Delivery = { id: next.id, data: next.data, ephemeral: false };
          await this.#handlers.onDelivery(delivery).catch(() => undefined);
        }
      } finally {
        this.#delivering = false;
      }
    })();
  }

  deliverEphemeral(data: Bytes): void {
    void this.#handlers.onDelivery({ id: 0, data, ephemeral: true }).catch(() => undefined);
  }

  #check(): void {
    if (this.state !== 'connected') throw new ClientError('NOT_CONNECTED', 'not connected');
  }

  whenConnected(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async publishPreKeys(u: PreKeyUpload): Promise<void> {
    this.#check();
    const m = this.#mailbox;
    if (u.signedPreKey !== undefined) m.signed = decodeSignedPreKey(u.signedPreKey);
    if (u.lastResortKemPreKey !== undefined) m.lastResort = decodeKemPreKey(u.lastResortKemPreKey);
    m.oneTime.push(...u.oneTimePreKeys.map(decodeOneTimePreKey));
    m.kem.push(...u.kemOneTimePreKeys.map(decodeKemPreKey));
  }

  async preKeyCounts(): Promise<PreKeyCounts> {
    this.#check();
    return { oneTime: this.#mailbox.oneTime.length, kem: this.#mailbox.kem.length };
  }

  async fetchBundle(r: RelayRecipient): Promise<Bytes> {
    this.#check();
    const m = this.#hub.admitted(r);
    const oneTimePreKey = m.oneTime.shift();
    const kemPreKey = m.kem.shift() ?? m.lastResort;
    if (m.signed === undefined || kemPreKey === undefined) throw new ClientError('RELAY_ERROR', 'no prekeys', { relayCode: 'NO_PREKEYS' });
    return encodePreKeyBundle({ identityKey: m.identityKey, signedPreKey: m.signed, kemPreKey, ...(oneTimePreKey !== undefined && { oneTimePreKey }) });
  }

  async registerToken(token: Bytes, replaces?: Bytes): Promise<void> {
    this.#check();
    if (replaces !== undefined) this.#mailbox.tokens.delete(toHex(sha256(replaces)));
    this.#mailbox.tokens.add(toHex(sha256(token)));
  }

  async revokeToken(token: Bytes): Promise<void> {
    this.#check();
    this.#mailbox.tokens.delete(toHex(sha256(token)));
  }

  async send(r: RelayRecipient, data: Bytes): Promise<void> {
    this.#check();
    this.#hub.enqueue(this.#hub.admitted(r), data);
  }

  async fanout(rs: readonly RelayRecipient[], data: Bytes): Promise<readonly FanoutResult[]> {
    this.#check();
    return rs.map((r) => {
      try {
        this.#hub.enqueue(this.#hub.admitted(r), data);
        return { ok: true } as const;
      } catch {
        return { ok: false, code: 'TOKEN_REFUSED' } as const;
      }
    });
  }

  async sendEphemeral(r: RelayRecipient, data: Bytes): Promise<void> {
    this.#check();
    const m = this.#hub.admitted(r);
    m.connection?.deliverEphemeral(data);
  }

  async ack(ids: readonly number[]): Promise<void> {
    if (this.state !== 'connected') return;
    const m = this.#mailbox;
    m.queue = m.queue.filter((e) => !ids.includes(e.id));
    for (const id of ids) this.#inFlight.delete(id);
  }

  interrupt(): void {
    if (this.state !== 'connected') return;
    this.state = 'disconnected';
    this.#inFlight.clear();
    if (this.#mailbox.connection === this) delete this.#mailbox.connection;
    this.#handlers.onState('disconnected', { attempt: 0 });
    setTimeout(() => void this.#connect(), 5);
  }

  reconnectNow(): void {
    // reconnects by itself within 5 ms
  }

  async close(): Promise<void> {
    this.state = 'closed';
    if (this.#mailbox.connection === this) delete this.#mailbox.connection;
  }
}
