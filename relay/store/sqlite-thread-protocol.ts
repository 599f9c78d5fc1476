/**
 * The messages between the relay's event loop and its SQLite storage thread
 * (relay/store/sqlite-thread.ts, relay/store/sqlite-worker.ts). Calls and
 * replies travel in batches — one postMessage per event-loop turn on each side
 * — so a pipelined load costs a few messages per group commit, not two per
 * request. Bytes are copied into buffers of their own and transferred, never
 * cloned with the (possibly much larger) buffer they are a view of.
 */
import type { Bytes } from '../../src/crypto/index.js';
import type { RelayErrorCode } from '../errors.js';
import { RelayError } from '../errors.js';

/** The RelayStore methods the thread serves (secret takes its candidate value instead of a function). */
export type ThreadMethod =
  | 'secret' | 'publishPreKeys' | 'preKeyCounts' | 'takeBundle' | 'addToken' | 'revokeToken' | 'hasToken' | 'hasTokens'
  | 'enqueue' | 'pending' | 'ack' | 'sweep' | 'stats' | 'close' | 'latestDeviceList' | 'deviceListsSince' | 'appendDeviceList';

export interface ThreadCall {
  readonly id: number;
  readonly method: ThreadMethod;
  readonly args: readonly unknown[];
}

/** What a failed call carries back: a RelayError's code, or only that the store failed (no message: it may quote input). */
export type ThreadFailure = { readonly code: RelayErrorCode; readonly message: string; readonly retryAfter?: number } | { readonly code?: undefined };

export type ThreadReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: ThreadFailure };

/** Sent once by the thread: the store opened, or why it could not. */
export type ThreadReady = { readonly ready: true } | { readonly ready: false; readonly message: string };

export interface ThreadOptions {
  readonly dir: string;
  readonly sync: 'full' | 'normal';
}

export function encodeFailure(e: unknown): ThreadFailure {
  if (e instanceof RelayError) return { code: e.code, message: e.message.slice(e.code.length + 2), retryAfter: e.retryAfter };
  return {};
}

/** A RelayError as thrown in the thread; any other failure is INTERNAL (relay.md §6: the store rolled it back). */
export function decodeFailure(f: ThreadFailure): RelayError {
  if (f.code === undefined) return new RelayError('INTERNAL', 'storage error');
  return new RelayError(f.code, f.message, f.retryAfter);
}

/**
 * `value` with every Uint8Array in it (inside arrays and plain objects) replaced by a copy in an
 * ArrayBuffer of its own, whose buffers are added to `transfer`. `reuse` keeps a Uint8Array that already
 * owns its whole buffer (the sender will not touch it again); the relay's side never reuses, since
 * its arguments are views of frames it still reads.
 */
export function detach(value: unknown, reuse: boolean, transfer: Set<ArrayBuffer>): unknown {
  const walk = (v: unknown): unknown => {
    if (v instanceof Uint8Array) {
      const owned = reuse && v.byteOffset === 0 && v.buffer instanceof ArrayBuffer && v.byteLength === v.buffer.byteLength;
      const out = owned ? new Uint8Array(v.buffer) : new Uint8Array(v); // a copy (Buffer#slice would be a view)
      transfer.add(out.buffer as ArrayBuffer);
      return out;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}
