/**
 * The blob store's rules (spec/relay.md §12): grants over the authenticated
 * connection, quotas, resumable uploads checked for length and digest,
 * reads of complete blobs only, expiry. The index of every blob's metadata
 * lives here, in memory (a few hundred bytes per blob); the bytes and a copy
 * of the metadata live in a BlobStore.
 *
 * Bounded cost: an upload is streamed to the store as it arrives, never more
 * than the socket's buffer and the store's write batches (up to 2 MiB with
 * the disk store) in memory, and never more bytes than granted; the digest
 * check reads back only the uploader's own bytes.
 */
import { createSha256, equalBytes, fromHex, sha256, toHex, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import { localHash, type BlobHash, type HashThread } from './hash-thread.js';
import { RELAY_BLOB_GRANT_LENGTH, RELAY_BLOB_ID_LENGTH } from '../../src/wire/index.js';
import type { RelayLimits } from '../config.js';
import { RelayError } from '../errors.js';
import { BlobHttpError } from './errors.js';
import type { BlobAppender, BlobMeta, BlobStore } from './types.js';

/** The limits of relay.md §12.2, as configured (relay/config.ts documents each). */
export type BlobLimits = Pick<RelayLimits,
  'maxBlobSize' | 'blobQuotaPerIdentity' | 'maxBlobBytes' | 'blobUploadWindowMs' | 'maxBlobsPerIdentity' | 'maxBlobs'>;

export interface BlobServiceOptions {
  readonly limits: BlobLimits;
  /** Where pending uploads are hashed: a thread of their own (the disk store), or this one when absent. */
  readonly hashThread?: HashThread;
  /** Lifetime of a complete blob, from its completion. */
  readonly ttlSeconds: number;
  readonly now: () => number;
  readonly random: RandomSource;
}

export interface Grant {
  readonly blob: Bytes;
  readonly grant: Bytes;
  /** The upload deadline, ms since the epoch. */
  readonly expires: number;
}

export interface UploadRequest {
  readonly id: string;
  readonly grant: Bytes | undefined;
  readonly offset: number;
  readonly length: number;
  readonly digest: Bytes | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  /** Ends the request's connection: a HEAD for the same upload calls it (its uploader has given up on it). */
  readonly abort: () => void;
}

export class BlobService {
  readonly #store: BlobStore;
  readonly #options: BlobServiceOptions;
  readonly #index = new Map<string, BlobMeta>();
  readonly #usage = new Map<string, { bytes: number; count: number }>();
  /** Uploads a request is writing now: how to end that request, and when it has ended (HEAD uses both). */
  readonly #busy = new Map<string, { abort: () => void; ended: Promise<void> }>();
  /** Uploads cancelled while a request was writing them: their bytes are deleted when that request ends. */
  readonly #cancelled = new Set<string>();
  /**
   * The digest of each pending upload so far, updated as its bytes are written: the check at completion
   * then costs no second pass over the blob, and the hashing overlaps the waits for the disk. Lost at a
   * restart (or if a write failed halfway): then the blob is read back once at completion.
   */
  readonly #hashing = new Map<string, { hash: BlobHash; offset: number }>();
  #total = 0;

  private constructor(store: BlobStore, options: BlobServiceOptions) {
    this.#store = store;
    this.#options = options;
  }

  static async open(store: BlobStore, options: BlobServiceOptions): Promise<BlobService> {
    const service = new BlobService(store, options);
    for (const meta of await store.list()) service.#track(meta);
    return service;
  }

  /** Ends the hashing thread (the relay's shutdown). */
  async close(): Promise<void> {
    await this.#options.hashThread?.close();
  }

  #forgetHash(id: string): void {
    this.#hashing.get(id)?.hash.drop();
    this.#hashing.delete(id);
  }

  /** Bytes held (pending and complete) in total and by one owner (hex mailbox). */
  usage(owner?: string): number {
    return owner === undefined ? this.#total : this.#usage.get(owner)?.bytes ?? 0;
  }

  /** A grant to upload `size` bytes, counted against `owner` at once (§12.2). */
  async grant(owner: Bytes, size: number): Promise<Grant> {
    const { limits, now, random } = this.#options;
    const ownerHex = toHex(owner);
    if (size > limits.maxBlobSize) throw new RelayError('TOO_LARGE', 'blob larger than the relay accepts');
    const held = this.#usage.get(ownerHex) ?? { bytes: 0, count: 0 };
    if (held.bytes + size > limits.blobQuotaPerIdentity || held.count >= limits.maxBlobsPerIdentity) throw new RelayError('QUOTA_EXCEEDED', 'blob quota');
    if (this.#total + size > limits.maxBlobBytes || this.#index.size >= limits.maxBlobs) throw new RelayError('STORAGE_FULL', 'blob storage full');
    const blob = random(RELAY_BLOB_ID_LENGTH);
    const grant = random(RELAY_BLOB_GRANT_LENGTH);
    const meta: BlobMeta = {
      id: toHex(blob), owner: ownerHex, size, grantHash: toHex(sha256(grant)), expiresAt: now() + limits.blobUploadWindowMs, complete: false,
    };
    this.#track(meta);
    try {
      await this.#store.create(meta);
    } catch (e) {
      this.#untrack(meta);
      throw e;
    }
    return { blob, grant, expires: meta.expiresAt };
  }

  /**
   * Bytes of a pending upload the relay holds durably: where the uploader resumes. A request still writing
   * it is one its uploader gave up on (its connection dropped, or hangs half-open, and only the grant's
   * holder asks): it is ended, and the answer waits until it made what it received durable, so the offset
   * is exact and the resumed PUT is not BUSY.
   */
  async received(id: string, grant: Bytes | undefined): Promise<number> {
    const running = this.#busy.get(this.#pending(id, grant).id);
    if (running !== undefined) {
      running.abort();
      await running.ended;
    }
    return this.#store.received(this.#pending(id, grant).id);
  }

  /** Appends one request's body at `offset`; completes the blob when it reaches the granted size. */
  async upload(r: UploadRequest): Promise<{ offset: number; complete: boolean }> {
    const meta = this.#pending(r.id, r.grant);
    if (this.#busy.has(meta.id)) throw new BlobHttpError('BUSY');
    let ended = (): void => undefined;
    this.#busy.set(meta.id, { abort: r.abort, ended: new Promise<void>((resolve) => { ended = resolve; }) });
    try {
      const held = await this.#store.received(meta.id);
      if (r.offset !== held) throw new BlobHttpError('OFFSET_MISMATCH', { offset: held });
      if (r.offset + r.length > meta.size) throw new BlobHttpError('TOO_LARGE', { offset: held });
      const end = r.offset + r.length;
      if (end === meta.size && r.digest === undefined) throw new BlobHttpError('DIGEST_REQUIRED', { offset: held });
      const appender = await this.#store.appender(meta.id);
      const { written, failure } = await this.#receive(meta.id, appender, r.body, r.length, held);
      if (failure === undefined && held + written === meta.size && !this.#cancelled.has(meta.id)) {
        await this.#complete(meta, appender, r.digest as Bytes);
        return { offset: meta.size, complete: true };
      }
      const offset = await this.#close(meta.id, appender);
      if (failure !== undefined) throw failure;
      if (this.#cancelled.has(meta.id)) throw new BlobHttpError('NOT_FOUND');
      if (offset < end) throw new BlobHttpError('INCOMPLETE', { offset });
      return { offset, complete: false };
    } finally {
      this.#busy.delete(meta.id);
      ended();
      if (this.#cancelled.delete(meta.id)) await this.#store.delete(meta.id);
    }
  }

  /**
   * Drops a pending upload at its uploader's request (§12.3 DELETE): the reservation is freed at once,
   * the bytes now, or when the request still writing them ends (never under its feet).
   */
  async cancel(id: string, grant: Bytes | undefined): Promise<void> {
    const meta = this.#pending(id, grant);
    this.#untrack(meta);
    this.#forgetHash(meta.id);
    if (this.#busy.has(meta.id)) this.#cancelled.add(meta.id);
    else await this.#store.delete(meta.id);
  }

  /** A complete, unexpired blob, or NOT_FOUND. */
  find(id: string): BlobMeta {
    const meta = this.#index.get(id);
    if (meta === undefined || !meta.complete || meta.expiresAt <= this.#options.now()) throw new BlobHttpError('NOT_FOUND');
    return meta;
  }

  read(meta: BlobMeta, start: number, end: number): AsyncIterable<Uint8Array> {
    return this.#store.read(meta.id, start, end);
  }

  /** Deletes expired blobs and expired unfinished uploads (not one being written). */
  async sweep(now: number): Promise<number> {
    const expired = [...this.#index.values()].filter((m) => m.expiresAt <= now && !this.#busy.has(m.id));
    for (const meta of expired) await this.#delete(meta);
    return expired.length;
  }

  /**
   * Streams at most `length` bytes of `body` into the upload at `held` (a longer body is TOO_LARGE), hashing
   * them on the way. A dropped connection ends the body early: what arrived is kept, for a resume.
   */
  async #receive(id: string, appender: BlobAppender, body: AsyncIterable<Uint8Array>, length: number, held: number): Promise<{ written: number; failure?: BlobHttpError }> {
    if (held === 0) {
      this.#forgetHash(id);
      this.#hashing.set(id, { hash: this.#options.hashThread?.start(id) ?? localHash(createSha256), offset: 0 });
    }
    const hashing = this.#hashing.get(id);
    let written = 0;
    try {
      for await (const piece of body) {
        if (written + piece.length > length) throw new BlobHttpError('TOO_LARGE');
        await appender.write(piece);
        written += piece.length;
        if (hashing !== undefined && hashing.offset === held + written - piece.length) {
          const behind = hashing.hash.update(piece);
          hashing.offset += piece.length;
          if (behind !== undefined) await behind; // the hashing thread is 8 MiB behind: read no faster than it hashes
        }
      }
    } catch (e) {
      if (e instanceof BlobHttpError) return { written, failure: e };
      // A dropped connection, or a failed write (which close() rethrows).
    }
    return { written };
  }

  /** Makes what one request wrote durable; the durable length of the upload. */
  async #close(id: string, appender: BlobAppender): Promise<number> {
    try {
      return await appender.close();
    } catch (e) {
      // A write that failed (a full disk) may leave the hash ahead of the bytes held: completion reads them back.
      this.#forgetHash(id);
      throw e;
    }
  }

  /**
   * The request that reached `size`: its bytes are made durable and the complete metadata staged while the
   * digest is awaited; published only if the digest matches (and the upload was not cancelled meanwhile).
   */
  async #complete(meta: BlobMeta, appender: BlobAppender, digest: Bytes): Promise<void> {
    const hashing = this.#hashing.get(meta.id);
    const whole = hashing !== undefined && hashing.offset === meta.size;
    if (!whole) this.#forgetHash(meta.id);
    this.#hashing.delete(meta.id);
    const done: BlobMeta = { ...meta, complete: true, expiresAt: this.#options.now() + this.#options.ttlSeconds * 1000 };
    const [running, staged] = await Promise.all([whole ? hashing.hash.digest() : null, appender.stage(done)]);
    // No running hash of every byte (a restart, a failed write, a lost hashing thread): read the blob back once,
    // now that stage() has written all of it.
    const computed = running ?? await this.#readBack(meta.id);
    if (staged.length !== meta.size || !equalBytes(computed, digest)) {
      await this.#delete(meta);
      throw new BlobHttpError('DIGEST_MISMATCH');
    }
    // Cancelled while completing: not published; upload()'s finally deletes the bytes.
    if (this.#cancelled.has(meta.id)) throw new BlobHttpError('NOT_FOUND');
    await staged.publish();
    if (this.#cancelled.has(meta.id)) throw new BlobHttpError('NOT_FOUND');
    this.#index.set(meta.id, done);
  }

  async #readBack(id: string): Promise<Bytes> {
    const hash = createSha256();
    for await (const piece of this.#store.readPending(id)) hash.update(piece);
    return hash.digest();
  }

  #pending(id: string, grant: Bytes | undefined): BlobMeta {
    const meta = this.#index.get(id);
    if (meta === undefined || meta.expiresAt <= this.#options.now()) throw new BlobHttpError('NOT_FOUND');
    if (grant === undefined || !equalBytes(sha256(grant), fromHex(meta.grantHash))) throw new BlobHttpError('FORBIDDEN');
    if (meta.complete) throw new BlobHttpError('ALREADY_COMPLETE', { offset: meta.size });
    return meta;
  }

  async #delete(meta: BlobMeta): Promise<void> {
    this.#untrack(meta);
    this.#hashing.delete(meta.id);
    await this.#store.delete(meta.id);
  }

  #track(meta: BlobMeta): void {
    this.#index.set(meta.id, meta);
    const held = this.#usage.get(meta.owner) ?? { bytes: 0, count: 0 };
    this.#usage.set(meta.owner, { bytes: held.bytes + meta.size, count: held.count + 1 });
    this.#total += meta.size;
  }

  #untrack(meta: BlobMeta): void {
    if (!this.#index.delete(meta.id)) return;
    const held = this.#usage.get(meta.owner) ?? { bytes: meta.size, count: 1 };
    if (held.count > 1) this.#usage.set(meta.owner, { bytes: held.bytes - meta.size, count: held.count - 1 });
    else this.#usage.delete(meta.owner);
    this.#total -= meta.size;
  }
}
