/**
 * Prometheus metrics (spec/relay.md §9), one Registry per relay so several
 * relays in one process (tests) never share counters. Labels are frame types
 * and error codes only — never an identity, a mailbox id or content.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreStats } from './store/types.js';

export interface RelayMetrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly framesIn: Counter<'type'>;
  readonly framesOut: Counter<'type'>;
  readonly deliveries: Counter;
  readonly refusals: Counter<'code'>;
  readonly latency: Histogram<'type'>;
  /** Defensive events by kind (relay/attack-log.ts): what an operator watches for attacks. */
  readonly defences: Counter<'event'>;
  /** Strike errors (spec/relay.md §6). */
  readonly strikes: Counter;
  /** Closes the relay initiated, by close code. */
  readonly closes: Counter<'code'>;
  /** Hot-path shorthands: label children are resolved once per label value, not hashed per frame. */
  frameIn(type: string): void;
  frameOut(type: string): void;
  refusal(code: string): void;
  observeLatency(type: string, seconds: number): void;
}

/** Caches `metric.labels(value)` per label value (values are frame types and error codes: a small fixed set). */
function childrenOf<C>(labels: (value: string) => C): (value: string) => C {
  const cache = new Map<string, C>();
  return (value) => {
    let c = cache.get(value);
    if (c === undefined) {
      c = labels(value);
      cache.set(value, c);
    }
    return c;
  };
}

/** Sizes of the relay's bounded in-memory tables, for the rate-limit-keys gauge. */
export type TableSizes = () => Readonly<Record<string, number>>;

export function createMetrics(stats: () => Promise<StoreStats>, tables: TableSizes): RelayMetrics {
  const registry = new Registry();
  const registers = [registry];
  // Process metrics (resident memory, heap, CPU, event-loop lag): how an operator sees an attack's cost.
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'parley_relay_rate_limit_keys', help: 'Keys held by each rate-limit table (bounded by maxRateLimitKeys)',
    labelNames: ['table'] as const, registers,
    collect() { for (const [table, n] of Object.entries(tables())) this.labels(table).set(n); },
  });
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
  new Gauge({
    name: 'parley_relay_deliveries_stored', help: 'Deliveries held over all mailboxes (what the relay-wide quota counts)', registers,
    async collect() { this.set((await statsOnce()).deliveries); },
  });
  const framesIn = new Counter({ name: 'parley_relay_frames_in_total', help: 'Frames received, by type', labelNames: ['type'] as const, registers });
  const framesOut = new Counter({ name: 'parley_relay_frames_out_total', help: 'Frames sent, by type', labelNames: ['type'] as const, registers });
  const refusals = new Counter({ name: 'parley_relay_refusals_total', help: 'Error answers, by code', labelNames: ['code'] as const, registers });
  const latency = new Histogram({
    name: 'parley_relay_request_seconds', help: 'Request handling time, by type', labelNames: ['type'] as const, registers,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  });
  const inOf = childrenOf((t) => framesIn.labels(t));
  const outOf = childrenOf((t) => framesOut.labels(t));
  const refusalOf = childrenOf((c) => refusals.labels(c));
  const latencyOf = childrenOf((t) => latency.labels(t));
  return {
    registry,
    defences: new Counter({ name: 'parley_relay_defences_total', help: 'Defensive events (refusals and closes that protect the relay), by kind', labelNames: ['event'] as const, registers }),
    strikes: new Counter({ name: 'parley_relay_strikes_total', help: 'Protocol-violation answers counted as strikes', registers }),
    closes: new Counter({ name: 'parley_relay_closes_total', help: 'Connections the relay closed, by close code', labelNames: ['code'] as const, registers }),
    connections: new Gauge({ name: 'parley_relay_connections', help: 'Open WebSocket connections', registers }),
    framesIn, framesOut, refusals, latency,
    deliveries: new Counter({ name: 'parley_relay_deliveries_total', help: 'Envelopes pushed to recipients (redeliveries included)', registers }),
    frameIn: (t) => inOf(t).inc(),
    frameOut: (t) => outOf(t).inc(),
    refusal: (c) => refusalOf(c).inc(),
    observeLatency: (t, s) => latencyOf(t).observe(s),
  };
}
