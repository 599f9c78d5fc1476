/**
 * Open-loop load of the end-to-end bench: the sender offers a fixed rate and
 * never waits for a send to settle (bench/e2e-sender.ts), so an overloaded
 * client, relay or receiver shows as latency, refusals, unsettled sends and
 * lost messages rather than as a slower sender. Then the saturation rate: the
 * highest offered rate whose p99 stays under SATURATION_P99_MS with nothing
 * lost, found by a short search above the fixed rates.
 *
 * A run that left anything behind (refused, unsettled or lost sends, a
 * backlog) spoils its pair for the next run: the next one gets a fresh pair.
 */
import { addFailures, failuresOf, isClean, latencyOf, Meter, type Failures, type Latency, type Rig } from './e2e-measure.js';
import { closePair, openPair, type Pair } from './e2e-pair.js';
import { SENT, UNSETTLED, type Arrivals, type OpenLoopTally, type StoreKind } from './e2e-protocol.js';

export const SATURATION_P99_MS = 100;
/** Above the fixed rates, the search doubles the rate at most this many times… */
export const MAX_DOUBLINGS = 3;
/** …then halves the interval between the last passing and the first failing rate this many times. */
export const BISECTIONS = 2;
/** Messages each fresh pair sends before it is measured (session, JIT, connections warm). */
export const PAIR_WARM_UP = 10;
/** Bound on the parent's wait beyond a run's own duration and drain. */
const CALL_SLACK_MS = 30_000;

export interface LoadRun {
  readonly rate: number;
  readonly offered: number;
  readonly durationMs: number;
  readonly delivered: number;
  readonly latency: Latency;
  readonly failures: Failures;
  /** How far the sender's sends fell behind their schedule at worst (ms). */
  readonly maxLagMs: number;
}

export interface LoadOptions {
  /** A run lasts this long, or long enough for `minMessages`, whichever is longer. */
  readonly durationMs: number;
  readonly minMessages: number;
  /** After the last send, how long sends may take to settle and messages to arrive before they count as unsettled or lost. */
  readonly drainMs: number;
}

export function passes(run: LoadRun): boolean {
  return isClean(run.failures) && run.delivered === run.offered && run.latency.p99 < SATURATION_P99_MS;
}

export class LoadRunner {
  #pair: Pair | undefined;
  #spoiled = false;
  #pairs = 0;
  #runs = 0;

  constructor(private readonly rig: Rig, private readonly name: string, private readonly store: StoreKind, private readonly options: LoadOptions) {}

  /** `rate` msgs/s offered for the run's duration, on a clean pair. */
  async run(rate: number): Promise<LoadRun> {
    const pair = await this.#cleanPair();
    const { drainMs } = this.options;
    const durationMs = Math.max(this.options.durationMs, Math.ceil((this.options.minMessages * 1000) / rate));
    const tag = `${pair.sender}-r${this.#runs++}`;
    const meter = await Meter.start(this.rig);
    const tally = await this.rig.sender.call<OpenLoopTally>(
      { op: 'open-loop', name: pair.sender, to: pair.to, tag, rate, durationMs, drainMs }, durationMs + drainMs + CALL_SLACK_MS,
    );
    const awaited = tally.outcomes.filter((o) => o === SENT || o === UNSETTLED).length;
    const arrivals = await this.rig.receiver.call<Arrivals>(
      { op: 'collect', tag, count: awaited, members: 1, until: tally.endedAt + drainMs }, drainMs + CALL_SLACK_MS,
    );
    const { trouble } = await meter.end(tally.outcomes.length);
    const failures = addFailures(failuresOf(tally.outcomes, new Set(arrivals.seqs)), { rejected: {}, unsettled: 0, lost: 0, trouble });
    const run: LoadRun = {
      rate, offered: tally.outcomes.length, durationMs, delivered: arrivals.seqs.length,
      latency: latencyOf(arrivals.latencies), failures, maxLagMs: tally.maxLagMs,
    };
    this.#spoiled = !isClean(failures) || run.delivered < run.offered;
    return run;
  }

  async close(): Promise<void> {
    if (this.#pair !== undefined) await closePair(this.rig, this.#pair);
    this.#pair = undefined;
  }

  async #cleanPair(): Promise<Pair> {
    if (this.#pair !== undefined && !this.#spoiled) return this.#pair;
    await this.close();
    this.#pair = await openPair(this.rig, `${this.name}-load${this.#pairs++}`, this.store, PAIR_WARM_UP);
    this.#spoiled = false;
    return this.#pair;
  }
}

export interface Saturation {
  /** The highest rate that passed; undefined when even the lowest fixed rate failed. */
  readonly rate: number | undefined;
  /** The lowest rate that failed; undefined when the search stopped passing (at its cap). */
  readonly failedAt: number | undefined;
  /** The search's own runs, beyond the fixed rates. */
  readonly probes: readonly LoadRun[];
}

/**
 * From the fixed-rate runs (ascending): the highest that passed, and the lowest failing rate above it;
 * doubles from the highest rate while runs pass, then bisects between the last pass and the first failure.
 */
export async function searchSaturation(runner: LoadRunner, fixed: readonly LoadRun[]): Promise<Saturation> {
  let lo: number | undefined = [...fixed].reverse().find(passes)?.rate;
  let hi: number | undefined = fixed.find((run) => !passes(run) && (lo === undefined || run.rate > lo))?.rate;
  const probes: LoadRun[] = [];
  const probe = async (rate: number): Promise<void> => {
    const run = await runner.run(rate);
    probes.push(run);
    if (passes(run)) lo = rate;
    else hi = rate;
  };
  for (let i = 0; hi === undefined && lo !== undefined && i < MAX_DOUBLINGS; i++) await probe(lo * 2);
  for (let i = 0; lo !== undefined && hi !== undefined && i < BISECTIONS; i++) {
    const mid = Math.round((lo + hi) / 20) * 10;
    if (mid <= lo || mid >= hi) break;
    await probe(mid);
  }
  return { rate: lo, failedAt: hi, probes };
}
