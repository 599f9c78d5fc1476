/**
 * The relay connection against a scripted socket: answers the challenge with
 * a signature over the auth payload, matches responses to requests, hands
 * deliveries over in order after setup, turns errors into RELAY_ERROR, fails
 * pending requests on loss and reconnects by itself.
 */
import { describe, expect, it } from 'vitest';
import { generateIdentityKeyPair } from '../../src/identity/index.js';
import { verify } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { connectRelay } from '../../src/client/transport/relay-connection.js';
import { relayAuthPayload } from '../../src/wire/relay-auth.js';
import { isClientError } from '../../src/client/errors.js';
import type { Delivery, RelayHandlers } from '../../src/client/transport/relay-api.js';
import type { WebSocketLike } from '../../src/client/transport/websocket.js';
import { decodeRelayRequest, encodeRelayServerFrame, type RelayRequest, type RelayServerFrame } from '../../src/wire/relay-frames.js';

class FakeSocket implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = 1;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: RelayRequest[] = [];
  onRequest: (r: RelayRequest) => void = () => undefined;

  send(data: Uint8Array): void {
    const r = decodeRelayRequest(data);
    this.sent.push(r);
    queueMicrotask(() => this.onRequest(r));
  }

  push(f: RelayServerFrame): void {
    this.onmessage?.({ data: encodeRelayServerFrame(f) });
  }

  /** Set: close() only starts the closing handshake (CLOSING), and the close event waits for finishClose(), as with a real relay. */
  lingerClose = false;
  #closeCode = 1000;

  close(code = 1000): void {
    this.#closeCode = code;
    if (this.lingerClose) {
      this.readyState = 2;
      return;
    }
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code }));
  }

  finishClose(): void {
    this.readyState = 3;
    this.onclose?.({ code: this.#closeCode });
  }
}

const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(9)));
const relayId = new Uint8Array(32).fill(1);
const mailbox = new Uint8Array(16).fill(2);
const tick = () => new Promise((r) => setTimeout(r, 5));

function setup(backoff = { baseMs: 1, maxMs: 2 }, connected: () => Promise<unknown> = tick) {
  const sockets: FakeSocket[] = [];
  const events: string[] = [];
  const deliveries: Delivery[] = [];
  const control = { refuse: false };
  const handlers: RelayHandlers = {
    onConnected: async (mb) => { events.push(`connected ${mb.length}`); await connected(); },
    onDelivery: async (d) => { deliveries.push(d); },
    onPreKeysLow: () => events.push('low'),
    onState: (s) => events.push(s),
    onSealedReady: () => events.push('sealed-ready'),
  };
  const relay = connectRelay({
    url: 'ws://x', identity, random: seededRandom(new Uint8Array(32).fill(3)), handlers, backoff, sealedOpenJitterMs: 5, requestTimeoutMs: 500,
    webSocket: () => {
      const s = new FakeSocket();
      if (control.refuse) { // nothing listens: an error naming ECONNREFUSED, then close 1006, no challenge
        queueMicrotask(() => {
          s.onerror?.({ error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } });
          s.close(1006);
        });
        sockets.push(s);
        return s;
      }
      s.onRequest = (r) => {
        if (r.type === 'auth') {
          const nonce = new Uint8Array(32).fill(sockets.length);
          expect(verify(r.identityKey, relayAuthPayload(relayId, nonce, identity.publicKey), r.signature)).toBe(true);
          s.push({ type: 'ok', id: r.id, result: { re: 'auth', mailbox } });
        }
        if (r.type === 'send') s.push({ type: 'error', id: r.id, code: 'TOKEN_REFUSED' });
      };
      sockets.push(s);
      queueMicrotask(() => s.push({ type: 'challenge', relayId, nonce: new Uint8Array(32).fill(sockets.length) }));
      return s;
    },
  });
  return { relay, sockets, events, deliveries, control };
}

