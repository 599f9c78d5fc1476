/**
 * What the SQLite store (sqlite-store.ts, main thread) and its worker
 * (sqlite-worker.ts, which owns the database connection) say to each other.
 * Only sealed rows and HMAC tags cross: the at-rest keys never leave the
 * main thread, so the worker sees what the file holds and nothing more.
 */
import type { MessagePort } from 'node:worker_threads';

/** A stored row as the worker reads it (client.md §5.2). */
export interface SealedRow {
  readonly key_tag: Uint8Array;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
}

/** One write of a batch, sealed: a put carries nonce and sealed, a delete neither. */
export interface RowWrite {
  readonly nsTag: Uint8Array;
  readonly keyTag: Uint8Array;
  readonly nonce?: Uint8Array;
  readonly sealed?: Uint8Array;
}

/** The meta rows the main thread derives the keys from (absent in a new store). */
export interface MetaRows {
  readonly salt?: Uint8Array;
  readonly check?: Uint8Array;
}

export type WorkerRequest =
  | { readonly op: 'open'; readonly id: number }
  | { readonly op: 'init'; readonly id: number; readonly meta: readonly (readonly [string, Uint8Array])[] }
  | { readonly op: 'get'; readonly id: number; readonly nsTag: Uint8Array; readonly keyTag: Uint8Array }
  | { readonly op: 'list'; readonly id: number; readonly nsTag: Uint8Array }
  | { readonly op: 'write'; readonly id: number; readonly rows: readonly RowWrite[] }
  | { readonly op: 'close'; readonly id: number };

/** A StoreError code and message, as the worker reports a failure. */
export interface WorkerFailure {
  readonly code: 'LOCKED' | 'FAILED' | 'CLOSED';
  readonly message: string;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value?: SealedRow | readonly SealedRow[] | MetaRows }
  | { readonly id: number; readonly ok: false; readonly failure: WorkerFailure };

/** What the worker is started with. `replies` counts replies, so the main thread can wait for one synchronously while opening. */
export interface WorkerData {
  readonly path: string;
  /** The worker's end of the channel: requests in, replies out, in order. */
  readonly port: MessagePort;
  readonly checkpointEvery: number;
  readonly replies: SharedArrayBuffer;
}
