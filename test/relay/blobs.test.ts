/**
 * The relay's blob store (spec/relay.md §12) over real HTTP and a real
 * WebSocket grant: resumable uploads checked for offset, length and digest,
 * ranged downloads of complete blobs only, quotas, expiry, and the disk
 * layout (no half file under a final name, blobs survive a restart).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatBytes, sha256, systemRandom, toHex, type Bytes } from '../../src/crypto/index.js';
import type { RelayResult } from '../../src/wire/index.js';
import { RelayRefusal } from './client.js';
import { parseCli } from '../../relay/cli.js';
import { resolveOptions } from '../../relay/server.js';
import { login, relay, tempDir, until } from './harness.js';

type GrantResult = Extract<RelayResult, { re: 'blob_grant' }>;

const randomBlob = (n: number): Bytes => new Uint8Array(randomBytes(n));
const httpOf = (wsUrl: string): string => wsUrl.replace(/^ws/, 'http');

async function grant(url: string, size: number): Promise<GrantResult> {
  const c = await login(url);
  return c.request<GrantResult>({ type: 'blob_grant', size });
}

function put(base: string, g: GrantResult, offset: number, body: Bytes, digest?: Bytes): Promise<Response> {
  return fetch(`${base}/v1/uploads/${toHex(g.blob)}`, {
    method: 'PUT', body: body as Uint8Array<ArrayBuffer>,
    headers: {
      authorization: `Bearer ${toHex(g.grant)}`, 'upload-offset': String(offset),
      ...(digest !== undefined && { 'parley-digest': toHex(digest) }),
    },
  });
}

async function codeOf(res: Response): Promise<string> {
  return ((await res.json()) as { code: string }).code;
}

async function get(base: string, g: GrantResult, range?: string): Promise<Response> {
  return fetch(`${base}/v1/blobs/${toHex(g.blob)}`, { headers: range === undefined ? {} : { range } });
}

async function uploadAll(base: string, g: GrantResult, blob: Bytes): Promise<void> {
  const half = Math.floor(blob.length / 2);
  expect((await put(base, g, 0, blob.subarray(0, half))).status).toBe(204);
  const done = await put(base, g, half, blob.subarray(half), sha256(blob));
  expect(done.status).toBe(201);
  expect(done.headers.get('upload-offset')).toBe(String(blob.length));
}

describe('blob store', () => {
  it('uploads in two requests, then serves the whole blob, a range, and refuses a range past the end', async () => {
    const r = await relay();
    const base = httpOf(r.url);
    const blob = randomBlob(100_000);
    const g = await grant(r.url, blob.length);
    expect(g.blob.length).toBe(16);
    expect((await get(base, g)).status).toBe(404); // pending: nothing partial is served
    await uploadAll(base, g, blob);
    const whole = await get(base, g);
    expect(whole.status).toBe(200);
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(blob);
    const part = await get(base, g, 'bytes=1000-1999');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${blob.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(blob.subarray(1000, 2000));
    const tail = await get(base, g, 'bytes=99990-');
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(blob.subarray(99_990));
    const beyond = await get(base, g, `bytes=${blob.length}-`);
    expect([beyond.status, await codeOf(beyond)]).toEqual([416, 'RANGE_NOT_SATISFIABLE']);
    const unknown = await fetch(`${base}/v1/blobs/${toHex(systemRandom(16))}`);
    expect([unknown.status, await codeOf(unknown)]).toEqual([404, 'NOT_FOUND']);
  });

  it('refuses a wrong grant, a wrong offset, a body past the size, a missing or wrong digest', async () => {
    const r = await relay();
    const base = httpOf(r.url);
    const blob = randomBlob(5000);
    const g = await grant(r.url, blob.length);
    const forged = await put(base, { ...g, grant: systemRandom(32) }, 0, blob.subarray(0, 10));
    expect([forged.status, await codeOf(forged)]).toEqual([403, 'FORBIDDEN']);
    expect((await put(base, g, 0, blob.subarray(0, 1000))).status).toBe(204);
    const skipped = await put(base, g, 2000, blob.subarray(2000, 3000));
    expect([skipped.status, await codeOf(skipped), skipped.headers.get('upload-offset')]).toEqual([409, 'OFFSET_MISMATCH', '1000']);
    const long = await put(base, g, 1000, concatBytes(blob.subarray(1000), new Uint8Array(1)), sha256(blob));
    expect([long.status, await codeOf(long)]).toEqual([413, 'TOO_LARGE']);
    const undigested = await put(base, g, 1000, blob.subarray(1000));
    expect([undigested.status, await codeOf(undigested)]).toEqual([400, 'DIGEST_REQUIRED']);
    const wrong = await put(base, g, 1000, blob.subarray(1000), sha256(blob.subarray(1)));
    expect([wrong.status, await codeOf(wrong)]).toEqual([422, 'DIGEST_MISMATCH']);
    // The bad upload is gone, with its reservation.
    expect((await put(base, g, 0, blob.subarray(0, 10))).status).toBe(404);
    expect(r.context.blobs.usage()).toBe(0);
  });

  it('a dropped upload resumes at the offset the relay reports', async () => {
    const r = await relay();
    const base = httpOf(r.url);
    const blob = randomBlob(300_000);
    const g = await grant(r.url, blob.length);
    // Announce the whole body, send 100 KB, then cut the connection.
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/v1/uploads/${toHex(g.blob)}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${toHex(g.grant)}`, 'upload-offset': '0', 'content-length': String(blob.length),
          'parley-digest': toHex(sha256(blob)),
        },
      });
      req.on('error', () => resolve());
      req.write(blob.subarray(0, 100_000), () => setTimeout(() => { req.destroy(); resolve(); }, 50));
    });
    let held = 0;
    await until(async () => {
      const head = await fetch(`${base}/v1/uploads/${toHex(g.blob)}`, { method: 'HEAD', headers: { authorization: `Bearer ${toHex(g.grant)}` } });
      held = Number(head.headers.get('upload-offset'));
      return head.status === 204 && held === 100_000;
    });
    expect((await put(base, g, held, blob.subarray(held), sha256(blob))).status).toBe(201);
    expect(new Uint8Array(await (await get(base, g)).arrayBuffer())).toEqual(blob);
  });

  it('a HEAD ends a PUT still running for the same upload and answers exactly what it made durable; the upload resumes from there', async () => {
    const dataDir = tempDir();
    const r = await relay({ dataDir });
    const base = httpOf(r.url);
    const blob = randomBlob(300_000);
    const g = await grant(r.url, blob.length);
    // The uploader's connection hangs half-open: the relay still reads a PUT that will never send the rest.
    const req = httpRequest(`${base}/v1/uploads/${toHex(g.blob)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${toHex(g.grant)}`, 'upload-offset': '0', 'content-length': String(blob.length), 'parley-digest': toHex(sha256(blob)) },
    });
    const closed = new Promise<void>((resolve) => req.on('close', () => resolve()));
    req.on('error', () => undefined);
    await new Promise<void>((resolve) => req.write(blob.subarray(0, 100_000), () => resolve()));
    const head = await fetch(`${base}/v1/uploads/${toHex(g.blob)}`, { method: 'HEAD', headers: { authorization: `Bearer ${toHex(g.grant)}` } });
    await closed; // the relay ended the stale PUT (the test would time out otherwise)
    const held = Number(head.headers.get('upload-offset'));
    expect(head.status).toBe(204);
    // What the relay had read of the 100,000 bytes when it ended the PUT, all of it on disk.
    expect(held).toBeLessThanOrEqual(100_000);
    expect(statSync(join(dataDir, 'blobs', `${toHex(g.blob)}.part`)).size).toBe(held);
    expect((await put(base, g, held, blob.subarray(held), sha256(blob))).status).toBe(201);
    expect(new Uint8Array(await (await get(base, g)).arrayBuffer())).toEqual(blob);
  });

  it('enforces the size limit, the per-identity quota and the global quota at grant time, in bytes and in blobs', async () => {
    const r = await relay({ limits: { maxBlobSize: 1000, blobQuotaPerIdentity: 1500, maxBlobBytes: 2400 } });
    const refusal = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (e as RelayRefusal).code);
    const alice = await login(r.url);
    expect(await refusal(alice.request({ type: 'blob_grant', size: 1001 }))).toBe('TOO_LARGE');
    expect(await refusal(alice.request({ type: 'blob_grant', size: 1000 }))).toBe('ok');
    expect(await refusal(alice.request({ type: 'blob_grant', size: 501 }))).toBe('QUOTA_EXCEEDED');
    expect(await refusal(alice.request({ type: 'blob_grant', size: 500 }))).toBe('ok');
    const bob = await login(r.url);
    expect(await refusal(bob.request({ type: 'blob_grant', size: 1000 }))).toBe('STORAGE_FULL');
    expect(await refusal(bob.request({ type: 'blob_grant', size: 1 }))).toBe('ok');
    const counted = await relay({ limits: { maxBlobsPerIdentity: 2, maxBlobs: 3 } });
    const carol = await login(counted.url);
    const dave = await login(counted.url);
    expect(await refusal(carol.request({ type: 'blob_grant', size: 1 }))).toBe('ok');
    expect(await refusal(carol.request({ type: 'blob_grant', size: 1 }))).toBe('ok');
    expect(await refusal(carol.request({ type: 'blob_grant', size: 1 }))).toBe('QUOTA_EXCEEDED'); // one blob costs a file and an index entry, however small
    expect(await refusal(dave.request({ type: 'blob_grant', size: 1 }))).toBe('ok');
    expect(await refusal(dave.request({ type: 'blob_grant', size: 1 }))).toBe('STORAGE_FULL');
    const stranger = await (await import('./harness.js')).connect(r.url);
    expect(await refusal(stranger.request({ type: 'blob_grant', size: 1 }))).toBe('AUTH_REQUIRED');
  });

  it('a cancelled upload frees its quota at once: DELETE with the grant drops the reservation and the partial file, even mid-PUT', async () => {
    const dataDir = tempDir();
    const r = await relay({ dataDir, limits: { blobQuotaPerIdentity: 150_000 } });
    const base = httpOf(r.url);
    const alice = await login(r.url);
    const blob = randomBlob(100_000);
    const request = (size: number): Promise<string> => alice.request({ type: 'blob_grant', size }).then(() => 'ok', (e: unknown) => (e as RelayRefusal).code);
    const drop = (g: GrantResult, grantBytes = g.grant): Promise<Response> =>
      fetch(`${base}/v1/uploads/${toHex(g.blob)}`, { method: 'DELETE', headers: { authorization: `Bearer ${toHex(grantBytes)}` } });
    const first = await alice.request<GrantResult>({ type: 'blob_grant', size: blob.length });
    expect((await put(base, first, 0, blob.subarray(0, 40_000))).status).toBe(204);
    expect(await request(blob.length)).toBe('QUOTA_EXCEEDED'); // the first reservation still counts
    const wrong = await drop(first, systemRandom(32));
    expect([wrong.status, await codeOf(wrong)]).toEqual([403, 'FORBIDDEN']);
    expect((await drop(first)).status).toBe(204);
    expect(r.context.blobs.usage()).toBe(0);
    expect(readdirSync(join(dataDir, 'blobs'))).toEqual([]);
    const head = await fetch(`${base}/v1/uploads/${toHex(first.blob)}`, { method: 'HEAD', headers: { authorization: `Bearer ${toHex(first.grant)}` } });
    expect(head.status).toBe(404);
    const gone = await drop(first);
    expect([gone.status, await codeOf(gone)]).toEqual([404, 'NOT_FOUND']);

    // Dropped while a PUT is still writing it: the reservation goes now, the bytes when the PUT ends, and nothing is published.
    const second = await alice.request<GrantResult>({ type: 'blob_grant', size: blob.length }); // fits now
    const answer = new Promise<number>((resolve) => {
      const req = httpRequest(`${base}/v1/uploads/${toHex(second.blob)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${toHex(second.grant)}`, 'upload-offset': '0', 'content-length': String(blob.length), 'parley-digest': toHex(sha256(blob)) },
      }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', () => resolve(-1));
      req.write(blob.subarray(0, 50_000), () => setTimeout(() => {
        void drop(second).then((res) => { expect(res.status).toBe(204); req.end(blob.subarray(50_000)); });
      }, 50));
    });
    expect(await answer).toBe(404);
    expect(await request(blob.length)).toBe('ok');
    await until(async () => readdirSync(join(dataDir, 'blobs')).every((n) => !n.startsWith(toHex(second.blob))));
    expect((await get(base, second)).status).toBe(404);
    const third = await grant(r.url, blob.length);
    await uploadAll(base, third, blob);
    const late = await drop(third);
    expect([late.status, await codeOf(late)]).toEqual([409, 'ALREADY_COMPLETE']); // a complete blob lives its TTL
  });

  it('the CLI sets the blob TTL (default: the envelope TTL) and the blob limits', () => {
    const set = parseCli(['--blob-ttl', '60', '--max-blob-size', '1000', '--blob-upload-window-ms', '5000'], {});
    const unset = parseCli(['--ttl', '90'], {});
    if (set === 'help' || unset === 'help') throw new Error('help');
    expect([set.blobTtlSeconds, set.limits?.maxBlobSize, set.limits?.blobUploadWindowMs]).toEqual([60, 1000, 5000]);
    expect(unset.blobTtlSeconds).toBeUndefined();
    expect(resolveOptions(unset).blobTtlSeconds).toBe(90);
  });

  it('unfinished uploads expire after the upload window, complete blobs after their TTL', async () => {
    let now = 1_800_000_000_000;
    const r = await relay({ now: () => now, blobTtlSeconds: 60, limits: { blobUploadWindowMs: 10_000 } });
    const base = httpOf(r.url);
    const blob = randomBlob(2000);
    const pending = await grant(r.url, 2000);
    const done = await grant(r.url, 2000);
    expect((await put(base, pending, 0, blob.subarray(0, 1000))).status).toBe(204);
    await uploadAll(base, done, blob);
    now += 10_000;
    await r.sweep();
    expect((await put(base, pending, 1000, blob.subarray(1000), sha256(blob))).status).toBe(404);
    expect((await get(base, done)).status).toBe(200);
    now += 60_000;
    expect((await get(base, done)).status).toBe(404); // expired, even before the sweep
    await r.sweep();
    expect(r.context.blobs.usage()).toBe(0);
  });

  it('on disk: a final name only for a complete blob; blobs and pending uploads survive a restart', async () => {
    const dataDir = tempDir();
    const blob = randomBlob(50_000);
    const first = await relay({ dataDir });
    const done = await grant(first.url, blob.length);
    const pending = await grant(first.url, blob.length);
    await uploadAll(httpOf(first.url), done, blob);
    expect((await put(httpOf(first.url), pending, 0, blob.subarray(0, 20_000))).status).toBe(204);
    const names = readdirSync(join(dataDir, 'blobs')).sort();
    expect(names).toEqual([`${toHex(done.blob)}.blob`, `${toHex(done.blob)}.json`, `${toHex(pending.blob)}.json`, `${toHex(pending.blob)}.part`].sort());
    await first.close();
    const second = await relay({ dataDir });
    const base = httpOf(second.url);
    expect(new Uint8Array(await (await get(base, done)).arrayBuffer())).toEqual(blob);
    expect((await put(base, pending, 20_000, blob.subarray(20_000), sha256(blob))).status).toBe(201);
    expect(second.context.blobs.usage()).toBe(2 * blob.length);
  });
});
