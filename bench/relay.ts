/**
 * Relay workloads: the Parley relay (bench/relay-load.ts, written with the
 * relay) beside the bare `ws` forwarder (bench/bare-ws.ts), in the same run.
 */
import { existsSync } from 'node:fs';
import { runBareWsLoad, type ForwarderLoadOptions, type ForwarderResults } from './bare-ws.js';

export const RELAY_LOAD: ForwarderLoadOptions = { messages: 40_000, pairs: 4, roundTrips: 2_000, idleConnections: 5_000, reps: 3 };

export interface RelayResults {
  readonly bare: ForwarderResults;
  readonly relay?: ForwarderResults;
  readonly relayMissing?: string;
  readonly relayNote?: string;
}

export async function runRelayBench(): Promise<RelayResults> {
  const bare = await runBareWsLoad(RELAY_LOAD);
  const relayLoad = new URL('./relay-load.ts', import.meta.url);
  if (!existsSync(relayLoad)) return { bare, relayMissing: 'bench/relay-load.ts (the relay) is not yet available' };
  return { bare, relayMissing: 'bench/relay-load.ts exists but is not wired in yet' };
}
