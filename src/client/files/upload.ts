/**
 * Encrypting and uploading a file (protocol.md §11, relay.md §12): a grant
 * over the authenticated connection, then the sealed chunks in segments of
 * UPLOAD_SEGMENT_BYTES, each a PUT at the offset the relay holds. The next
 * segment is read and sealed while the previous one is in flight (one PUT at a
 * time: the relay serves one request per blob), so encryption overlaps the
 * network and the relay's fsync instead of waiting for them. Only those two
 * segments are held (the source is read no further ahead), so memory does not
 * grow with the file; after a dropped connection the client asks the relay
 * where it stands and resends the rest of the segment in flight.
 */
import { AEAD_TAG_LENGTH, type Bytes } from '../../crypto/index.js';
import { FileSealer, FILE_CHUNK_SIZE, FILE_KEY_LENGTH, fileLayout } from '../../file/index.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import { blobOrigin, heldOffset, putSegment, releaseUpload, type UploadTarget } from './blob-http.js';
import { readSource, type FileSource } from './source.js';
import { beforeRetry, checkAborted, rethrowUnlessNetwork, type TransferOptions } from './transfer.js';

/**
 * Bytes of sealed chunks sent per PUT: 64 chunks (4 MiB + 1 KiB). Each PUT costs a round trip and an
 * fsync at the relay; at 8 chunks those bounded the upload (bench/RESULTS.md, files). Two segments
 * are held while one is in flight, so this is also what the upload costs in memory.
 */
export const UPLOAD_SEGMENT_BYTES = 64 * (FILE_CHUNK_SIZE + AEAD_TAG_LENGTH);

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
  const key = ctx.random(FILE_KEY_LENGTH);
  const sealer = new FileSealer(key, size, FILE_CHUNK_SIZE);
  const segments = new SegmentAssembler(blobSize);
  const pipeline = new UploadPipeline(new SegmentUploader(target, blobSize, options));
  // The segment that ends the blob carries the digest (its last chunk, sealed by finish(), completed it).
  const send = async (chunks: Iterable<Bytes>): Promise<void> => {
    for (const segment of segments.add(chunks)) await pipeline.send(segment, segments.complete ? sealer.digest() : undefined);
  };
  try {
    for await (const piece of readSource(source)) {
      checkAborted(options.signal);
      await send(sealer.push(piece));
    }
    await send(sealer.finish());
    await pipeline.drain();
  } catch (e) {
    // Not before the PUT in flight has ended: the caller's DELETE must not race it.
    await pipeline.settle();
    throw e;
  }
  return { id: target.blob, key, digest: sealer.digest(), size, chunk: FILE_CHUNK_SIZE };
}

/**
 * Sealed chunks laid into PUT-sized segments, with no copy to join them. Segments hold whole chunks
 * (every chunk but the last is full), so a chunk never straddles two. Two buffers take turns: segment
 * n+1 is filled only after send(n) returned, which awaited the PUT of segment n-1, whose buffer it reuses.
 */
class SegmentAssembler {
  readonly #buffers: Bytes[] = [];
  #segment: Bytes | undefined;
  #count = 0;
  #filled = 0;
  #start = 0;

  constructor(private readonly blobSize: number) {}

  /** Whether the segment last handed out ends the blob. */
  get complete(): boolean {
    return this.#start === this.blobSize;
  }

  *add(chunks: Iterable<Bytes>): Iterable<Bytes> {
    for (const chunk of chunks) {
      const segment = (this.#segment ??= this.#next());
      segment.set(chunk, this.#filled);
      this.#filled += chunk.length;
      if (this.#filled < segment.length) continue;
      this.#start += segment.length;
      this.#segment = undefined;
      this.#filled = 0;
      yield segment;
    }
  }

  #next(): Bytes {
    const turn = this.#count++ % 2;
    const buffer = (this.#buffers[turn] ??= new Uint8Array(Math.min(UPLOAD_SEGMENT_BYTES, this.blobSize)));
    return buffer.subarray(0, Math.min(UPLOAD_SEGMENT_BYTES, this.blobSize - this.#start));
  }
}

/** One segment in flight while the caller seals the next; send() waits for the previous PUT first. */
class UploadPipeline {
  #inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly uploader: SegmentUploader) {}

  async send(segment: Bytes, digest: Bytes | undefined): Promise<void> {
    await this.#inFlight;
    this.#inFlight = this.uploader.send(segment, digest);
    // Handled now, rethrown by the next send() or drain(): a failure must not go unhandled while we seal.
    this.#inFlight.catch(() => undefined);
  }

  drain(): Promise<void> {
    return this.#inFlight;
  }

  async settle(): Promise<void> {
    await this.#inFlight.catch(() => undefined);
  }
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
