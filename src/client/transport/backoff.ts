/**
 * Reconnection delays: exponential backoff with full jitter (delay drawn
 * uniformly from [0, min(max, base·2^attempt)]), so that clients cut off
 * together do not return together.
 *
 * The cap is 5 s, not 30 s: a client waits on average half the cap after the
 * relay is back (with 30 s, users waited 22–26 s after a 2 s restart), while
 * spreading a relay's whole population over 5 s still keeps a restart's
 * reconnections well under what one node admits (relay.md §7.3 bounds each
 * address anyway). A network change reported by the platform skips the wait
 * (relay-connection.ts reconnectNow).
 */
import type { RandomSource } from '../../crypto/index.js';

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 5_000 };

export function backoffDelay(attempt: number, random: RandomSource, options: BackoffOptions = DEFAULT_BACKOFF): number {
  return uniformDelay(Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30)), random);
}

/** A delay drawn uniformly from [0, maxMs). */
export function uniformDelay(maxMs: number, random: RandomSource): number {
  const r = random(4);
  const unit = (((r[0] as number) << 24) >>> 0) + ((r[1] as number) << 16) + ((r[2] as number) << 8) + (r[3] as number);
  return Math.floor((unit / 2 ** 32) * maxMs);
}
