/**
 * Reconnection delays: exponential backoff with full jitter (delay drawn
 * uniformly from [0, min(max, base·2^attempt)]), so that clients cut off
 * together do not return together.
 */
import type { RandomSource } from '../../crypto/index.js';

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 30_000 };

export function backoffDelay(attempt: number, random: RandomSource, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const r = random(4);
  const unit = (((r[0] as number) << 24) >>> 0) + ((r[1] as number) << 16) + ((r[2] as number) << 8) + (r[3] as number);
  return Math.floor((unit / 2 ** 32) * cap);
}
