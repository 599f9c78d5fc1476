/**
 * Replays (spec/client.md §7.1): the SHA-256 of every processed envelope is
 * kept in `seen/<digest hex>` for REPLAY_WINDOW_MS (the relay's longest TTL),
 * at most REPLAY_DIGESTS_MAX of them, oldest dropped first. An envelope whose
 * digest is there was processed already and is dropped without an event, so a
 * relay replaying an old envelope after its ratchet chain is forgotten causes
 * no `message-lost` and no heal.
 */
import { REPLAY_DIGESTS_MAX, REPLAY_WINDOW_MS } from '../../constants.js';
import { del, put } from '../../store/index.js';
import type { ClientContext } from '../context.js';
import type { InboundEffects } from './effects.js';

/** digest hex → ms first processed, in processing order (a Map keeps insertion order). */
type Seen = Map<string, number>;

const loaded = new WeakMap<ClientContext, Seen>();

/** The digest set, read from the store once per client. Must run in the lane. */
export async function seenDigests(ctx: ClientContext): Promise<Seen> {
  const cached = loaded.get(ctx);
  if (cached !== undefined) return cached;
  const entries = (await ctx.store.list('seen')).map(({ key, value }) => [key, readTime(value)] as const);
  const seen: Seen = new Map(entries.sort((a, b) => a[1] - b[1]));
  loaded.set(ctx, seen);
  return seen;
}

export function isReplay(ctx: ClientContext, seen: Seen, digestHex: string): boolean {
  const at = seen.get(digestHex);
  return at !== undefined && ctx.now() - at < REPLAY_WINDOW_MS;
}

/** Adds the digest to the batch being committed, with the deletions that keep the set within its bounds. */
export function remember(ctx: ClientContext, seen: Seen, digestHex: string, fx: InboundEffects): void {
  const now = ctx.now();
  fx.writes.push(put('seen', digestHex, writeTime(now)));
  const drop: string[] = [];
  let size = seen.size + (seen.has(digestHex) ? 0 : 1);
  for (const [digest, at] of seen) {
    if (size <= REPLAY_DIGESTS_MAX && now - at < REPLAY_WINDOW_MS) break;
    if (digest === digestHex) continue;
    drop.push(digest);
    size--;
  }
  for (const digest of drop) fx.writes.push(del('seen', digest));
  fx.apply.push(() => {
    for (const digest of drop) seen.delete(digest);
    seen.delete(digestHex);
    seen.set(digestHex, now);
  });
}

function writeTime(ms: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, Math.floor(ms))));
  return out;
}

function readTime(value: Uint8Array): number {
  // A damaged value counts as very old: it is the first to go.
  if (value.length !== 8) return 0;
  return Number(new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0));
}
