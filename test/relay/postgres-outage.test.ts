/**
 * PostgreSQL unavailable (relay.md §8.3): the relay never acknowledges what it
 * did not store — every request that needs the database is refused with
 * UNAVAILABLE — and serves again as soon as the database is back. The outage
 * is a TCP proxy the test cuts, so the shared PostgreSQL server keeps running
 * for every other test.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect as connectClient, login, onCleanup, relay } from './harness.js';
import { DATABASE_URL, dropSchema, testSchema } from './postgres.js';

/** A TCP proxy to PostgreSQL that can be cut (every socket reset, new ones refused) and restored. */
class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private readonly server: Server;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => { this.sockets.delete(s); client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  sever(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.sever();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('relay on PostgreSQL', () => {
  it('refuses with UNAVAILABLE while the database is unreachable, acknowledges nothing it did not store, and recovers', async () => {
    const url = new URL(DATABASE_URL);
    const proxy = new CuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
    const port = await proxy.listen();
    onCleanup(() => proxy.close());
    const schema = testSchema();
    onCleanup(() => dropSchema(schema));
    url.host = `127.0.0.1:${port}`;
    const r = await relay({ postgres: { url: url.toString(), schema } });
    const bob = await login(r.url);
    const ref = await bob.invite();
    const alice = await connectClient(r.url);
    await alice.request({ type: 'send', ...ref, data: new Uint8Array([1]) });
    proxy.sever();
    const during = await Promise.all(Array.from({ length: 5 }, (_, i) => alice.raw({ type: 'send', ...ref, data: new Uint8Array([2, i]) })));
    expect(during.map((o) => (o.type === 'error' ? o.code : 'ok'))).toEqual(Array(5).fill('UNAVAILABLE'));
    proxy.restore();
    let after = await alice.raw({ type: 'send', ...ref, data: new Uint8Array([3]) });
    for (let i = 0; after.type === 'error' && i < 50; i++) { // the pool replaces the connections it lost
      expect(after.code).toBe('UNAVAILABLE');
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await alice.raw({ type: 'send', ...ref, data: new Uint8Array([3]) });
    }
    expect(after).toMatchObject({ type: 'ok' });
    const got = await bob.waitFor('deliver', 2);
    expect(got.map((d) => [...d.data])).toEqual([[1], [3]]); // nothing refused was stored
  });
});
