/**
 * Token buckets (spec/relay.md §7): `rate` tokens per second up to `burst`.
 * A bucket never allocates per request; a keyed set of buckets forgets full
 * (idle) buckets on prune(), so its size tracks active mailboxes only.
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

  /** Takes `n` tokens: 0 if granted, else the milliseconds until they would be available (nothing taken). */
  take(now: number, n = 1): number {
    this.refill(now);
    if (this.tokens >= n) {
      this.tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil(((n - this.tokens) / this.rate) * 1000));
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rate: number, private readonly burst: number) {}

  take(key: string, now: number, n = 1): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, b);
    }
    return b.take(now, n);
  }

  /** Drops buckets that have refilled completely (equivalent to a fresh one). */
  prune(now: number): void {
    for (const [key, b] of this.buckets) if (b.isFull(now)) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}
