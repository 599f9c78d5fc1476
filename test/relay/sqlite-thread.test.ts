/**
 * The SQLite store in its storage thread (relay.md §8.2): a thread that stops
 * refuses what it had not reported stored (UNAVAILABLE), and later requests;
 * the relay's shutdown drains and ends the thread; a token check in flight
 * across a revoke never fills the token cache. The store contract itself runs
 * in store.test.ts ('sqlite thread'), kill -9 in durability.test.ts.
 */
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/crypto/index.js';
import { RelaySqliteThreadStore } from '../../relay/store/sqlite-thread.js';
import type { EnqueueResult, RelayStore } from '../../relay/store/types.js';
import { bytesOf, connect, login, relay, tempDir } from './harness.js';

const QUOTA = { maxEnvelopes: 1e6, maxBytes: 1e9, maxTotalDeliveries: 1e6, maxTotalBytes: 1e9 };

/** The store's thread (a private field: tests stop it to stand for a crash). */
function threadOf(store: RelayStore): Worker {
  return (store as unknown as { worker: Worker }).worker;
}

describe('sqlite storage thread', () => {
  it('a thread that stops mid-load acknowledges nothing it had not stored, and refuses later calls with UNAVAILABLE', async () => {
    const dir = tempDir();
    const s = await RelaySqliteThreadStore.open(dir);
    const r = { mailbox: systemRandom(16), tokenHash: systemRandom(32) };
    await s.addToken(r.mailbox, r.tokenHash, undefined, 10);
    const resolved: number[] = [];
    const sends = Array.from({ length: 2000 }, (_, i) => s.enqueue(bytesOf(`m${i}`), Number.MAX_SAFE_INTEGER, [r], QUOTA)
      .then(([x]: EnqueueResult[]) => { if (x?.ok === true) resolved.push(x.eid); }));
    await new Promise((done) => setImmediate(done)); // the calls are with the thread
    await threadOf(s).terminate();
    const outcomes = await Promise.allSettled(sends);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) expect(o).toMatchObject({ reason: { code: 'UNAVAILABLE' } });
    await expect(s.hasToken(r.mailbox, r.tokenHash)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await s.close();

    const again = await RelaySqliteThreadStore.open(dir);
    const stored = new Set((await again.pending(r.mailbox, 0, 5000, 0)).map((p) => p.eid));
    for (const eid of resolved) expect(stored.has(eid)).toBe(true);
    await again.close();
  });

  it('a token check in flight across a revoke does not leave the token cached as held', async () => {
    const s = await RelaySqliteThreadStore.open(tempDir());
    const mailbox = systemRandom(16);
    const token = systemRandom(32);
    await s.addToken(mailbox, token, undefined, 10);
    // The check reaches the thread before the revoke commits, so it answers true; it must not be cached.
    const [checked] = await Promise.all([s.hasToken(mailbox, token), s.revokeToken(mailbox, token)]);
    expect(checked).toBe(true);
    await expect(s.hasToken(mailbox, token)).resolves.toBe(false);
    await s.close();
  });

  it('the relay answers UNAVAILABLE once its storage thread stopped, and still shuts down', async () => {
    const r = await relay({ sqlite: true, sqliteThread: true });
    const bob = await login(r.url);
    const ref = await bob.invite();
    const alice = await connect(r.url);
    await expect(alice.request({ type: 'send', ...ref, data: bytesOf('stored') })).resolves.toEqual({ re: 'send' });
    await threadOf(r.store).terminate();
    await expect(alice.request({ type: 'send', ...ref, data: bytesOf('lost') })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await r.close();
  });

  it('the relay shutdown commits what was in flight, then ends the thread', async () => {
    const dir = tempDir();
    const r = await relay({ dataDir: dir, sqliteThread: true });
    const bob = await login(r.url);
    const ref = await bob.invite();
    bob.close();
    const alice = await connect(r.url);
    const sent = Array.from({ length: 50 }, (_, i) => alice.request({ type: 'send', ...ref, data: bytesOf(`m${i}`) }).then(() => true, () => false));
    const exited = once(threadOf(r.store), 'exit');
    await Promise.all(sent.slice(0, 1));
    await r.close();
    await exited;
    const acknowledged = (await Promise.all(sent)).filter((ok) => ok).length;
    await expect(r.store.stats()).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    const s = await RelaySqliteThreadStore.open(dir);
    expect((await s.stats()).deliveries).toBeGreaterThanOrEqual(acknowledged);
    await s.close();
  });
});
