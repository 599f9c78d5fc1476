/**
 * Relay workloads: the Parley relay (bench/relay-load.ts, written with the
 * relay: SQLite with synchronous=FULL and group commit) beside the bare `ws`
 * forwarder (bench/bare-ws.ts), in the same run and with the same load; then
 * the relay on PostgreSQL, one to three nodes (bench/relay-cluster.ts).
 *
 * `npx tsx bench/relay.ts` runs the relay and the bare forwarder alone (no
 * PostgreSQL) and prints them side by side with the relay's CPU per message;
 * RELAY_LOAD_STORE=thread runs the relay with SQLite in its storage thread
 * (--sqlite-thread on; the default is on the event loop), RELAY_LOAD_CHILD_ARGS
 * adds node flags to the relay process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/relayprof").
 * `npx tsx bench/relay.ts --ab N` compares the two SQLite placements instead:
 * N rounds, each the event loop then the storage thread, one repetition each,
 * medians printed — a before/after under the same (noisy) conditions.
 */
import { pathToFileURL } from 'node:url';
import { runBareWsLoad, type ForwarderLoadOptions, type ForwarderResults } from './bare-ws.js';
import { runClusterBench, type ClusterLoadOptions, type ClusterResult } from './relay-cluster.js';
import { medianOf } from './harness.js';
import { relayCpuPerMessage, runRelayLoad } from './relay-load.js';

/** The bare forwarder is ~15× faster than the durable relay: it gets more messages per repetition so both repetitions last about as long. */
export const BARE_LOAD: ForwarderLoadOptions = { messages: 40_000, pairs: 4, roundTrips: 2_000, idleConnections: 5_000, reps: 3 };
export const RELAY_LOAD: ForwarderLoadOptions = { messages: 10_000, pairs: 4, roundTrips: 1_000, idleConnections: 5_000, reps: 3 };
export const CLUSTER_LOAD: ClusterLoadOptions = { messages: 240, pairs: 6, roundTrips: 50, reps: 3 };

export interface RelayResults {
  readonly bare: ForwarderResults;
  readonly relay: ForwarderResults;
  /** PostgreSQL (+ Redis) rows, or why they could not run (no database or Redis reachable). */
  readonly cluster: readonly ClusterResult[] | string;
}

export async function runRelayBench(log: (line: string) => void): Promise<RelayResults> {
  log('  bare ws forwarder');
  const bare = await runBareWsLoad(BARE_LOAD);
  log('  Parley relay');
  const relay = await runRelayLoad(RELAY_LOAD);
  log('  Parley relay on PostgreSQL, 1–3 nodes');
  const cluster = await runClusterBench(CLUSTER_LOAD, log).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  return { bare, relay, cluster };
}

/** The relay beside the bare forwarder, and the relay's CPU per message (standalone run). */
async function standalone(): Promise<void> {
  const bare = await runBareWsLoad(BARE_LOAD);
  const relay = await runRelayLoad(RELAY_LOAD);
  const cpu100 = medianOf(await relayCpuPerMessage(RELAY_LOAD, 100)).median;
  const cpu1k = medianOf(await relayCpuPerMessage(RELAY_LOAD, 1024)).median;
  const f = (n: number): string => n.toFixed(n < 10 ? 2 : 0);
  const row = (name: string, r: number, b: number, unit = ''): string => `  ${name.padEnd(28)} ${f(r)}${unit}  bare ${f(b)}${unit}  ${(r / b).toFixed(2)}x`;
  process.stdout.write([
    `relay (SQLite ${process.env.RELAY_LOAD_STORE === 'thread' ? 'in its storage thread' : 'on the event loop'}, synchronous=FULL) beside the bare ws forwarder, median of ${RELAY_LOAD.reps}`,
    row('pipelined 100 B msgs/s', relay.throughput100.median, bare.throughput100.median),
    row('pipelined 1 KiB msgs/s', relay.throughput1k.median, bare.throughput1k.median),
    row('round trip p50', relay.latencyP50.median, bare.latencyP50.median, ' ms'),
    row('round trip p99', relay.latencyP99.median, bare.latencyP99.median, ' ms'),
    row('RSS per idle connection', relay.rssPerConnection.median / 1000, bare.rssPerConnection.median / 1000, ' KB'),
    `  relay CPU per message (all threads): ${f(cpu100)} µs at 100 B, ${f(cpu1k)} µs at 1 KiB`,
  ].join('\n') + '\n');
}

/** SQLite on the event loop vs in its storage thread, alternating `rounds` times. */
async function storagePlacements(rounds: number): Promise<void> {
  const load = { ...RELAY_LOAD, idleConnections: 200, reps: 1 };
  const rows = new Map<string, number[][]>([['event loop', []], ['thread', []]]);
  for (let i = 0; i < rounds; i++) {
    for (const [name, runs] of rows) {
      process.env.RELAY_LOAD_STORE = name === 'thread' ? 'thread' : 'loop'; // read by the relay process at its start
      const r = await runRelayLoad(load);
      const [cpu] = await relayCpuPerMessage(load, 100);
      runs.push([r.throughput100.median, r.throughput1k.median, r.latencyP50.median, r.latencyP99.median, cpu ?? NaN]);
    }
  }
  const f = (n: number): string => n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0);
  process.stdout.write(`SQLite placement, median of ${rounds} alternating rounds: pipelined 100 B msgs/s, 1 KiB msgs/s, round trip p50 ms, p99 ms, relay CPU µs/msg (100 B)\n`);
  for (const [name, runs] of rows) {
    const medians = [0, 1, 2, 3, 4].map((k) => medianOf(runs.map((run) => run[k] as number)).median);
    process.stdout.write(`  ${name.padEnd(11)} ${medians.map(f).join('  ')}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const ab = process.argv.indexOf('--ab');
  if (ab >= 0) await storagePlacements(Number(process.argv[ab + 1] ?? 4));
  else await standalone();
}
