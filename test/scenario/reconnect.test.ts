/**
 * Reconnection against a real relay process (client.md §6.4): a client whose
 * relay restarts is back within the backoff cap, or at once when told the
 * network is back (reconnectNow); a relay that is not there is named as
 * "connection refused".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Client } from '../../src/client/client.js';
import type { ClientEvents } from '../../src/client/events.js';
import { freePort } from '../../demo/harness.js';
import { loadOrCreateKeyFile, nodeWebSocketFactory, SqliteStore } from '../../src/node/index.js';
import { startRelayProcess, tempDir } from './helpers.js';
import { until } from '../until.js';

const tmp = tempDir('parley-reconnect-');
afterAll(() => tmp.remove());

/** A client with the default backoff (the scenario helpers shorten it). */
async function openDefault(name: string, url: string): Promise<{ client: Client; states: ClientEvents['connection-state'][] }> {
  const dir = join(tmp.dir, name);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const client = await Client.open({ relay: url, store, webSocket: nodeWebSocketFactory });
  const states: ClientEvents['connection-state'][] = [];
  client.on('connection-state', (e) => states.push(e));
  return { client, states };
}


describe('reconnection', () => {
  it('names a relay that is not listening: connection refused', async () => {
    const port = await freePort();
    const { client, states } = await openDefault('refused', `ws://127.0.0.1:${port}`);
    await until(() => states.some((s) => s.state === 'disconnected'));
    const failed = states.find((s) => s.state === 'disconnected');
    expect(failed?.reason?.code).toBe('CONNECTION_REFUSED');
    expect(failed?.reason?.message).toMatch(/connection refused/);
    await client.close();
  }, 20_000);

  it('reconnects to a restarted relay within the backoff cap, and at once on reconnectNow', async () => {
    const data = join(tmp.dir, 'relay');
    let relay = await startRelayProcess(data);
    const { client, states } = await openDefault('restart', relay.url);
    await client.ready();
    await relay.stop();
    await until(() => states.filter((s) => s.state === 'disconnected').length >= 3);
    relay = await startRelayProcess(data, relay.port);
    await until(() => client.connectionState === 'connected');
    const waits = states.filter((s) => s.state === 'disconnected').map((s) => s.delayMs ?? 0);
    expect(Math.max(...waits)).toBeLessThan(5_000);
    expect(states.find((s) => s.state === 'disconnected')?.reason?.code).toBe('CLOSED'); // the relay closed it (1001, shutting down)

    // Down again, long enough for the backoff to grow; then the network is "back" and the app says so.
    await relay.stop();
    await until(() => states.filter((s) => s.state === 'disconnected').length >= 6);
    relay = await startRelayProcess(data, relay.port);
    const before = states.length;
    client.reconnectNow();
    await until(() => client.connectionState === 'connected');
    expect(states.slice(before).filter((s) => s.state === 'disconnected')).toEqual([]);
    await client.close();
    await relay.stop();
  }, 60_000);
});
