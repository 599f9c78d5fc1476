/**
 * Files end to end (protocol.md §11, relay.md §12, client.md §2): real
 * clients, a real relay process (SQLite and files on disk), real HTTP, and a
 * TCP proxy in between that can cut every connection mid-transfer. One upload
 * serves a whole group; transfers resume after a drop; tampering ends in a
 * typed error with the partial output aborted; and the transfer's shape is
 * streaming: the uploader reads the source no further ahead than two segments,
 * the downloader verifies no more than a couple of chunks ahead of its sink.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { isClientError } from '../../src/client/errors.js';
import { UPLOAD_SEGMENT_BYTES, type FilePointer, type FileSink, type TransferProgress } from '../../src/client/files/index.js';
import { concatBytes, toHex, type Bytes } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import { FILE_CHUNK_SIZE } from '../../src/file/index.js';
import type { RelayRequest } from '../../src/wire/relay-frames.js';
import { befriend, openClient, openRecordingClient, relayPerFile } from './helpers.js';

const file = relayPerFile('parley-files-');
const SEALED_CHUNK = FILE_CHUNK_SIZE + 16;

/** A TCP proxy to the relay that cuts every connection once `cutAfter` bytes went the armed way. */
class CuttingProxy {
  readonly sockets = new Set<Socket>();
  cuts = 0;
  #server: Server | undefined;
  #armed: { direction: 'up' | 'down'; left: number } | undefined;
  port = 0;

