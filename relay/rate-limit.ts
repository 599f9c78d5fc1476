/**
 * Token buckets (spec/relay.md §7): `rate` tokens per second up to `burst`.
 * A bucket never allocates per request. A keyed table of buckets is bounded:
 * it forgets refilled buckets (equivalent to fresh ones) on prune(), and when
 * it would grow past `maxKeys` it forgets refilled buckets first and then the
 * oldest, so its memory never grows with what an attacker sends (§7.3).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly rate: number, private readonly burst: number, now: number) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
    }
  }

  /** Milliseconds until `n` tokens are available (0: now); takes nothing. */
  wait(now: number, n = 1): number {
    this.refill(now);
    if (this.tokens >= n) return 0;
    return Math.max(1, Math.ceil(((n - this.tokens) / this.rate) * 1000));
  }

  /** Takes `n` tokens: 0 if granted, else the milliseconds until they would be available (nothing taken). */
  take(now: number, n = 1): number {
    const wait = this.wait(now, n);
    if (wait === 0) this.tokens -= n;
    return wait;
  }

  /** Gives back `n` tokens taken for a request that another budget then refused (never above burst). */
  refund(n: number): void {
    this.tokens = Math.min(this.burst, this.tokens + n);
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/** Share of a full table forgotten at once when pruning refilled buckets frees nothing (amortises the scan). */
const EVICT_FRACTION = 100;

export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rate: number, private readonly burst: number, private readonly maxKeys: number) {}

  /** The bucket for `key`, created full (and the table kept within maxKeys) when absent. */
  bucket(key: string, now: number): TokenBucket {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.makeRoom(now);
      b = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, b);
    }
    return b;
  }

  take(key: string, now: number, n = 1): number {
    return this.bucket(key, now).take(now, n);
  }

  /** Drops buckets that have refilled completely (equivalent to a fresh one). */
  prune(now: number): void {
    for (const [key, b] of this.buckets) if (b.isFull(now)) this.buckets.delete(key);
  }

  private makeRoom(now: number): void {
    this.prune(now);
    if (this.buckets.size < this.maxKeys) return;
    let evict = Math.max(1, Math.ceil(this.maxKeys / EVICT_FRACTION));
    for (const key of this.buckets.keys()) {
      this.buckets.delete(key);
      if (--evict === 0) break;
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
