/**
 * The load procedure shared by the bare ws forwarder (bare-ws.ts) and the
 * relay (relay-load.ts), so both are measured the same way: RSS per idle
 * connection on a fresh server, then a warm-up, then `reps` rounds of
 * pipelined throughput at 100 B and 1 KiB and unpipelined round trips.
 */
import { medianOf, summarize, type Rate } from './harness.js';

export interface ForwarderResults {
  readonly throughput100: Rate;
  readonly throughput1k: Rate;
  /** Round-trip latency in milliseconds (A → B, B answers → A), unpipelined. */
  readonly latencyP50: Rate;
  readonly latencyP99: Rate;
  /** Server RSS growth per idle connection, in bytes. */
  readonly rssPerConnection: Rate;
}

export interface ForwarderLoadOptions {
  readonly messages: number;
  readonly pairs: number;
  readonly roundTrips: number;
  readonly idleConnections: number;
  readonly reps: number;
}

/** What a forwarder under test offers the procedure. */
export interface ForwarderDriver<S extends { readonly port: number }> {
  startServer(): Promise<S>;
  stopServer(server: S): Promise<void> | void;
  idleRss(server: S, connections: number): Promise<number>;
  /** Messages per second for `messages` messages of `size` bytes over `pairs` sender→receiver pairs. */
  pipelined(port: number, pairs: number, messages: number, size: number): Promise<number>;
  roundTrips(port: number, count: number): Promise<{ p50: number; p99: number }>;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function runForwarderLoad<S extends { readonly port: number }>(
  driver: ForwarderDriver<S>, options: ForwarderLoadOptions,
): Promise<ForwarderResults> {
  // RSS first, on a fresh server process: after a throughput run the heap has grown and RSS hides new allocations.
  const fresh = await driver.startServer();
  let rss: number;
  try {
    rss = await driver.idleRss(fresh, options.idleConnections);
  } finally {
    await driver.stopServer(fresh);
  }
  const server = await driver.startServer();
  try {
    await driver.pipelined(server.port, options.pairs, options.messages / 4, 100); // warm-up
    const t100: number[] = [];
    const t1k: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    for (let i = 0; i < options.reps; i++) {
      t100.push(await driver.pipelined(server.port, options.pairs, options.messages, 100));
      t1k.push(await driver.pipelined(server.port, options.pairs, options.messages, 1024));
      const rt = await driver.roundTrips(server.port, options.roundTrips);
      p50.push(rt.p50);
      p99.push(rt.p99);
    }
    return {
      throughput100: summarize(t100, options.messages),
      throughput1k: summarize(t1k, options.messages),
      latencyP50: medianOf(p50),
      latencyP99: medianOf(p99),
      rssPerConnection: medianOf([rss]),
    };
  } finally {
    await driver.stopServer(server);
  }
}
