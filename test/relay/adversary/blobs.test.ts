/**
 * The blob store's HTTP endpoints under attack (relay.md §12, issue 14): no
 * request costs the relay more than its own size. Forged uploads that
 * announce a 1 GiB body are answered from their headers, without the body
 * being read; downloads of unknown blobs are 404s; identities requesting
 * grants in a loop meet the per-identity and relay-wide blob quotas; and a
 * legitimate pair exchanging messages meanwhile loses nothing.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { systemRandom, toHex } from '../../../src/crypto/index.js';
import { TestClient } from '../client.js';
import { attackerAddress } from './attacks.js';
import { expectHealthy, LegitimatePair, residentBytes, target, track, underAttack } from './harness.js';

const GIB = 2 ** 30;

/**
 * A PUT to a random upload id with a random grant that announces `GIB` bytes
 * and sends one 64 KiB piece, never ending the body: resolves with the status
 * the relay answers — which it can only do from the headers.
 */
function forgedUpload(base: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: base.hostname, port: base.port, method: 'PUT', path: `/v1/uploads/${toHex(systemRandom(16))}`,
      headers: { authorization: `Bearer ${toHex(systemRandom(32))}`, 'upload-offset': '0', 'content-length': String(GIB) },
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    req.write(systemRandom(64 * 1024));
  });
}

describe('adversary: blob endpoints', () => {
  it('forged 1 GiB uploads are answered from their headers, unknown downloads are 404, grant floods stop at the blob quotas, and the legitimate pair loses nothing', async () => {
    const relay = await target(['--max-blobs', '40', '--max-blobs-per-identity', '10', '--max-blob-bytes', String(8 * 2 ** 20)]);
    const pair = await LegitimatePair.open(relay.url);
    const baseline = await residentBytes(relay);
    const base = new URL(relay.url.replace(/^ws/, 'http'));
    const hoarders = await Promise.all(Array.from({ length: 8 }, async (_, i) => track(await TestClient.login(relay.url, undefined, attackerAddress(i % 4)))));
    let uploads: number[] = [];
    let downloads: number[] = [];
    let grants: string[] = [];

    const exchange = await underAttack(pair, 40, async () => {
      uploads = await Promise.all(Array.from({ length: 50 }, () => forgedUpload(base)));
      downloads = await Promise.all(Array.from({ length: 200 }, async () => {
        const res = await fetch(new URL(`/v1/blobs/${toHex(systemRandom(16))}`, base));
        await res.arrayBuffer();
        return res.status;
      }));
      const answers = await Promise.all(hoarders.flatMap((h) => Array.from({ length: 20 }, () => h.raw({ type: 'blob_grant', size: 2 ** 20 }))));
      grants = answers.map((a) => (a.type === 'ok' ? 'ok' : a.code));
    });

    // Nothing forged got past the headers: an unknown upload (404) or a bad grant (403), never a body read to its end.
    expect(uploads.every((s) => s === 403 || s === 404)).toBe(true);
    expect(downloads.every((s) => s === 404)).toBe(true);
    // 8 MiB relay-wide at 1 MiB a grant: eight grants in all, whoever asks; the rest QUOTA_EXCEEDED or STORAGE_FULL.
    expect(grants.filter((g) => g === 'ok')).toHaveLength(8);
    expect(grants.every((g) => ['ok', 'QUOTA_EXCEEDED', 'STORAGE_FULL', 'RATE_LIMITED'].includes(g))).toBe(true);
    expect(exchange.refused).toEqual([]);
    expect(exchange.delivered).toBe(exchange.acked);
    await expectHealthy(relay, baseline);
  });
});
