/**
 * The relay's blob endpoints as the client calls them (relay.md §12.3), over
 * the platform's fetch (Node 20 and browsers): no HTTP library. Every refusal
 * becomes ClientError BLOB_REFUSED with the relay's status and code; a
 * cancelled call becomes ABORTED; a network failure stays the fetch error (a
 * TypeError), which the callers retry.
 */
import { toHex, type Bytes } from '../../crypto/index.js';
import { ClientError, isClientError } from '../errors.js';

/** The HTTP origin of the relay behind a ws:// or wss:// URL. */
export function blobOrigin(relayUrl: string): string {
  const url = new URL(relayUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

export interface UploadTarget {
  readonly origin: string;
  readonly blob: Bytes;
  readonly grant: Bytes;
}

/** Appends `body` at `offset`; the digest goes with the request that completes the blob. Returns the relay's new offset. */
export async function putSegment(t: UploadTarget, offset: number, body: Bytes, digest: Bytes | undefined, signal?: AbortSignal): Promise<number> {
  const res = await call(`${t.origin}/v1/uploads/${toHex(t.blob)}`, {
    method: 'PUT', body: body as Uint8Array<ArrayBuffer>,
    headers: { authorization: `Bearer ${toHex(t.grant)}`, 'upload-offset': String(offset), ...(digest !== undefined && { 'parley-digest': toHex(digest) }) },
  }, signal);
  return offsetOf(res);
}

/** The bytes of the upload the relay holds durably: where to resume. */
export async function heldOffset(t: UploadTarget, signal?: AbortSignal): Promise<number> {
  try {
    return offsetOf(await call(`${t.origin}/v1/uploads/${toHex(t.blob)}`, { method: 'HEAD', headers: { authorization: `Bearer ${toHex(t.grant)}` } }, signal));
  } catch (e) {
    // The completing PUT went through but its answer was lost: the blob is whole.
    if (isClientError(e, 'BLOB_REFUSED') && e.details['status'] === 409 && typeof e.details['offset'] === 'number') return e.details['offset'];
    throw e;
  }
}

/**
 * Asks the relay to drop an upload given up on (relay.md §12.3 DELETE), so its quota reservation is freed
 * now rather than when the grant expires. Best effort and bounded in time: a relay that cannot be reached
 * frees it at expiry anyway, and the caller's own failure is what it reports.
 */
export async function releaseUpload(t: UploadTarget): Promise<void> {
  try {
    await call(`${t.origin}/v1/uploads/${toHex(t.blob)}`, { method: 'DELETE', headers: { authorization: `Bearer ${toHex(t.grant)}` } }, AbortSignal.timeout(RELEASE_TIMEOUT_MS));
  } catch {
    // unreachable, or already gone (a digest mismatch deletes the upload): expiry covers it
  }
}

const RELEASE_TIMEOUT_MS = 5000;

/** The blob's bytes from `start` to its end, as a stream. */
export async function readFrom(origin: string, blob: Bytes, start: number, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  const res = await call(`${origin}/v1/blobs/${toHex(blob)}`, { headers: start > 0 ? { range: `bytes=${start}-` } : {} }, signal);
  // A relay that ignored the range would hand us bytes from 0: never feed those in at `start`.
  if (start > 0 && !(res.status === 206 && res.headers.get('content-range')?.startsWith(`bytes ${start}-`) === true)) {
    await res.body?.cancel();
    throw new ClientError('BLOB_REFUSED', 'the relay did not serve the range asked for', { status: res.status, blobCode: 'BAD_RANGE' });
  }
  if (res.body === null) throw new ClientError('BLOB_REFUSED', 'no body', { status: res.status, blobCode: 'NO_BODY' });
  return res.body;
}

async function call(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, ...(signal !== undefined && { signal }) });
  } catch (e) {
    if (signal?.aborted === true) throw aborted();
    throw e;
  }
  if (res.ok) return res;
  throw await refusal(res);
}

async function refusal(res: Response): Promise<ClientError> {
  let code = 'UNKNOWN';
  try {
    const body = (await res.json()) as { code?: unknown };
    if (typeof body.code === 'string' && body.code.length <= 64) code = body.code;
  } catch {
    // a body that is not our JSON: the status says enough
  }
  const offset = Number(res.headers.get('upload-offset') ?? NaN);
  return new ClientError('BLOB_REFUSED', `the relay refused: ${res.status} ${code}`, {
    status: res.status, blobCode: code, ...(Number.isSafeInteger(offset) && { offset }),
  });
}

function offsetOf(res: Response): number {
  const offset = Number(res.headers.get('upload-offset'));
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ClientError('BLOB_REFUSED', 'no Upload-Offset in the answer', { status: res.status, blobCode: 'BAD_ANSWER' });
  return offset;
}

export function aborted(): ClientError {
  return new ClientError('ABORTED', 'the transfer was cancelled');
}
