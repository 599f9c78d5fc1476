/**
 * Closing a Client while its connection's setup runs (client.md §4: after every authentication — prekeys, owed
 * work) closes it for good, against a real relay process. The socket's close event comes after the closing
 * handshake, so after the setup ended: the setup used to mark the closed connection connected, and the close
 * event then started a reconnection. The closed client authenticated again and again, and the relay replaced
 * every connection of the next Client opened on the same store (4005), whose requests failed NOT_CONNECTED —
 * found by the linked-devices property under load (a restart right after a reconnection). Likewise an open
 * that fails after it started connecting (a stored record that does not decode) closes that connection.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import type { WebSocketFactory, WebSocketLike } from '../../src/client/transport/websocket.js';
import { decodeRelayServerFrame } from '../../src/wire/relay-frames.js';
import { loadOrCreateKeyFile, nodeWebSocketFactory, SqliteStore } from '../../src/node/index.js';
import { MemoryStore, put } from '../../src/store/index.js';
import { openClient, relayPerFile } from './helpers.js';

const file = relayPerFile('parley-client-close-');

/**
 * Real sockets that count what the client opens and, once `hold` is set, keep every frame the relay sends after
 * its answer to `auth` from the client (the setup that follows authentication then waits on its first answer),
 * and report a socket closed 300 ms after it closed (a closing handshake over a slow network).
 */
function holdingAfterAuth(): { factory: WebSocketFactory; opened: () => number; hold: boolean; setupWaiting: Promise<void> } {
  let opened = 0;
  let waiting = (): void => undefined;
  const control = {
    hold: false,
    opened: () => opened,
    setupWaiting: new Promise<void>((resolve) => { waiting = resolve; }),
    factory: ((url: string): WebSocketLike => {
      opened++;
      const ws = nodeWebSocketFactory(url);
      let authenticated = false;
      let onmessage: WebSocketLike['onmessage'] = null;
      const wrapped: WebSocketLike = {
        get binaryType() { return ws.binaryType; },
        set binaryType(v) { ws.binaryType = v; },
        get readyState() { return ws.readyState; },
        send: (data) => ws.send(data),
        close: (code, reason) => ws.close(code, reason),
        set onopen(f) { ws.onopen = f; },
        get onopen() { return ws.onopen; },
        // As over a slow network: the relay's side of the closing handshake takes its time.
        set onclose(f) { ws.onclose = f === null ? null : (ev) => setTimeout(() => f(ev), control.hold ? 300 : 0); },
        get onclose() { return ws.onclose; },
        set onerror(f) { ws.onerror = f; },
        get onerror() { return ws.onerror; },
        set onmessage(f) { onmessage = f; },
        get onmessage() { return onmessage; },
      };
      ws.onmessage = (ev) => {
        if (control.hold && authenticated) return waiting(); // held for good: the setup never gets this answer
        const frame = decodeRelayServerFrame(ev.data as Uint8Array);
        if (frame.type === 'ok' && frame.result.re === 'auth') authenticated = true;
        onmessage?.(ev);
      };
      return wrapped;
    }) satisfies WebSocketFactory,
  };
  return control;
}

describe('closing a client', () => {
  it('while its connection setup runs: the closed client never connects again, and the next client on its store stays connected', async () => {
    const dir = join(file.tmp.dir, 'alice');
    const relay = file.relay;
    const first = await openClient(dir, relay.url, 'alice'); // creates the identity and publishes its prekeys
    await first.close();

    const sockets = holdingAfterAuth();
    const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
    sockets.hold = true;
    const closing = await Client.open({ relay: relay.url, store, webSocket: sockets.factory, backoff: { baseMs: 20, maxMs: 100 }, requestTimeoutMs: 10_000 });
    await sockets.setupWaiting; // authenticated; the setup waits on the relay's answer
    await closing.close();
    const openedAtClose = sockets.opened();

    const next = await openClient(dir, relay.url, 'alice');
    file.open.push(next);
    const states: string[] = [];
    next.on('connection-state', (e) => states.push(e.state));
    await new Promise((r) => setTimeout(r, 1000)); // many backoffs of the closed client, had it reconnected
    expect(sockets.opened()).toBe(openedAtClose);
    expect(closing.connectionState).toBe('closed');
    expect(next.connectionState).toBe('connected');
    expect(states).toEqual([]);
  }, 30_000);

  it('that failed to open: the connection it had started is closed, not left authenticating as the device', async () => {
    const store = new MemoryStore();
    await store.write([put('groups', 'g', Uint8Array.of(0xc1))]); // a group record that does not decode
    const sockets: WebSocketLike[] = [];
    const failing = Client.open({ relay: file.relay.url, store, webSocket: (url) => {
      const ws = nodeWebSocketFactory(url);
      sockets.push(ws);
      return ws;
    } });
    await expect(failing).rejects.toMatchObject({ code: 'MALFORMED' });
    await new Promise((r) => setTimeout(r, 500));
    expect(sockets.length).toBeGreaterThan(0); // it had started connecting
    expect(sockets.map((ws) => ws.readyState)).toEqual(sockets.map(() => 3)); // CLOSED
  });
});
