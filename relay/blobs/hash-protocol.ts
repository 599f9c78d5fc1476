/** Messages between the relay's event loop and its blob hashing thread (hash-worker.ts). */
import type { Bytes } from '../../src/crypto/index.js';

export type HashCall =
  | { readonly op: 'start'; readonly id: string }
  /** `bytes` (its first `length` bytes) is transferred: a pooled copy of the piece, never the buffer it arrived in. */
  | { readonly op: 'update'; readonly id: string; readonly bytes: ArrayBuffer; readonly length: number }
  | { readonly op: 'digest'; readonly id: string; readonly req: number }
  | { readonly op: 'drop'; readonly id: string };

/** `digest` is null when the thread holds no hash for the upload (it never started, or was dropped). */
export interface HashDigest {
  readonly req: number;
  readonly digest: Bytes | null;
}

/**
 * One per batch: the digests asked for, how many update bytes the batch hashed (for backpressure), and
 * the updates' buffers, transferred back so the event loop reuses them instead of allocating a copy per piece.
 */
export interface HashReply {
  readonly digests: readonly HashDigest[];
  readonly hashed: number;
  readonly buffers: readonly ArrayBuffer[];
}
