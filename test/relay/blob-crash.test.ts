/**
 * What the disk blob store makes durable when (spec/relay.md §12.4), by fault
 * injection: the store is stopped at each step of a request (as a crash of the
 * machine would, after the fsyncs that step made) and a new store opens the
 * same directory. A grant is only a promise until its first PUT is durable; an
 * offset a PUT answered and a blob a PUT completed are found again; a final
 * name never holds an unchecked file; leftovers are deleted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../relay/blobs/disk.js';
import type { BlobMeta } from '../../relay/blobs/types.js';
import { sha256, systemRandom, toHex, type Bytes } from '../../src/crypto/index.js';
import type { RelayResult } from '../../src/wire/index.js';
import { login, relay, tempDir } from './harness.js';

type G = Extract<RelayResult, { re: 'blob_grant' }>;

const bytes = (n: number): Bytes => new Uint8Array(randomBytes(n));
const sorted = (dir: string): string[] => readdirSync(dir).sort();

function pendingMeta(size: number): BlobMeta {
  return { id: toHex(systemRandom(16)), owner: 'aa'.repeat(32), size, grantHash: '00'.repeat(32), expiresAt: Date.now() + 60_000, complete: false };
}

const completeMeta = (m: BlobMeta): BlobMeta => ({ ...m, complete: true });

async function append(store: DiskBlobStore, id: string, data: Bytes): Promise<ReturnType<DiskBlobStore['appender']> extends Promise<infer A> ? A : never> {
  const appender = await store.appender(id);
  await appender.write(data);
  return appender;
}

async function readAll(store: DiskBlobStore, id: string, size: number): Promise<Bytes> {
  const parts: Uint8Array[] = [];
  for await (const p of store.read(id, 0, size)) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

describe('blob store durability (fault injection)', () => {
  it('a grant writes nothing: a relay restarted before the first PUT forgets it (404), one restarted after keeps the offset it answered', async () => {
    const dataDir = tempDir();
    const first = await relay({ dataDir });
    const c = await login(first.url);
    const forgotten = await c.request<G>({ type: 'blob_grant', size: 50_000 });
    const kept = await c.request<G>({ type: 'blob_grant', size: 50_000 });
    expect(readdirSync(join(dataDir, 'blobs'))).toEqual([]);
    const http = first.url.replace(/^ws/, 'http');
    const put = await fetch(`${http}/v1/uploads/${toHex(kept.blob)}`, {
      method: 'PUT', body: bytes(20_000) as Uint8Array<ArrayBuffer>, headers: { authorization: `Bearer ${toHex(kept.grant)}`, 'upload-offset': '0' },
    });
    expect([put.status, put.headers.get('upload-offset')]).toEqual([204, '20000']);
    expect(sorted(join(dataDir, 'blobs'))).toEqual([`${toHex(kept.blob)}.json`, `${toHex(kept.blob)}.part`].sort());
    await first.close();

    const second = await relay({ dataDir });
    const head = (g: G): Promise<Response> => fetch(`${second.url.replace(/^ws/, 'http')}/v1/uploads/${toHex(g.blob)}`, {
      method: 'HEAD', headers: { authorization: `Bearer ${toHex(g.grant)}` },
    });
    expect((await head(forgotten)).status).toBe(404);
    const resumed = await head(kept);
    expect([resumed.status, resumed.headers.get('upload-offset')]).toEqual([204, '20000']);
    expect(second.context.blobs.usage()).toBe(50_000); // the forgotten grant's reservation is gone with it
  });

  it('an upload completed by its first PUT: before publish nothing survives; between the two renames the checked .part becomes the blob', async () => {
    const dir = tempDir();
    const data = bytes(70_000);
    // Stopped after stage(): the bytes and the complete metadata are fsynced under temp names only.
    const store = new DiskBlobStore(dir);
    const meta = pendingMeta(data.length);
    await store.create(meta);
    await (await append(store, meta.id, data)).stage(completeMeta(meta));
    expect(sorted(dir)).toEqual([`${meta.id}.json.tmp`, `${meta.id}.part`].sort());
    expect(await new DiskBlobStore(dir).list()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);

    // Stopped after publish()'s first rename: complete metadata beside the whole .part.
    const again = new DiskBlobStore(dir);
    const other = pendingMeta(data.length);
    await again.create(other);
    await (await append(again, other.id, data)).stage(completeMeta(other));
    renameSync(join(dir, `${other.id}.json.tmp`), join(dir, `${other.id}.json`));
    const restarted = new DiskBlobStore(dir);
    expect(await restarted.list()).toEqual([completeMeta(other)]);
    expect(sorted(dir)).toEqual([`${other.id}.blob`, `${other.id}.json`].sort());
    expect(toHex(sha256(await readAll(restarted, other.id, data.length)))).toBe(toHex(sha256(data)));
  });

  it('an upload in several PUTs: the offset the first answered survives a stop before the last publishes, and a stop after publish keeps the blob', async () => {
    const dir = tempDir();
    const data = bytes(90_000);
    const store = new DiskBlobStore(dir);
    const meta = pendingMeta(data.length);
    await store.create(meta);
    expect(await (await append(store, meta.id, data.subarray(0, 30_000))).close()).toBe(30_000);
    expect(sorted(dir)).toEqual([`${meta.id}.json`, `${meta.id}.part`].sort());
    const staged = await (await append(store, meta.id, data.subarray(30_000))).stage(completeMeta(meta));
    expect(staged.length).toBe(data.length);

    // Stopped before publish: the pending upload is found again (its temp metadata deleted), all of its bytes held.
    const restarted = new DiskBlobStore(dir);
    expect(await restarted.list()).toEqual([meta]);
    expect(await restarted.received(meta.id)).toBe(data.length);
    expect(existsSync(join(dir, `${meta.id}.json.tmp`))).toBe(false);

    await (await restarted.appender(meta.id)).stage(completeMeta(meta)).then((s) => s.publish());
    const after = new DiskBlobStore(dir);
    expect(await after.list()).toEqual([completeMeta(meta)]);
    expect(toHex(sha256(await readAll(after, meta.id, data.length)))).toBe(toHex(sha256(data)));
  });

  it('a grant whose first PUT wrote bytes but never made them durable holds nothing: received() is 0, the next PUT starts the .part afresh, and at start its leftovers go', async () => {
    const dir = tempDir();
    const store = new DiskBlobStore(dir);
    const meta = pendingMeta(10_000);
    await store.create(meta);
    await (await append(store, meta.id, bytes(4_000))).stage(completeMeta(meta)); // a request that never published
    expect(await store.received(meta.id)).toBe(0);
    const data = bytes(6_000);
    expect(await (await append(store, meta.id, data)).close()).toBe(6_000);
    expect(await store.received(meta.id)).toBe(6_000);

    const orphan = pendingMeta(10_000);
    writeFileSync(join(dir, `${orphan.id}.part`), bytes(100));
    writeFileSync(join(dir, `${orphan.id}.blob`), bytes(100));
    expect(await new DiskBlobStore(dir).list()).toEqual([meta]);
    expect(sorted(dir)).toEqual([`${meta.id}.json`, `${meta.id}.part`].sort());
  });
});
