/**
 * The relay's shared budgets (spec/relay.md §7.3) behind one interface: per
 * address (cost units), per delivery token of a mailbox, and the bundle
 * budgets. One node keeps them in memory (LocalLimiter); several nodes keep
 * them in Redis (relay/redis-limiter.ts), so that a client connected to every
 * node still has one budget. The per-connection bucket stays with its
 * connection: it is one node's by nature.
 */
import type { RelayLimits } from './config.js';
import { KeyedBuckets } from './rate-limit.js';

export type BudgetTable = 'mailbox' | 'address' | 'bundleToken' | 'bundleMailbox';

export interface BudgetRef {
  readonly table: BudgetTable;
  readonly key: string;
}

/** Refill rate (per second) and burst of each table. */
export type BudgetShapes = Readonly<Record<BudgetTable, { readonly rate: number; readonly burst: number }>>;

export interface Limiter {
  /** Takes `cost` from every named bucket or from none: 0 when taken, else the ms until all could pay. */
  takeAll(refs: readonly BudgetRef[], cost: number, now: number): Promise<number>;
  /** takeAll without a promise, offered only by a limiter whose budgets are in this process (the hot path skips a microtask). */
  takeAllNow?(refs: readonly BudgetRef[], cost: number, now: number): number;
  /** Takes one unit from each named bucket on its own: per bucket, 0 when taken, else the ms to wait. */
  takeEach(refs: readonly BudgetRef[], now: number): Promise<number[]>;
  /** Forgets in-memory buckets that have refilled (Redis expires its own). */
  prune(now: number): void;
  /** Keys held in memory per table, for the rate-limit-keys gauge. */
  sizes(): Readonly<Record<string, number>>;
  close(): Promise<void>;
}

const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86_400;

export function budgetShapes(limits: RelayLimits): BudgetShapes {
  return {
    mailbox: { rate: limits.mailboxRate, burst: limits.mailboxBurst },
    address: { rate: limits.addressRate, burst: limits.addressBurst },
    bundleToken: { rate: limits.bundlesPerTokenPerHour / SECONDS_PER_HOUR, burst: limits.bundlesPerTokenPerHour },
    bundleMailbox: { rate: limits.bundlesPerMailboxPerDay / SECONDS_PER_DAY, burst: limits.bundlesPerMailboxPerDay },
  };
}

/** Budgets in this process's memory, each table bounded by maxRateLimitKeys. */
export class LocalLimiter implements Limiter {
  private readonly tables: Readonly<Record<BudgetTable, KeyedBuckets>>;

  constructor(shapes: BudgetShapes, maxKeys: number) {
    const table = (t: BudgetTable): KeyedBuckets => new KeyedBuckets(shapes[t].rate, shapes[t].burst, maxKeys);
    this.tables = { mailbox: table('mailbox'), address: table('address'), bundleToken: table('bundleToken'), bundleMailbox: table('bundleMailbox') };
  }

  /** Synchronous form of takeAll (the single-node hot path needs no promise). */
  takeAllNow(refs: readonly BudgetRef[], cost: number, now: number): number {
    const buckets = refs.map((r) => this.tables[r.table].bucket(r.key, now));
    const wait = Math.max(0, ...buckets.map((b) => b.wait(now, cost)));
    if (wait === 0) for (const b of buckets) b.take(now, cost);
    return wait;
  }

  async takeAll(refs: readonly BudgetRef[], cost: number, now: number): Promise<number> {
    return this.takeAllNow(refs, cost, now);
  }

  async takeEach(refs: readonly BudgetRef[], now: number): Promise<number[]> {
    return refs.map((r) => this.tables[r.table].take(r.key, now));
  }

  prune(now: number): void {
    for (const t of Object.values(this.tables)) t.prune(now);
  }

  sizes(): Readonly<Record<string, number>> {
    const t = this.tables;
    return { mailbox_token: t.mailbox.size, address: t.address.size, bundle_token: t.bundleToken.size, bundle_mailbox: t.bundleMailbox.size };
  }

  async close(): Promise<void> {}
}
