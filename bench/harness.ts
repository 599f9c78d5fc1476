/**
 * Measurement: every figure is the median of several timed repetitions after
 * an untimed warm-up, reported with its min and max. A repetition is prepared
 * (sessions built, keys generated) outside the timed region, then run once.
 */

export interface Rate {
  /** Operations per second: median, min and max over the repetitions. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Operations per repetition (the workload size actually run). */
  readonly ops: number;
  readonly reps: number;
}

/** Prepares one repetition and returns the function to time; that function returns the number of operations done. */
export type Prepare = () => Promise<() => Promise<number> | number>;

export interface MeasureOptions {
  readonly warmups?: number;
  readonly reps?: number;
}

export async function measure(prepare: Prepare, options: MeasureOptions = {}): Promise<Rate> {
  const warmups = options.warmups ?? 1;
  const reps = options.reps ?? 5;
  for (let i = 0; i < warmups; i++) await (await prepare())();
  const rates: number[] = [];
  let ops = 0;
  for (let i = 0; i < reps; i++) {
    const run = await prepare();
    const start = process.hrtime.bigint();
    ops = await run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(ops / seconds);
  }
  return summarize(rates, ops);
}

/**
 * Measures several implementations of one workload with their repetitions
 * interleaved (A, B, C, A, B, C, …), so that a change in machine load during
 * the run affects all of them alike and the ratios stay fair.
 */
export async function measureInterleaved<K>(prepares: ReadonlyMap<K, Prepare>, options: MeasureOptions = {}): Promise<Map<K, Rate>> {
  const warmups = options.warmups ?? 1;
  const reps = options.reps ?? 5;
  for (const prepare of prepares.values()) for (let i = 0; i < warmups; i++) await (await prepare())();
  const rates = new Map<K, number[]>([...prepares.keys()].map((k) => [k, []]));
  const ops = new Map<K, number>();
  for (let i = 0; i < reps; i++) {
    for (const [k, prepare] of prepares) {
      const run = await prepare();
      const start = process.hrtime.bigint();
      const n = await run();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      rates.get(k)?.push(n / seconds);
      ops.set(k, n);
    }
  }
  return new Map([...rates].map(([k, r]) => [k, summarize(r, ops.get(k) ?? 0)]));
}

export function summarize(values: number[], ops: number): Rate {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, ops, reps: values.length };
}

/** Medians of a list of samples (for latencies and memory), with min and max. */
export function medianOf(values: number[]): Rate {
  return summarize(values, values.length);
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function formatRate(r: Rate): string {
  return `${formatNumber(r.median)} (${formatNumber(r.min)}–${formatNumber(r.max)})`;
}

/**
 * Runs one part of a bench section, logging its wall time; a throw is logged and becomes `failed(message)`, so
 * one part that cannot run leaves a marked cell instead of ending the section.
 */
export async function attempt<T, F>(log: (line: string) => void, what: string, f: () => Promise<T>, failed: (message: string) => F): Promise<T | F> {
  const started = performance.now();
  try {
    return await f();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log(`    ${what} failed: ${message}`);
    return failed(message);
  } finally {
    log(`    ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
