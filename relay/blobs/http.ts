/**
 * The blob endpoints on the relay's HTTP port (spec/relay.md §12.3):
 *
 *   HEAD /v1/uploads/<id>   Authorization: Bearer <grant>  → 204, Upload-Offset: bytes held
 *   PUT  /v1/uploads/<id>   Authorization, Upload-Offset, Content-Length[, Parley-Digest on the last]
 *                           → 204 (more to come) or 201 (complete), Upload-Offset
 *   DELETE /v1/uploads/<id> Authorization  → 204: the pending upload and its reservation are dropped
 *   GET  /v1/blobs/<id>     [Range: bytes=a- | bytes=a-b]  → 200 or 206; HEAD the same without a body
 *
 * Every refusal is a status and `{ "code" }` (errors.ts). Bodies are streamed
 * both ways with backpressure: nothing is buffered whole.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fromHex, type Bytes } from '../../src/crypto/index.js';
import { BlobHttpError } from './errors.js';
import type { BlobService } from './service.js';

const ROUTE = /^\/v1\/(uploads|blobs)\/([0-9a-f]{32})$/;
const HEX64 = /^[0-9a-f]{64}$/;
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'upload-offset, content-range, content-length',
};

/** Serves the request if it is a blob route; false otherwise (the caller answers it). */
export function handleBlobHttp(blobs: BlobService | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  const match = ROUTE.exec((req.url ?? '/').split('?')[0] ?? '/');
  if (match === null || blobs === undefined) return false;
  const [, kind, id] = match as unknown as [string, 'uploads' | 'blobs', string];
  serve(blobs, kind, id, req, res).catch((e: unknown) => refuse(res, e));
  return true;
}

async function serve(blobs: BlobService, kind: 'uploads' | 'blobs', id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS') return preflight(res);
  if (kind === 'uploads' && method === 'HEAD') {
    const offset = await blobs.received(id, grantOf(req));
    res.writeHead(204, { ...CORS, 'upload-offset': String(offset), 'cache-control': 'no-store' }).end();
    return;
  }
  if (kind === 'uploads' && method === 'PUT') return upload(blobs, id, req, res);
  if (kind === 'uploads' && method === 'DELETE') {
    await blobs.cancel(id, grantOf(req));
    res.writeHead(204, { ...CORS, 'cache-control': 'no-store' }).end();
    return;
  }
  if (kind === 'blobs' && (method === 'GET' || method === 'HEAD')) return download(blobs, id, req, res, method === 'HEAD');
  res.writeHead(405, { ...CORS, allow: kind === 'uploads' ? 'HEAD, PUT, DELETE, OPTIONS' : 'GET, HEAD, OPTIONS' }).end();
}

function preflight(res: ServerResponse): void {
  res.writeHead(204, {
    ...CORS,
    'access-control-allow-methods': 'GET, HEAD, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': 'authorization, upload-offset, parley-digest, range, content-type',
    'access-control-max-age': '600',
  }).end();
}

async function upload(blobs: BlobService, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const length = uintHeader(req, 'content-length') ?? fail('LENGTH_REQUIRED');
  const offset = uintHeader(req, 'upload-offset') ?? fail('BAD_REQUEST');
  const digestHex = header(req, 'parley-digest');
  if (digestHex !== undefined && !HEX64.test(digestHex)) fail('BAD_REQUEST');
  const digest = digestHex === undefined ? undefined : fromHex(digestHex);
  const done = await blobs.upload({ id, grant: grantOf(req), offset, length, digest, body: req, abort: () => req.destroy() });
  res.writeHead(done.complete ? 201 : 204, { ...CORS, 'upload-offset': String(done.offset), 'cache-control': 'no-store' }).end();
}

async function download(blobs: BlobService, id: string, req: IncomingMessage, res: ServerResponse, headOnly: boolean): Promise<void> {
  const meta = blobs.find(id);
  const range = rangeOf(header(req, 'range'), meta.size);
  const [start, end] = range ?? [0, meta.size];
  const maxAge = Math.max(0, Math.floor((meta.expiresAt - Date.now()) / 1000));
  res.writeHead(range === undefined ? 200 : 206, {
    ...CORS,
    'content-type': 'application/octet-stream',
    'content-length': String(end - start),
    'accept-ranges': 'bytes',
    'cache-control': `public, max-age=${maxAge}, immutable`,
    ...(range !== undefined && { 'content-range': `bytes ${start}-${end - 1}/${meta.size}` }),
  });
  if (headOnly) {
    res.end();
    return;
  }
  // pipeline: backpressure from the socket, and the file closed if the client goes away.
  await pipeline(Readable.from(blobs.read(meta, start, end)), res).catch(() => res.destroy());
}

/** [start, end) of a single `bytes=a-` or `bytes=a-b` range; no header is the whole blob. */
function rangeOf(value: string | undefined, size: number): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(value.trim());
  if (m === null) fail('BAD_RANGE', { size });
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || last < start) fail('RANGE_NOT_SATISFIABLE', { size });
  return [start, last + 1];
}

function grantOf(req: IncomingMessage): Bytes | undefined {
  const m = /^Bearer ([0-9a-f]{64})$/.exec(header(req, 'authorization') ?? '');
  return m === null ? undefined : fromHex(m[1] as string);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function uintHeader(req: IncomingMessage, name: string): number | undefined {
  const v = header(req, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v)) fail('BAD_REQUEST');
  return Number(v);
}

function fail(code: ConstructorParameters<typeof BlobHttpError>[0], extra?: { size?: number }): never {
  throw new BlobHttpError(code, extra);
}

function refuse(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const error = e instanceof BlobHttpError ? e : undefined;
  const status = error?.status ?? 500;
  const headers: Record<string, string> = { ...CORS, 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (error?.offset !== undefined) headers['upload-offset'] = String(error.offset);
  if (error?.size !== undefined) headers['content-range'] = `bytes */${error.size}`;
  // A refused upload's body was not read to its end: the connection cannot carry another request.
  if (res.req.method === 'PUT') headers['connection'] = 'close';
  res.writeHead(status, headers).end(JSON.stringify({ code: error?.code ?? 'INTERNAL' }));
}
