/**
 * What the SQLite store (sqlite-store.ts, main thread) and its worker
 * (sqlite-worker.ts, which owns the database connection) say to each other.
 * Only sealed rows and HMAC tags cross: the at-rest keys never leave the
 * main thread, so the worker sees what the file holds and nothing more.
 *
 * Each side posts the requests (replies) of one turn as one array, and a
 * batch's rows travel packed in one buffer (packRows): cloning a message
 * costs per buffer in it, and a batch of four rows held sixteen.
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

/** Bytes of an HMAC-SHA-256 tag (nsTag, keyTag). */
const TAG_LENGTH = 32;

/**
 * A batch's rows in one buffer, in order: per row u8 kind (0 delete, 1 put), nsTag, keyTag, and for a put
 * u8 nonce length, nonce, u32 sealed length (big-endian), sealed. Only this module's unpackRows reads it.
 */
export function packRows(rows: readonly RowWrite[]): Uint8Array {
  let length = 0;
  for (const r of rows) length += 1 + 2 * TAG_LENGTH + (r.sealed === undefined || r.nonce === undefined ? 0 : 5 + r.nonce.length + r.sealed.length);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const r of rows) {
    const put = r.sealed !== undefined && r.nonce !== undefined;
    out[at++] = put ? 1 : 0;
    out.set(r.nsTag, at);
    out.set(r.keyTag, at + TAG_LENGTH);
    at += 2 * TAG_LENGTH;
    if (r.sealed === undefined || r.nonce === undefined) continue;
    out[at++] = r.nonce.length;
    out.set(r.nonce, at);
    at += r.nonce.length;
    view.setUint32(at, r.sealed.length);
    out.set(r.sealed, at + 4);
    at += 4 + r.sealed.length;
  }
  return out;
}

/** The rows of packRows, as views into `packed`. */
export function unpackRows(packed: Uint8Array): RowWrite[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const rows: RowWrite[] = [];
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > packed.length) throw new RangeError('a packed batch ends early');
    const part = packed.subarray(at, at + n);
    at += n;
    return part;
  };
  while (at < packed.length) {
    const put = take(1)[0] === 1;
    const nsTag = take(TAG_LENGTH);
    const keyTag = take(TAG_LENGTH);
    if (!put) {
      rows.push({ nsTag, keyTag });
      continue;
    }
    const nonce = take(take(1)[0] as number);
    const sealedLength = view.getUint32(at);
    at += 4;
    rows.push({ nsTag, keyTag, nonce, sealed: take(sealedLength) });
  }
  return rows;
}

/** A KeyFilter (key-filter.ts) as the worker built it from every row's key tag. */
export interface FilterWords {
  readonly words: Uint8Array;
  readonly keys: number;
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
  | { readonly op: 'filter'; readonly id: number }
  /** `rows`: packRows of the batch. */
  | { readonly op: 'write'; readonly id: number; readonly rows: Uint8Array }
  | { readonly op: 'close'; readonly id: number };

/** A StoreError code and message, as the worker reports a failure. */
export interface WorkerFailure {
  readonly code: 'LOCKED' | 'FAILED' | 'CLOSED';
  readonly message: string;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value?: SealedRow | readonly SealedRow[] | MetaRows | FilterWords }
  | { readonly id: number; readonly ok: false; readonly failure: WorkerFailure };

/** What the worker is started with. `replies` counts replies, so the main thread can wait for one synchronously while opening. */
export interface WorkerData {
  readonly path: string;
  /** The worker's end of the channel: requests in, replies out, in order, each side's as arrays (one per post). */
  readonly port: MessagePort;
  readonly checkpointEvery: number;
  readonly replies: SharedArrayBuffer;
}
