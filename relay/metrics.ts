/**
 * Prometheus metrics (spec/relay.md §9), one Registry per relay so several
 * relays in one process (tests) never share counters. Labels are frame types
 * and error codes only — never an identity, a mailbox id or content.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreStats } from './store/types.js';

export interface RelayMetrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly framesIn: Counter<'type'>;
  readonly framesOut: Counter<'type'>;
  readonly deliveries: Counter;
  readonly refusals: Counter<'code'>;
  readonly latency: Histogram<'type'>;
}

export function createMetrics(stats: () => Promise<StoreStats>): RelayMetrics {
  const registry = new Registry();
  const registers = [registry];
  let cached: Promise<StoreStats> | undefined;
  const statsOnce = (): Promise<StoreStats> => {
    cached ??= stats().finally(() => setImmediate(() => { cached = undefined; }));
    return cached;
  };
  new Gauge({
    name: 'parley_relay_envelopes_stored', help: 'Envelopes held (a fanout counts once)', registers,
    async collect() { this.set((await statsOnce()).envelopes); },
  });
  new Gauge({
    name: 'parley_relay_bytes_stored', help: 'Bytes of envelopes held', registers,
    async collect() { this.set((await statsOnce()).bytes); },
  });
  return {
    registry,
    connections: new Gauge({ name: 'parley_relay_connections', help: 'Open WebSocket connections', registers }),
    framesIn: new Counter({ name: 'parley_relay_frames_in_total', help: 'Frames received, by type', labelNames: ['type'], registers }),
    framesOut: new Counter({ name: 'parley_relay_frames_out_total', help: 'Frames sent, by type', labelNames: ['type'], registers }),
    deliveries: new Counter({ name: 'parley_relay_deliveries_total', help: 'Envelopes pushed to recipients (redeliveries included)', registers }),
    refusals: new Counter({ name: 'parley_relay_refusals_total', help: 'Error answers, by code', labelNames: ['code'], registers }),
    latency: new Histogram({
      name: 'parley_relay_request_seconds', help: 'Request handling time, by type', labelNames: ['type'], registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    }),
  };
}