describe('relay connection', () => {
  it('authenticates, runs setup before deliveries, matches responses, and maps errors', async () => {
    const { relay, sockets, events, deliveries } = setup();
    await relay.whenConnected();
    expect(events).toEqual(['connected 16', 'connected']);
    const s = sockets[0] as FakeSocket;
    s.onRequest = (r) => {
      if (r.type === 'counts') s.push({ type: 'ok', id: r.id, result: { re: 'counts', oneTime: 3, kem: 1 } });
    };
    s.push({ type: 'deliver', eid: 7, data: new Uint8Array([1]) });
    s.push({ type: 'deliver', eid: 8, data: new Uint8Array([2]) });
    s.push({ type: 'prekeys_low', oneTime: 1, kem: 0 });
    const [counts] = await Promise.all([relay.preKeyCounts(), tick()]);
    expect(counts).toEqual({ oneTime: 3, kem: 1 });
    await expect(relay.send({ mailbox, token: new Uint8Array(16) }, new Uint8Array([9]))).rejects.toSatisfy(
      (e: unknown) => isClientError(e, 'RELAY_ERROR') && e.details['relayCode'] === 'TOKEN_REFUSED',
    );
    expect(deliveries.map((d) => d.id)).toEqual([7, 8]);
    expect(events).toContain('low');
    await relay.close();
  });

  it('sends sealed requests on its own socket that never authenticates, and sends again after the relay closes it idle (4002)', async () => {
    const { relay, sockets, events } = setup();
    await relay.whenConnected();
    const to = { mailbox, token: new Uint8Array(16) };
    await expect(relay.send(to, new Uint8Array([1]))).rejects.toSatisfy((e: unknown) => isClientError(e, 'RELAY_ERROR'));
    expect(sockets.length).toBe(2);
    const sealed = sockets[1] as FakeSocket;
    expect(sealed.sent.map((r) => r.type)).toEqual(['send']);
    expect((sockets[0] as FakeSocket).sent.map((r) => r.type)).toEqual(['auth']);
    // The relay closes the idle socket just as the next send is written: it never handled it, so it goes again on a new socket.
    sealed.onRequest = () => sealed.close(4002);
    await expect(relay.send(to, new Uint8Array([2]))).rejects.toSatisfy(
      (e: unknown) => isClientError(e, 'RELAY_ERROR') && e.details['relayCode'] === 'TOKEN_REFUSED',
    );
    expect(sockets.length).toBe(3);
    expect((sockets[2] as FakeSocket).sent.map((r) => r.type)).toEqual(['send']);
    // Any other loss of a written request fails it with a typed error (the relay may hold it).
    (sockets[2] as FakeSocket).onRequest = () => (sockets[2] as FakeSocket).close(1006);
    await expect(relay.send(to, new Uint8Array([3]))).rejects.toSatisfy(
      (e: unknown) => isClientError(e, 'NOT_CONNECTED') && e.details['closeCode'] === 1006,
    );
    // The sealed connection reopens by itself and says so, so that the outbox sends what it still holds.
    while (!events.includes('sealed-ready')) await tick();
    expect(sockets.length).toBe(4);
    expect((sockets[3] as FakeSocket).sent).toEqual([]);
    await relay.close();
  });

  it('fails pending requests on a lost connection and reconnects with a fresh challenge', async () => {
    const { relay, sockets } = setup();
    await relay.whenConnected();
    const pending = relay.preKeyCounts(); // never answered
    await tick();
    relay.interrupt();
    await expect(pending).rejects.toSatisfy((e: unknown) => isClientError(e, 'NOT_CONNECTED'));
    await expect(relay.ack([1])).rejects.toSatisfy((e: unknown) => isClientError(e, 'NOT_CONNECTED'));
    await relay.whenConnected();
    expect(sockets.length).toBe(2);
    expect((sockets[1] as FakeSocket).sent[0]?.type).toBe('auth');
    await relay.close();
    await expect(relay.whenConnected()).rejects.toSatisfy((e: unknown) => isClientError(e, 'CLOSED'));
  });

  it('never retries a rate-limited ack on a newer connection: an eid belongs to the connection that delivered it (relay.md §2.3)', async () => {
    const { relay, sockets } = setup();
    await relay.whenConnected();
    const first = sockets[0] as FakeSocket;
    first.onRequest = (r) => {
      if (r.type === 'ack') first.push({ type: 'error', id: r.id, code: 'RATE_LIMITED', retryAfter: 50 });
    };
    const acked = relay.ack([7]);
    while (!first.sent.some((r) => r.type === 'ack')) await tick();
    relay.interrupt(); // the connection is replaced while the ack waits out retryAfter
    await relay.whenConnected();
    await expect(acked).rejects.toSatisfy((e: unknown) => isClientError(e, 'NOT_CONNECTED'));
    expect((sockets[1] as FakeSocket).sent.map((r) => r.type)).not.toContain('ack');
    await relay.close();
  });

  it('reconnects at once when the platform reports the network back (online), not after the backoff', async () => {
    const listeners = new Map<string, () => void>();
    const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    g.addEventListener = (name: string, f: () => void) => listeners.set(name, f);
    g.removeEventListener = (name: string) => listeners.delete(name);
    try {
      const { relay, sockets, events } = setup({ baseMs: 600_000, maxMs: 600_000 });
      await relay.whenConnected();
      relay.interrupt();
      await tick();
      expect(sockets.length).toBe(1); // waiting out a backoff of up to ten minutes
      listeners.get('online')?.();
      await relay.whenConnected();
      expect(sockets.length).toBe(2);
      expect(events.filter((e) => e === 'connected')).toHaveLength(2);
      await relay.close();
      expect(listeners.has('online')).toBe(false);
    } finally {
      delete g.addEventListener;
      delete g.removeEventListener;
    }
  });

  it('stays closed when closed during the setup after authentication: the socket closing afterwards reconnects nothing', async () => {
    let release = (): void => undefined;
    const setupRuns = new Promise<void>((resolve) => { release = resolve; });
    const { relay, sockets, events } = setup(undefined, () => setupRuns);
    while (!events.includes('connected 16')) await tick();
    const socket = sockets[0] as FakeSocket;
    socket.lingerClose = true;
    const closing = relay.close(); // waits for the setup to end
    release();
    await closing;
    expect(relay.state).toBe('closed');
    socket.finishClose(); // the relay's side of the closing handshake comes after the setup ended
    await tick();
    await tick();
    expect(relay.state).toBe('closed');
    expect(sockets).toHaveLength(1);
    expect(events.filter((e) => e === 'connected' || e === 'disconnected' || e === 'connecting')).toEqual([]);
    await expect(relay.whenConnected()).rejects.toSatisfy((e: unknown) => isClientError(e, 'CLOSED'));
  });

  it('fails a sealed request that finds no connection with NOT_CONNECTED naming the reason', async () => {
    const { relay, control } = setup();
    await relay.whenConnected();
    control.refuse = true;
    try {
      await expect(relay.send({ mailbox, token: new Uint8Array(16) }, new Uint8Array([1]))).rejects.toSatisfy(
        (e: unknown) => isClientError(e, 'NOT_CONNECTED') && e.details['reason'] === 'CONNECTION_REFUSED' && /connection refused/.test(e.message),
      );
    } finally {
      await relay.close();
    }
  });
});
