/**
 * Relay workloads: the Parley relay (bench/relay-load.ts, written with the
 * relay: SQLite with synchronous=FULL and group commit) beside the bare `ws`
 * forwarder (bench/bare-ws.ts), in the same run and with the same load; then
 * the relay on PostgreSQL, one to three nodes (bench/relay-cluster.ts).
 */
import { runBareWsLoad, type ForwarderLoadOptions, type ForwarderResults } from './bare-ws.js';
import { runClusterBench, type ClusterLoadOptions, type ClusterResult } from './relay-cluster.js';
import { runRelayLoad } from './relay-load.js';

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