  async start(target: number): Promise<void> {
    this.#server = createServer((client) => {
      const upstream = tcpConnect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('data', (d: Buffer) => { upstream.write(d); this.#count('up', d.length); });
      upstream.on('data', (d: Buffer) => { client.write(d); this.#count('down', d.length); });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server?.address() as { port: number }).port;
  }

  arm(direction: 'up' | 'down', bytes: number): void {
    this.#armed = { direction, left: bytes };
  }

  #count(direction: 'up' | 'down', n: number): void {
    if (this.#armed?.direction !== direction) return;
    this.#armed.left -= n;
    if (this.#armed.left > 0) return;
    this.#armed = undefined;
    this.cuts++;
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

const proxy = new CuttingProxy();
let alice: Client;
let bob: Client;
let carol: Client;
let bobAtAlice: string;
let carolAtAlice: string;
const aliceRequests: RelayRequest[] = [];

beforeAll(async () => {
  await proxy.start(file.relay.port);
  const url = `ws://127.0.0.1:${proxy.port}`;
  alice = await openRecordingClient(join(file.tmp.dir, 'alice'), url, 'alice', (r) => aliceRequests.push(r));
  bob = await openClient(join(file.tmp.dir, 'bob'), url, 'bob');
  carol = await openClient(join(file.tmp.dir, 'carol'), url, 'carol');
  file.open.push(alice, bob, carol);
  bobAtAlice = (await befriend(alice, bob)).bAtA;
  carolAtAlice = (await befriend(alice, carol)).bAtA;
}, 30_000);

afterAll(() => proxy.stop());

const randomFile = (n: number): Bytes => new Uint8Array(randomBytes(n));

/** The attachment pointer of the next message `c` receives. */
async function nextPointer(c: Client): Promise<FilePointer> {
  const m = await c.next('message', (e) => e.content.body.type === 'attachment');
  return m.content.body as FilePointer;
}

/** A FileSink that records what it was given, how it ended, and how far the verified output trails the download. */
function recordingSink(): FileSink & { parts: Bytes[]; closed: boolean; aborted: unknown; written: number } {
  const sink = {
    parts: [] as Bytes[], closed: false, aborted: undefined as unknown, written: 0,
    write: async (data: Bytes) => { sink.parts.push(data.slice()); sink.written += data.length; },
    close: async () => { sink.closed = true; },
    abort: async (reason: unknown) => { sink.aborted = reason; },
  };
  return sink;
}

const joined = (parts: readonly Bytes[]): Bytes => concatBytes(...parts);
/** Byte equality without vitest's element-by-element diff of megabytes. */
const same = (a: Bytes, b: Bytes): boolean => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

describe('files', () => {
  it('a multi-chunk file goes 1:1: progress to the end, the same bytes out', async () => {
    const data = randomFile(5 * FILE_CHUNK_SIZE + 1234);
    const progress: TransferProgress[] = [];
    const received = nextPointer(bob);
    const sent = await alice.sendFile(bobAtAlice, data, { type: 'application/octet-stream', name: 'data.bin', onProgress: (p) => progress.push(p) });
    const pointer = await received;
    expect(toHex(pointer.id)).toBe(toHex((sent.body as FilePointer).id));
    expect([pointer.size, pointer.chunk, pointer.name, pointer.mime]).toEqual([data.length, FILE_CHUNK_SIZE, 'data.bin', 'application/octet-stream']);
    expect(progress.at(-1)?.done).toBe(progress.at(-1)?.total);
    expect(same(await bob.downloadBytes(pointer), data)).toBe(true);
  });

  it('one upload serves a whole group: every member downloads the same blob', async () => {
    const g = await alice.createGroup('files', [bobAtAlice, carolAtAlice]);
    while (!alice.group(g.id).ready) await new Promise((r) => setTimeout(r, 10));
    const data = randomFile(3 * FILE_CHUNK_SIZE);
    const grantsBefore = aliceRequests.filter((r) => r.type === 'blob_grant').length;
    const [atBob, atCarol] = [nextPointer(bob), nextPointer(carol)];
    await alice.sendFile(g.id, new Blob([data as Uint8Array<ArrayBuffer>]), { type: 'image/png', name: 'group.png', preview: new Uint8Array([1, 2, 3]) });
    expect(aliceRequests.filter((r) => r.type === 'blob_grant').length - grantsBefore).toBe(1);
    const [pb, pc] = await Promise.all([atBob, atCarol]);
    expect(toHex(pb.id)).toBe(toHex(pc.id));
    expect(pb.preview).toEqual(new Uint8Array([1, 2, 3]));
    expect(same(await bob.downloadBytes(pb), data)).toBe(true);
    expect(same(await carol.downloadBytes(pc), data)).toBe(true);
  });

  it('resumes after the connection drops mid-upload and mid-download', async () => {
    const data = randomFile(24 * FILE_CHUNK_SIZE);
    const received = nextPointer(bob);
    proxy.arm('up', 10 * FILE_CHUNK_SIZE);
    const cutsBefore = proxy.cuts;
    // A stream source (a Node Readable would do the same): read once, never rewound.
    async function* pieces(): AsyncIterable<Uint8Array> {
      for (let at = 0; at < data.length; at += 50_000) yield data.subarray(at, at + 50_000);
    }
    await alice.sendFile(bobAtAlice, pieces(), { type: 'video/mp4', size: data.length });
    expect(proxy.cuts).toBe(cutsBefore + 1);
    const pointer = await received;
    proxy.arm('down', 12 * FILE_CHUNK_SIZE);
    const sink = recordingSink();
    await bob.download(pointer, sink);
    expect(proxy.cuts).toBe(cutsBefore + 2);
    expect([sink.closed, sink.aborted]).toEqual([true, undefined]);
    expect(same(joined(sink.parts), data)).toBe(true);
  });

  it('tampering ends in a typed error, and the sink gets only verified chunks and is aborted', async () => {
    const data = randomFile(6 * FILE_CHUNK_SIZE);
    const received = nextPointer(bob);
    await alice.sendFile(bobAtAlice, data, { type: 'application/pdf' });
    const pointer = await received;
    // A hostile relay flips one byte of chunk 3 on disk.
    const path = join(file.tmp.dir, 'relay', 'blobs', `${toHex(pointer.id)}.blob`);
    const blob = readFileSync(path);
    const at = 3 * SEALED_CHUNK + 100;
    blob.writeUInt8(blob.readUInt8(at) ^ 1, at);
    writeFileSync(path, blob);
    const sink = recordingSink();
    const error = await bob.download(pointer, sink).then(() => undefined, (e: unknown) => e);
    expect(isProtocolError(error, 'DECRYPT_FAILED') && error.details['chunk']).toBe(3);
    expect(sink.aborted).toBe(error);
    expect(sink.closed).toBe(false);
    expect(same(joined(sink.parts), data.subarray(0, 3 * FILE_CHUNK_SIZE))).toBe(true);
    // A pointer whose digest is not the blob's; a wrong key; a blob id the relay never issued.
    const good = await (async () => {
      const r = nextPointer(bob);
      await alice.sendFile(bobAtAlice, data.subarray(0, 1000), { type: 'text/plain' });
      return r;
    })();
    const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (isProtocolError(e) ? e.code : isClientError(e) ? `${e.code} ${String(e.details['status'])}` : String(e)));
    expect(await codeOf(bob.downloadBytes({ ...good, digest: new Uint8Array(32) }))).toBe('FILE_DIGEST_MISMATCH');
    expect(await codeOf(bob.downloadBytes({ ...good, key: new Uint8Array(32) }))).toBe('DECRYPT_FAILED');
    expect(await codeOf(bob.downloadBytes({ ...good, id: new Uint8Array(16) }))).toBe('BLOB_REFUSED 404');
    expect(await codeOf(bob.downloadBytes(good))).toBe('ok');
  });

  it('cancels: an aborted upload or download rejects ABORTED, and the aborted download aborts its sink', async () => {
    // More than one segment, so that there is a progress report (the first segment held) before the end.
    const data = randomFile(UPLOAD_SEGMENT_BYTES + 20 * FILE_CHUNK_SIZE);
    const up = new AbortController();
    // The cancelled upload is dropped on the relay (DELETE with its grant, relay.md §12.3), freeing its quota now.
    const released: number[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const res = await realFetch(input, init);
      if (init?.method === 'DELETE') released.push(res.status);
      return res;
    };
    const upload = alice.sendFile(bobAtAlice, data, { type: 'application/zip', signal: up.signal, onProgress: () => up.abort() });
    try {
      expect(await upload.then(() => 'sent', (e: unknown) => (isClientError(e) ? e.code : String(e)))).toBe('ABORTED');
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(released).toEqual([204]);
    const received = nextPointer(bob);
    await alice.sendFile(bobAtAlice, data, { type: 'application/zip' });
    const pointer = await received;
    const down = new AbortController();
    const sink = recordingSink();
    const download = bob.download(pointer, sink, { signal: down.signal, onProgress: () => down.abort() });
    expect(await download.then(() => 'done', (e: unknown) => (isClientError(e) ? e.code : String(e)))).toBe('ABORTED');
    expect(isClientError(sink.aborted, 'ABORTED')).toBe(true);
    expect(sink.closed).toBe(false);
  });

  it('sticker packs: the images and the manifest are uploaded once, a sticker arrives as pack + index, and the receiver fetches each blob once', async () => {
    const images = [randomFile(3000), randomFile(70_000)];
    const pack = await alice.createStickerPack('cats', [
      { emoji: '😺', data: images[0] as Bytes, type: 'image/webp' },
      { emoji: '😹', data: images[1] as Bytes, type: 'image/png' },
    ]);
    expect([pack.title, pack.count, pack.pack.mime]).toEqual(['cats', 2, 'application/vnd.parley.sticker-pack']);
    const received = bob.next('message', (m) => m.content.body.type === 'sticker');
    await alice.sendSticker(bobAtAlice, pack, 1);
    const body = (await received).content.body;
    if (body.type !== 'sticker') throw new Error('not a sticker');
    expect(body.sticker).toBe(1);
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      fetched.push(String(input));
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      const first = await bob.stickerImage(body);
      expect([first.emoji, first.mime, same(first.bytes, images[1] as Bytes)]).toEqual(['😹', 'image/png', true]);
      expect(fetched.length).toBe(2); // the manifest, then the image
      const again = await bob.stickerImage(body);
      expect(same(again.bytes, images[1] as Bytes)).toBe(true);
      expect(fetched.length).toBe(2); // cached: no transfer
      const other = await bob.stickerImage({ ...body, sticker: 0 });
      expect([other.emoji, same(other.bytes, images[0] as Bytes)]).toEqual(['😺', true]);
      expect(fetched.length).toBe(3); // the image only: the manifest is cached
      expect(await bob.stickerImage({ ...body, sticker: 2 }).then(() => 'ok', (e: unknown) => (isClientError(e) ? e.code : String(e)))).toBe('INVALID_ARGUMENT');
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it("streams: the source is read at most one segment ahead of the relay's PUT in flight (two of what it holds), the sink trails verification by at most two chunks", async () => {
    // Three segments and a bit: the pipeline (one segment in flight, the next sealed meanwhile) shows.
    const data = randomFile(3 * UPLOAD_SEGMENT_BYTES + 5 * FILE_CHUNK_SIZE);
    let pulled = 0;
    let acked = 0;
    let maxAhead = 0;
    async function* source(): AsyncIterable<Uint8Array> {
      for (let at = 0; at < data.length; at += 16_384) {
        pulled += Math.min(16_384, data.length - at);
        maxAhead = Math.max(maxAhead, pulled - acked);
        yield data.subarray(at, at + 16_384);
      }
    }
    const received = nextPointer(bob);
    await alice.sendFile(bobAtAlice, source(), {
      type: 'application/octet-stream', size: data.length,
      onProgress: (p) => { acked = (p.done / SEALED_CHUNK) * FILE_CHUNK_SIZE; },
    });
    // The segment in flight and the one sealed while it is (plus the piece being read): never the whole file.
    expect(maxAhead).toBeLessThanOrEqual(2 * UPLOAD_SEGMENT_BYTES + 2 * FILE_CHUNK_SIZE);
    expect(maxAhead).toBeLessThan(data.length);
    // A whole file handed over as one array is still sealed a segment at a time: the progress shows every segment.
    const segments: number[] = [];
    const big = nextPointer(bob);
    await alice.sendFile(bobAtAlice, data, { type: 'application/octet-stream', onProgress: (p) => segments.push(p.done) });
    await big;
    expect(segments.length).toBeGreaterThanOrEqual(Math.floor(data.length / UPLOAD_SEGMENT_BYTES));
    const pointer = await received;
    // A slow sink: the download must wait for it rather than verify (and hold) ever more of the blob.
    let verifiedChunks = 0;
    let maxLag = 0;
    const sink = recordingSink();
    const slow: FileSink = {
      write: async (d) => { await new Promise((r) => setTimeout(r, 2)); await sink.write(d); },
      close: () => sink.close(),
      abort: (r) => sink.abort(r),
    };
    await bob.download(pointer, slow, {
      onProgress: (p) => {
        // Padding chunks past the file's end (protocol.md §11.3) verify but write nothing: not a lag of the sink.
        verifiedChunks = Math.min(Math.floor(p.done / SEALED_CHUNK), Math.ceil(data.length / FILE_CHUNK_SIZE));
        maxLag = Math.max(maxLag, verifiedChunks - Math.floor(sink.written / FILE_CHUNK_SIZE));
      },
    });
    expect(maxLag).toBeLessThanOrEqual(2);
    expect(same(joined(sink.parts), data)).toBe(true);
  });
});
