/**
 * The blob store's hashing thread, seen from the relay's event loop (spec/relay.md
 * §12.4): each pending upload's SHA-256 runs in hash-worker.ts, so the loop only
 * copies each piece once and hands it over, and the hashing overlaps the network
 * and the disk instead of taking turns with them on one core.
 *
 * A digest is null when the thread no longer has it — it stopped (a new one
 * starts on the next call), or never saw the upload start: the caller then
 * reads the blob back and hashes it itself, so a lost thread costs time, never
 * a wrong answer.
 */
import { Worker } from 'node:worker_threads';
import type { Bytes } from '../../src/crypto/index.js';
import type { HashCall, HashReply } from './hash-protocol.js';
import { workerEntry } from '../worker-entry.js';

/** Bytes handed to the thread and not yet hashed, above which update() asks its caller to wait. */
export const HASH_QUEUE_HIGH_WATER = 8 * 1024 * 1024;
/** Size of a pooled copy buffer, and how many the pool keeps: the high water mark's worth. */
const POOL_BUFFER = 64 * 1024;
const POOL_MAX = HASH_QUEUE_HIGH_WATER / POOL_BUFFER;

/** A running hash of one upload's bytes, in order. */
export interface BlobHash {
  /**
   * Adds bytes. Returns a promise to await before the next piece when the thread is behind by more
   * than HASH_QUEUE_HIGH_WATER (so the upload slows to the hashing's pace instead of queueing copies).
   */
  update(piece: Bytes): Promise<void> | undefined;
  /** The digest of everything updated, or null if the thread lost it; ends the hash. */
  digest(): Promise<Bytes | null>;
  /** Ends the hash without a digest. */
  drop(): void;
}


export class HashThread {
  #worker: Worker | undefined;
  #calls: HashCall[] = [];
  #transfer: ArrayBuffer[] = [];
  #scheduled = false;
  #nextRequest = 1;
  readonly #waiting = new Map<number, (digest: Bytes | null) => void>();
  /** Update bytes posted or queued and not yet reported hashed. */
  #behind = 0;
  /** Buffers the thread gave back, ready for the next pieces (HTTP bodies arrive mostly in 64 KiB pieces). */
  #pool: ArrayBuffer[] = [];
  #resume: Array<() => void> = [];

  start(id: string): BlobHash {
    this.#queue({ op: 'start', id });
    return {
      update: (piece) => {
        // A copy of its own to transfer: the piece views the buffer its HTTP chunk arrived in (a Buffer,
        // whose slice() is a view, not a copy), which must not be detached.
        const bytes = this.#copy(piece);
        this.#queue({ op: 'update', id, bytes, length: piece.length }, bytes);
        this.#behind += piece.length;
        return this.#behind > HASH_QUEUE_HIGH_WATER ? new Promise<void>((resolve) => this.#resume.push(resolve)) : undefined;
      },
      digest: () => new Promise<Bytes | null>((resolve) => {
        const req = this.#nextRequest++;
        this.#waiting.set(req, resolve);
        this.#queue({ op: 'digest', id, req });
      }),
      drop: () => this.#queue({ op: 'drop', id }),
    };
  }

  /** Ends the thread; digests still awaited resolve null. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#lost();
    await worker?.terminate();
  }

  #queue(call: HashCall, transfer?: ArrayBuffer): void {
    this.#calls.push(call);
    if (transfer !== undefined) this.#transfer.push(transfer);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#post()); // one message per turn of the loop, whatever it queued
  }

  #post(): void {
    this.#scheduled = false;
    const [calls, transfer] = [this.#calls, this.#transfer];
    this.#calls = [];
    this.#transfer = [];
    if (calls.length > 0) this.#spawned().postMessage(calls, transfer);
  }

  #spawned(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(workerEntry('./blobs/hash-worker-dev.mjs', './blob-hash-worker.js'));
    worker.unref(); // hashing never keeps the relay's process alive
    worker.on('message', (reply: HashReply) => {
      for (const d of reply.digests) {
        this.#waiting.get(d.req)?.(d.digest === null ? null : new Uint8Array(d.digest));
        this.#waiting.delete(d.req);
      }
      for (const b of reply.buffers) if (this.#pool.length < POOL_MAX) this.#pool.push(b);
      this.#hashed(reply.hashed);
    });
    const gone = (): void => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#lost();
    };
    worker.on('error', gone).on('exit', gone);
    this.#worker = worker;
    return worker;
  }

  /** `piece` copied into a pooled buffer large enough for it, or a new one of POOL_BUFFER bytes (or the piece's size). */
  #copy(piece: Bytes): ArrayBuffer {
    const index = this.#pool.findIndex((b) => b.byteLength >= piece.length);
    const buffer = index >= 0 ? (this.#pool.splice(index, 1)[0] as ArrayBuffer) : new ArrayBuffer(Math.max(POOL_BUFFER, piece.length));
    new Uint8Array(buffer).set(piece);
    return buffer;
  }

  #hashed(bytes: number): void {
    this.#behind = Math.max(0, this.#behind - bytes);
    if (this.#behind > HASH_QUEUE_HIGH_WATER / 2) return;
    const resume = this.#resume;
    this.#resume = [];
    for (const go of resume) go();
  }

  /** The thread stopped: every awaited digest is lost (its caller reads the blob back), and nobody waits on it. */
  #lost(): void {
    for (const resolve of this.#waiting.values()) resolve(null);
    this.#waiting.clear();
    this.#hashed(this.#behind);
  }
}

/** The same interface hashed on the calling thread (the in-memory blob store, and tests). */
export function localHash(create: () => { update(b: Bytes): void; digest(): Bytes }): BlobHash {
  const hash = create();
  return {
    update: (piece) => {
      hash.update(piece);
      return undefined;
    },
    digest: () => Promise.resolve(hash.digest()),
    drop: () => undefined,
  };
}
