/**
 * The SQLite store's worker thread (spec/client.md §5.2): a write resolves
 * only once its batch — and every batch written before it — is in the file
 * (a process killed at that moment loses none of them); reads see every
 * batch written before them, even one not yet durable; close drains; a
 * worker that stops rejects pending and later calls with StoreError CRASHED
 * and never acknowledges a batch it did not store; a read of a key the store
 * never held is answered without the worker (its key filter), and no held key
 * is ever missed.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore, storeWorkerOf } from '../../src/node/sqlite-store.js';
import { StoreThread } from '../../src/node/sqlite-thread.js';
import { del, isStoreError, put } from '../../src/store/index.js';
import { tempDir } from '../scenario/helpers.js';

const tmp = tempDir('parley-store-thread-');
afterAll(() => tmp.remove());
const key = new Uint8Array(32).fill(9);
let n = 0;
const path = (): string => join(tmp.dir, `t${n++}.db`);
const name = (i: number): string => `m${String(i).padStart(4, '0')}`;

describe('SqliteStore worker thread', () => {
  it('a resolved write is in the file: killed when batch 30 of 60 resolved, batches 0..30 are all there on reopen', async () => {
    const file = path();
    const child = spawnSync(process.execPath, ['--import', 'tsx', new URL('./store-thread-child.ts', import.meta.url).pathname, file, '60', '30'], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    const store = SqliteStore.open({ path: file, key });
    const stored = (await store.list('messages')).map((e) => e.key);
    await store.close();
    for (let i = 0; i <= 30; i++) expect(stored).toContain(name(i));
    // Batches are durable in order: what is there is a prefix of what was written.
    expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => name(i)));
  });

  it('a read sees every batch written before it, durable or not yet', async () => {
    const store = SqliteStore.open({ path: path(), key });
    const writes = Array.from({ length: 50 }, (_, i) => store.write([put('messages', name(i), Uint8Array.of(i))]));
    const seen = await store.get('messages', name(49));
    const listed = await store.list('messages');
    expect(seen).toEqual(Uint8Array.of(49));
    expect(listed).toHaveLength(50);
    await Promise.all(writes);
    await store.close();
  });

  it('close waits for every pending batch to be durable', async () => {
    const file = path();
    const store = SqliteStore.open({ path: file, key });
    const writes = Array.from({ length: 100 }, (_, i) => store.write([put('messages', name(i), Uint8Array.of(i))]));
    await store.close();
    const settled = await Promise.allSettled(writes);
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    const again = SqliteStore.open({ path: file, key });
    expect(await again.list('messages')).toHaveLength(100);
    await expect(store.get('messages', name(0))).rejects.toSatisfy((e: unknown) => isStoreError(e, 'CLOSED'));
    await again.close();
  });

  it('a worker that stops rejects pending and later calls with CRASHED, and acknowledges only what it stored', async () => {
    const file = path();
    const store = SqliteStore.open({ path: file, key });
    await store.write([put('contacts', 'before', Uint8Array.of(1))]);
    const worker = storeWorkerOf(store);
    if (worker === undefined) throw new Error('no worker');
    const pending = Array.from({ length: 20 }, (_, i) => store.write([put('messages', name(i), Uint8Array.of(i))]));
    await worker.terminate();
    const outcomes = await Promise.allSettled(pending);
    for (const o of outcomes) if (o.status === 'rejected') expect(isStoreError(o.reason, 'CRASHED')).toBe(true);
    await expect(store.write([put('contacts', 'after', Uint8Array.of(2))])).rejects.toSatisfy((e: unknown) => isStoreError(e, 'CRASHED'));
    await expect(store.get('contacts', 'before')).rejects.toSatisfy((e: unknown) => isStoreError(e, 'CRASHED'));
    await store.close();
    // The thread's exit released the lock; every acknowledged batch is there.
    const again = SqliteStore.open({ path: file, key });
    const stored = new Set((await again.list('messages')).map((e) => e.key));
    outcomes.forEach((o, i) => { if (o.status === 'fulfilled') expect(stored.has(name(i))).toBe(true); });
    expect(await again.get('contacts', 'after')).toBeUndefined();
    await again.close();
  });

  it('a worker stopped before a write gets it never acknowledges it', async () => {
    const store = SqliteStore.open({ path: path(), key });
    const worker = storeWorkerOf(store);
    if (worker === undefined) throw new Error('no worker');
    await worker.terminate();
    await expect(store.write([put('contacts', 'late', Uint8Array.of(3))])).rejects.toSatisfy((e: unknown) => isStoreError(e, 'CRASHED'));
  });

  describe('key filter', () => {
    afterEach(() => vi.restoreAllMocks());
    const ops = (spy: { mock: { calls: unknown[][] } }, op: string): number => spy.mock.calls.filter(([r]) => (r as { op: string }).op === op).length;

    it('a read of a key never held does not reach the worker; every held key does, also across a reopen and a rebuild', async () => {
      const file = path();
      let store = SqliteStore.open({ path: file, key });
      await store.write([put('messages', 'kept', Uint8Array.of(1)), put('messages', 'gone', Uint8Array.of(2))]);
      await store.write([del('messages', 'gone')]);
      await store.close();
      const spy = vi.spyOn(StoreThread.prototype, 'call');
      store = SqliteStore.open({ path: file, key });
      // Answered by the worker after its filter (requests are answered in order): the filter is in place now.
      expect(await store.get('messages', 'kept')).toEqual(Uint8Array.of(1));
      const before = ops(spy, 'get');
      for (let i = 0; i < 100; i++) expect(await store.get('messages', `never ${i}`)).toBeUndefined();
      expect(ops(spy, 'get')).toBe(before);
      // Written now (not yet durable), and deleted now: each read goes to the worker. Deleted before the open: not in the rows.
      const pending = store.write([put('messages', 'new', Uint8Array.of(3)), put('messages', 'brief', Uint8Array.of(3))]);
      void store.write([del('messages', 'brief')]);
      expect(await store.get('messages', 'new')).toEqual(Uint8Array.of(3));
      expect(await store.get('messages', 'brief')).toBeUndefined();
      expect(await store.get('messages', 'gone')).toBeUndefined();
      expect(ops(spy, 'get')).toBe(before + 2);
      await pending;
      // Past one key per 8 bits of the 2^17-bit filter: rebuilt from the rows while writes go on; no key is missed.
      const names = Array.from({ length: 17_000 }, (_, i) => `bulk ${i}`);
      for (let at = 0; at < names.length; at += 1000) await store.write(names.slice(at, at + 1000).map((n) => put('messages', n, Uint8Array.of(4))));
      expect(ops(spy, 'filter')).toBe(2);
      await store.write([put('messages', 'after', Uint8Array.of(5))]);
      for (const n of [...names.filter((_, i) => i % 500 === 0), 'after', 'kept']) expect(await store.get('messages', n)).toBeDefined();
      await store.close();
    });

    it('a read of a key never held rejects CRASHED once the worker has stopped', async () => {
      const store = SqliteStore.open({ path: path(), key });
      await store.get('messages', 'absent'); // the filter is in place after this answer
      const worker = storeWorkerOf(store);
      if (worker === undefined) throw new Error('no worker');
      await worker.terminate();
      await expect(store.get('messages', 'never written')).rejects.toSatisfy((e: unknown) => isStoreError(e, 'CRASHED'));
    });
  });
});
