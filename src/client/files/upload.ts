/**
 * Encrypting and uploading a file (protocol.md §11, relay.md §12): a grant
 * over the authenticated connection, then the sealed chunks in segments of
 * UPLOAD_SEGMENT_BYTES, each a PUT at the offset the relay holds. Only the
 * segment in flight is kept (the source is read no further ahead), so memory
 * does not grow with the file; after a dropped connection the client asks the
 * relay where it stands and resends the rest of that segment.
 */
import { concatBytes, type Bytes } from '../../crypto/index.js';
import { FileSealer, FILE_CHUNK_SIZE, FILE_KEY_LENGTH, fileLayout } from '../../file/index.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import { blobOrigin, heldOffset, putSegment, releaseUpload, type UploadTarget } from './blob-http.js';
import { readSource, type FileSource } from './source.js';
import { beforeRetry, checkAborted, rethrowUnlessNetwork, type TransferOptions } from './transfer.js';

/** Bytes of sealed chunks sent per PUT: 8 chunks. Larger costs memory, smaller a round trip and an fsync more per MiB. */
export const UPLOAD_SEGMENT_BYTES = 8 * (FILE_CHUNK_SIZE + 16);

/** What a receiver needs to fetch and open the uploaded blob (the pointer's file fields, protocol.md §11.1). */
export interface UploadedFile {
  readonly id: Bytes;
  readonly key: Bytes;
  readonly digest: Bytes;
  readonly size: number;
  readonly chunk: number;
}

export async function uploadFile(ctx: ClientContext, source: FileSource, size: number, options: TransferOptions = {}): Promise<UploadedFile> {
  const { signal } = options;
  checkAborted(signal);
  const layout = fileLayout(size, FILE_CHUNK_SIZE);
  if (ctx.relay.blobGrant === undefined) throw new ClientError('NOT_ALLOWED', 'this transport cannot upload files');
  const grant = await ctx.relay.blobGrant(layout.blobSize);
  const target: UploadTarget = { origin: blobOrigin(ctx.relayUrl), blob: grant.blob, grant: grant.grant };
  try {
    return await sealAndSend(ctx, source, size, target, layout.blobSize, options);
  } catch (e) {
    // Cancelled or failed for good: give the reservation back now, not when the grant expires.
    await releaseUpload(target);
    throw e;
  }
}

async function sealAndSend(ctx: ClientContext, source: FileSource, size: number, target: UploadTarget, blobSize: number, options: TransferOptions): Promise<UploadedFile> {
  const { signal } = options;
  const key = ctx.random(FILE_KEY_LENGTH);
  const sealer = new FileSealer(key, size, FILE_CHUNK_SIZE);
  const uploader = new SegmentUploader(target, blobSize, options);
  let pending: Bytes[] = [];
  let pendingBytes = 0;
  for await (const piece of readSource(source)) {
    checkAborted(signal);
    for (const sealed of sealer.push(piece)) {
      pending.push(sealed);
      pendingBytes += sealed.length;
    }
    if (pendingBytes >= UPLOAD_SEGMENT_BYTES) {
      await uploader.send(concatBytes(...pending), undefined);
      pending = [];
      pendingBytes = 0;
    }
  }
  pending.push(...sealer.finish());
  await uploader.send(concatBytes(...pending), sealer.digest());
  return { id: target.blob, key, digest: sealer.digest(), size, chunk: FILE_CHUNK_SIZE };
}

/** Sends segments in order, each resumed at the relay's offset after a dropped connection. */
class SegmentUploader {
  #offset = 0;

  constructor(private readonly target: UploadTarget, private readonly total: number, private readonly options: TransferOptions) {}

  async send(segment: Bytes, digest: Bytes | undefined): Promise<void> {
    const start = this.#offset;
    const end = start + segment.length;
    for (let attempt = 1; this.#offset < end; attempt++) {
      try {
        if (attempt > 1) this.#offset = await heldOffset(this.target, this.options.signal);
        if (this.#offset < start || this.#offset > end) throw new ClientError('BLOB_REFUSED', 'the relay lost bytes it had held', { blobCode: 'OFFSET_MISMATCH' });
        if (this.#offset === end) break;
        this.#offset = await putSegment(this.target, this.#offset, segment.subarray(this.#offset - start), digest, this.options.signal);
        this.options.onProgress?.({ done: this.#offset, total: this.total });
      } catch (e) {
        rethrowUnlessNetwork(e, this.options.signal);
        await beforeRetry(attempt + 1, this.options.signal, e);
      }
    }
  }
}
