/**
 * The uploader's grant (client.md §2.4, relay.md §12.4): asked for at once and
 * awaited only by the first PUT; a relay that restarted before it held any
 * byte of the upload has forgotten the grant (404 NOT_FOUND), and the client
 * asks for a new one and sends the file again, so the upload still completes.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClientContext } from '../../src/client/context.js';
import { uploadFile } from '../../src/client/files/index.js';
import type { BlobGrant } from '../../src/client/transport/relay-api.js';
import { sha256, systemRandom, toHex, type Bytes } from '../../src/crypto/index.js';
import { FILE_CHUNK_SIZE } from '../../src/file/index.js';
import type { RelayHandle } from '../../relay/server.js';
import { login, relay, tempDir } from '../relay/harness.js';

/** Just what uploadFile uses of a client's context: the grant request, the relay's URL, randomness. */
function uploadContext(url: string, blobGrant: (size: number) => Promise<BlobGrant>): ClientContext {
  return { relay: { blobGrant }, relayUrl: url, random: systemRandom } as unknown as ClientContext;
}

async function grantFrom(r: RelayHandle, size: number): Promise<BlobGrant> {
  const c = await login(r.url);
  return c.request<BlobGrant & { re: 'blob_grant' }>({ type: 'blob_grant', size });
}

describe('file upload grant', () => {
  it('a relay that restarts between the grant and the first PUT forgot the grant: the client asks for another and the upload completes', async () => {
    const dataDir = tempDir();
    let current = await relay({ dataDir });
    const port = current.port;
    const granted: Bytes[] = [];
    const ctx = uploadContext(current.url, async (size) => {
      const g = await grantFrom(current, size);
      granted.push(g.blob);
      if (granted.length === 1) {
        // The restart: the grant was answered, nothing of its upload was durable yet.
        await current.close();
        current = await relay({ dataDir, port });
      }
      return g;
    });
    const data = new Uint8Array(randomBytes(3 * FILE_CHUNK_SIZE + 100));
    const file = await uploadFile(ctx, data, data.length);

    expect(granted.length).toBe(2);
    expect(toHex(file.id)).toBe(toHex(granted[1] as Bytes));
    const blob = new Uint8Array(await (await fetch(`${current.url.replace(/^ws/, 'http')}/v1/blobs/${toHex(file.id)}`)).arrayBuffer());
    expect(toHex(sha256(blob))).toBe(toHex(file.digest));
    expect((await fetch(`${current.url.replace(/^ws/, 'http')}/v1/blobs/${toHex(granted[0] as Bytes)}`)).status).toBe(404);
  });

  it('a grant refused ends the upload with the relay\'s code, once the first segment would be sent', async () => {
    const r = await relay({ limits: { maxBlobSize: 1000 } });
    const ctx = uploadContext(r.url, (size) => grantFrom(r, size));
    const data = new Uint8Array(randomBytes(5000));
    await expect(uploadFile(ctx, data, data.length)).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});
