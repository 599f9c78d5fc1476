/**
 * The messages between the relay's event loop and its SQLite storage thread
 * (relay/store/sqlite-thread.ts, relay/store/sqlite-worker.ts). Calls and
 * replies travel in batches — one postMessage per event-loop turn on each side
 * — so a pipelined load costs a few messages per group commit, not two per
 * request. The relay's bytes are copied into buffers of their own first, never
 * cloned with the (possibly much larger) buffer they are a view of; the
 * thread's replies are fresh buffers from SQLite, cloned as they are.
 */
import type { Bytes } from '../../src/crypto/index.js';
import type { RelayErrorCode } from '../errors.js';
import { RelayError } from '../errors.js';

/** The RelayStore methods the thread serves (secret takes its candidate value instead of a function). */
export type ThreadMethod =
  | 'secret' | 'publishPreKeys' | 'preKeyCounts' | 'takeBundle' | 'addToken' | 'revokeToken' | 'hasToken' | 'hasTokens'
  | 'enqueue' | 'pending' | 'ack' | 'sweep' | 'stats' | 'close' | 'latestDeviceList' | 'deviceListsSince' | 'appendDeviceList'
  | 'openLink' | 'linkInfo' | 'appendLinkMessage' | 'linkMessages' | 'closeLink' | 'sweepLinks';

export interface ThreadCall {
  readonly id: number;
  readonly method: ThreadMethod;
  readonly args: readonly unknown[];
  /** An enqueue whose caller wants its results before the commit: the thread sends a `staged` reply first. */
  readonly staged?: true;
}

/** What a failed call carries back: a RelayError's code, or only that the store failed (no message: it may quote input). */
export type ThreadFailure = { readonly code: RelayErrorCode; readonly message: string; readonly retryAfter?: number } | { readonly code?: undefined };

export type ThreadReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: ThreadFailure }
  /** An enqueue's results before its commit (RelayStore.enqueue's `staged`); its `ok` or failure reply follows. */
  | { readonly id: number; readonly staged: unknown };

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
 * `value` with every Uint8Array in it (inside arrays and plain objects) copied into an ArrayBuffer of
 * its own. postMessage clones a Uint8Array with its whole buffer: the relay's arguments are views of
 * the frames they were decoded from (a socket read holds many), so they are copied to their own bytes
 * first. (Transferring those copies costs more than cloning them at envelope sizes: they are cloned.)
 */
export function detach(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value); // a copy (Buffer#slice would be a view)
  if (Array.isArray(value)) return value.map(detach);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = detach((value as Record<string, unknown>)[key]);
  return out;
}
