/**
 * Encrypting and uploading a file (protocol.md §11, relay.md §12): a grant
 * over the authenticated connection, then the sealed chunks in segments of
 * UPLOAD_SEGMENT_BYTES, each a PUT at the offset the relay holds. The next
 * segment is read and sealed while the previous one is in flight (one PUT at a
 * time: the relay serves one request per blob), so encryption overlaps the
 * network and the relay's fsync instead of waiting for them. Only those two
 * segments are held (the source is read no further ahead), so memory does not
 * grow with the file; after a dropped connection the client asks the relay
 * where it stands and resends the rest of the segment in flight. The grant's
 * round trip overlaps the sealing of the first segment; a relay that restarted
 * before holding any byte of the upload has forgotten its grant (relay.md
 * §12.4), and the client asks for a new one and starts that segment again.
 */
import { AEAD_TAG_LENGTH, type Bytes } from '../../crypto/index.js';
import { FileSealer, FILE_CHUNK_SIZE, FILE_KEY_LENGTH, fileLayout } from '../../file/index.js';
import type { ClientContext } from '../context.js';
import { ClientError, isClientError } from '../errors.js';
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
  checkAborted(options.signal);
  const layout = fileLayout(size, FILE_CHUNK_SIZE);
  const relay = ctx.relay;
  if (relay.blobGrant === undefined) throw new ClientError('NOT_ALLOWED', 'this transport cannot upload files');
  const grants = new UploadGrants(blobOrigin(ctx.relayUrl), () => (relay.blobGrant as NonNullable<typeof relay.blobGrant>)(layout.blobSize));
  try {
    return await sealAndSend(ctx, source, size, grants, layout.blobSize, options);
  } catch (e) {
    // Cancelled or failed for good: give the reservation back now, not when the grant expires.
    await grants.release();
    throw e;
  }
}

async function sealAndSend(ctx: ClientContext, source: FileSource, size: number, grants: UploadGrants, blobSize: number, options: TransferOptions): Promise<UploadedFile> {
  const key = ctx.random(FILE_KEY_LENGTH);
  const sealer = new FileSealer(key, size, FILE_CHUNK_SIZE);
  const segments = new SegmentAssembler(blobSize);
  const uploader = new SegmentUploader(grants, blobSize, options);
  const pipeline = new UploadPipeline(uploader);
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
  return { id: (await grants.current()).blob, key, digest: sealer.digest(), size, chunk: FILE_CHUNK_SIZE };
}

/**
 * The upload's grant: asked for at once, awaited only by the first PUT, so its round trip overlaps the
 * sealing of the first segment. renew() replaces a grant the relay forgot (it restarted before the
 * upload's first PUT was durable: a grant is only a promise until then, relay.md §12.4).
 */
class UploadGrants {
  #target: Promise<UploadTarget>;

  constructor(private readonly origin: string, private readonly request: () => Promise<{ blob: Bytes; grant: Bytes }>) {
    this.#target = this.#ask();
  }

  current(): Promise<UploadTarget> {
    return this.#target;
  }

  renew(): Promise<UploadTarget> {
    return (this.#target = this.#ask());
  }

  /** Drops the upload at the relay, if a grant was obtained (best effort, bounded in time). */
  async release(): Promise<void> {
    const target = await this.#target.catch(() => undefined);
    if (target !== undefined) await releaseUpload(target);
  }

  #ask(): Promise<UploadTarget> {
    const target = this.request().then((g) => ({ origin: this.origin, blob: g.blob, grant: g.grant }));
    // Handled here, rethrown to whoever awaits it: a refusal must not go unhandled while the segment is sealed.
    target.catch(() => undefined);
    return target;
  }
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

  constructor(private readonly grants: UploadGrants, private readonly total: number, private readonly options: TransferOptions) {}

  async send(segment: Bytes, digest: Bytes | undefined): Promise<void> {
    const start = this.#offset;
    const end = start + segment.length;
    for (let attempt = 1; this.#offset < end; attempt++) {
      try {
        const target = await this.grants.current();
        if (attempt > 1) this.#offset = await heldOffset(target, this.options.signal);
        if (this.#offset < start || this.#offset > end) throw new ClientError('BLOB_REFUSED', 'the relay lost bytes it had held', { blobCode: 'OFFSET_MISMATCH' });
        if (this.#offset === end) break;
        this.#offset = await putSegment(target, this.#offset, segment.subarray(this.#offset - start), digest, this.options.signal);
        this.options.onProgress?.({ done: this.#offset, total: this.total });
      } catch (e) {
        if (this.#offset === 0 && isForgottenGrant(e)) {
          // Nothing of the upload was held yet, and this segment is the first: start it again on a new grant.
          checkAborted(this.options.signal);
          await this.grants.renew();
        } else {
          rethrowUnlessNetwork(e, this.options.signal);
        }
        await beforeRetry(attempt + 1, this.options.signal, e);
      }
    }
  }
}

/** The relay does not know the upload (404 NOT_FOUND): it restarted before holding any of it, or the grant expired. */
function isForgottenGrant(e: unknown): boolean {
  return isClientError(e, 'BLOB_REFUSED') && e.details['status'] === 404 && e.details['blobCode'] === 'NOT_FOUND';
}
