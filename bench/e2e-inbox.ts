/**
 * The arrival log of one client process of the end-to-end bench: every
 * stamped message any of its clients receives, by tag and sequence number,
 * with the time it arrived. A message is complete when `members` clients of
 * the process have it (1 for a 1:1 message, every member for a group); its
 * latency runs from the send stamp to the last of those arrivals.
 */
import { readStamp, wallClock, type Arrivals } from './e2e-protocol.js';

interface Arrival {
  readonly sentAt: number;
  count: number;
  lastAt: number;
}

interface Waiter {
  readonly done: () => boolean;
  readonly wake: () => void;
}

export class Inbox {
  readonly #tags = new Map<string, Map<number, Arrival>>();
  #waiters: Waiter[] = [];

  /** Records a message event's text (anything not stamped is ignored). */
  record(text: string): void {
    const stamp = readStamp(text);
    if (stamp === undefined) return;
    const at = wallClock();
    let seqs = this.#tags.get(stamp.tag);
    if (seqs === undefined) this.#tags.set(stamp.tag, (seqs = new Map()));
    const arrival = seqs.get(stamp.seq);
    if (arrival === undefined) seqs.set(stamp.seq, { sentAt: stamp.sentAt, count: 1, lastAt: at });
    else {
      arrival.count++;
      arrival.lastAt = at;
    }
    this.#wake();
  }

  /** How many messages of `tag` have reached `members` clients. */
  complete(tag: string, members: number): number {
    let n = 0;
    for (const a of this.#tags.get(tag)?.values() ?? []) if (a.count >= members) n++;
    return n;
  }

  /** The latency of (tag, seq) once `members` clients have it; undefined after `timeoutMs`. */
  async expect(tag: string, seq: number, members: number, timeoutMs: number): Promise<number | undefined> {
    const arrival = (): Arrival | undefined => {
      const a = this.#tags.get(tag)?.get(seq);
      return a !== undefined && a.count >= members ? a : undefined;
    };
    await this.until(() => arrival() !== undefined, wallClock() + timeoutMs);
    const a = arrival();
    return a === undefined ? undefined : a.lastAt - a.sentAt;
  }

  /** Waits until `count` messages of `tag` are complete or the wall clock passes `deadline`, then reports and forgets the tag. */
  async collect(tag: string, count: number, members: number, deadline: number): Promise<Arrivals> {
    await this.until(() => this.complete(tag, members) >= count, deadline);
    const seqs: number[] = [];
    const latencies: number[] = [];
    for (const [seq, a] of this.#tags.get(tag) ?? []) {
      if (a.count < members) continue;
      seqs.push(seq);
      latencies.push(a.lastAt - a.sentAt);
    }
    this.#tags.delete(tag);
    return { seqs, latencies };
  }

  /** Resolves when `done()` holds (checked on every arrival) or at the wall-clock `deadline`. */
  until(done: () => boolean, deadline: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, Math.max(0, deadline - wallClock()));
      const waiter: Waiter = { done, wake: finish };
      this.#waiters.push(waiter);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
    }).then(() => {
      this.#waiters = this.#waiters.filter((w) => w.done !== done);
    });
  }

  #wake(): void {
    for (const w of this.#waiters) if (w.done()) w.wake();
  }
}
