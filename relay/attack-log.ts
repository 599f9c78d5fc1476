/**
 * Operators see attacks, not users (spec/relay.md §9): every defensive event
 * (a refusal that protects the relay, a close for abuse, an admission refused)
 * is counted in /metrics and summarised in a warn line at most once per
 * interval per kind, with how many happened since the last line. No line
 * names a mailbox, identity or token; the source address only when the
 * operator opted in (`logAddresses`).
 */
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

/** One warn line per event kind per this interval at most. */
export const ATTACK_LOG_INTERVAL_MS = 10_000;

export type DefenceEvent =
  | 'address-cap' | 'relay-full' | 'idle-close' | 'strike-close' | 'rate-limit-close' | 'rate-limited'
  | 'token-refused' | 'bundle-budget' | 'storage-full' | 'bad-frame';

interface Pending {
  count: number;
  lastLoggedAt: number;
  address: string | undefined;
}

export class AttackLog {
  private readonly pending = new Map<DefenceEvent, Pending>();

  constructor(
    private readonly log: Logger,
    private readonly counter: Counter<'event'>,
    private readonly logAddresses: boolean,
    private readonly now: () => number,
  ) {}

  /** Records one event; logs a summary line when the kind's interval has passed. */
  note(event: DefenceEvent, address?: string): void {
    this.counter.labels(event).inc();
    const now = this.now();
    let p = this.pending.get(event);
    if (p === undefined) {
      p = { count: 0, lastLoggedAt: -Infinity, address: undefined };
      this.pending.set(event, p);
    }
    p.count++;
    if (this.logAddresses && address !== undefined) p.address = address;
    if (now - p.lastLoggedAt < ATTACK_LOG_INTERVAL_MS) return;
    this.log.warn({ event, count: p.count, ...(p.address !== undefined ? { address: p.address } : {}) }, 'defence engaged');
    p.count = 0;
    p.address = undefined;
    p.lastLoggedAt = now;
  }
}
