/**
 * An open-loop schedule, shared by the loads that must not slow down when
 * the system under test does (bench/attack-pair.ts, bench/e2e-sender.ts):
 * item i is started at start + i / rate, whether or not earlier ones were
 * answered, and the schedule reports how far it fell behind at worst.
 */

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Scheduled<T> {
  /** What `start` returned for each item, in order. */
  readonly started: T[];
  /** How far a start fell behind its due time at worst (ms): the caller's own event loop. */
  readonly maxLagMs: number;
}

export async function onSchedule<T>(count: number, rate: number, start: (seq: number) => T): Promise<Scheduled<T>> {
  const started: T[] = [];
  let maxLagMs = 0;
  const t0 = performance.now();
  for (let seq = 0; seq < count; seq++) {
    const due = t0 + (seq * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    started.push(start(seq));
  }
  return { started, maxLagMs };
}
