/**
 * The blob store's hashing thread (spec/relay.md §12.4, relay/blobs/hash-thread.ts):
 * - the digest is the SHA-256 of the pieces, and a piece handed over is copied —
 *   the Buffer it arrived in is never detached (a Buffer's slice() is a view);
 * - the thread applies backpressure: past the high-water mark update() asks to wait;
 * - a lost thread never gives a wrong answer: a digest still awaited is null, and
 *   the service then reads the blob back — a right digest completes, a wrong one
 *   is DIGEST_MISMATCH.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../../relay/blobs/disk.js';
import { HASH_QUEUE_HIGH_WATER, HashThread } from '../../relay/blobs/hash-thread.js';
import { BlobService } from '../../relay/blobs/service.js';
import { DEFAULT_LIMITS } from '../../relay/config.js';
import { sha256, systemRandom, toHex, type Bytes } from '../../src/crypto/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

async function* pieces(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield Buffer.from(data.subarray(at, at + size));
}

describe('blob hashing thread', () => {
  it('digests the pieces in order and never detaches the Buffer a piece came in', async () => {
    const thread = new HashThread();
    const data = bytes(3 * 1024 * 1024 + 17);
    const pooled = Buffer.from(data); // one buffer, handed over as views of it, like an HTTP body's chunks
    const hash = thread.start('a');
    for (let at = 0; at < pooled.length; at += 65536) await hash.update(pooled.subarray(at, at + 65536));
    expect(toHex((await hash.digest()) as Bytes)).toBe(toHex(sha256(data)));
    expect(pooled.byteLength).toBe(data.length);
    expect(toHex(sha256(pooled))).toBe(toHex(sha256(data)));
    await thread.close();
  });

  it('asks the caller to wait once the thread is more than the high-water mark behind, and lets it go on', async () => {
    const thread = new HashThread();
    const hash = thread.start('b');
    const piece = bytes(1024 * 1024);
    let waits = 0;
    for (let i = 0; i < 2 * HASH_QUEUE_HIGH_WATER / piece.length; i++) {
      const wait = hash.update(piece);
      if (wait !== undefined) {
        waits += 1;
        await wait;
      }
    }
    expect(waits).toBeGreaterThan(0);
    expect(await hash.digest()).not.toBeNull();
    await thread.close();
  });

  it('a digest awaited when the thread ends is null, and the service reads the blob back instead', async () => {
    const lost = new HashThread();
    const pending = lost.start('c');
    pending.update(bytes(100));
    const digest = pending.digest();
    await lost.close();
    expect(await digest).toBeNull();

    const dir = mkdtempSync(join(tmpdir(), 'parley-hash-'));
    dirs.push(dir);
    const thread = new HashThread();
    const service = await BlobService.open(new DiskBlobStore(dir), {
      limits: DEFAULT_LIMITS, ttlSeconds: 3600, now: () => Date.now(), random: systemRandom, hashThread: thread,
    });
    const owner = new Uint8Array(32);
    const data = bytes(2 * 1024 * 1024);
    const upload = async (digest: Bytes): Promise<string> => {
      const g = await service.grant(owner, data.length);
      const id = toHex(g.blob);
      await service.upload({ id, grant: g.grant, offset: 0, length: data.length / 2, digest: undefined, body: pieces(data.subarray(0, data.length / 2), 65536), abort: () => undefined });
      await thread.close(); // the thread is lost between the two requests: its running hash is gone
      const done = await service.upload({ id, grant: g.grant, offset: data.length / 2, length: data.length / 2, digest, body: pieces(data.subarray(data.length / 2), 65536), abort: () => undefined })
        .then((r) => (r.complete ? 'complete' : 'pending'), (e: { code?: string }) => e.code ?? 'error');
      return done;
    };
    expect(await upload(sha256(data))).toBe('complete');
    expect(await upload(new Uint8Array(32))).toBe('DIGEST_MISMATCH');
    await service.close();
  });
});
