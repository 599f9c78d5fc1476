/**
 * What every end-to-end workload measures: latency percentiles, CPU per
 * message in each process (the clients' process.cpuUsage, the relay's
 * process_cpu_seconds_total), and failures counted, never thrown.
 */
import type { PeerProcess } from './e2e-child.js';
import { SENT, UNSETTLED, type SendOutcome, type Stats } from './e2e-protocol.js';
import type { BenchRelay } from './e2e-relay.js';
import { percentile } from './forwarder-load.js';

export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export function latencyOf(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN };
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

/** Sends that failed, by how. */
export interface Failures {
  /** Sends the client rejected, by error code. */
  readonly rejected: Readonly<Record<string, number>>;
  /** Sends still pending when the workload gave up on them. */
  readonly unsettled: number;
  /** Sends that settled 'ok' and never reached the receiver within the workload's bound. */
  readonly lost: number;
  /** Trouble events of the clients ('error', 'tampered', …) and unhandled rejections, by kind. */
  readonly trouble: Readonly<Record<string, number>>;
}

const count = (n: number): string => n.toLocaleString('en-US');

export const NO_FAILURES: Failures = { rejected: {}, unsettled: 0, lost: 0, trouble: {} };

function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>, sign = 1): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + sign * v;
  for (const [k, v] of Object.entries(out)) if (v === 0) delete out[k];
  return out;
}

export function addFailures(a: Failures, b: Failures): Failures {
  return { rejected: addCounts(a.rejected, b.rejected), unsettled: a.unsettled + b.unsettled, lost: a.lost + b.lost, trouble: addCounts(a.trouble, b.trouble) };
}

/** Failures of sends whose outcomes are `outcomes`, given which of them (by index) arrived. */
export function failuresOf(outcomes: readonly SendOutcome[], arrived: ReadonlySet<number>): Failures {
  const rejected: Record<string, number> = {};
  let unsettled = 0;
  let lost = 0;
  outcomes.forEach((o, i) => {
    if (o === UNSETTLED) unsettled++;
    else if (o !== SENT) rejected[o] = (rejected[o] ?? 0) + 1;
    else if (!arrived.has(i)) lost++;
  });
  return { rejected, unsettled, lost, trouble: {} };
}

/** "none", or each kind of failure with its count. */
export function failuresText(f: Failures): string {
  const parts: string[] = [];
  const codes = Object.entries(f.rejected);
  const refused = codes.reduce((n, [, v]) => n + v, 0);
  if (refused > 0) parts.push(`${count(refused)} refused (${codes.map(([c, v]) => `${c} ${count(v)}`).join(', ')})`);
  if (f.unsettled > 0) parts.push(`${count(f.unsettled)} unsettled`);
  if (f.lost > 0) parts.push(`${count(f.lost)} lost`);
  for (const [kind, v] of Object.entries(f.trouble)) parts.push(`${count(v)} ${kind} event${v === 1 ? '' : 's'}`);
  return parts.length === 0 ? 'none' : parts.join('; ');
}

export function isClean(f: Failures): boolean {
  return Object.keys(f.rejected).length === 0 && f.unsettled === 0 && f.lost === 0 && Object.keys(f.trouble).length === 0;
}

/** The processes a workload runs on: the relay, the sending client process and the receiving one. */
export interface Rig {
  readonly relay: BenchRelay;
  readonly sender: PeerProcess;
  readonly receiver: PeerProcess;
}

/** CPU milliseconds per message in each process over one measured stretch. */
export interface CpuPerMessage {
  readonly sender: number;
  readonly receiver: number;
  readonly relay: number;
  /** The relay's, less its idle CPU over the stretch (BenchRelay.idleMsPerSecond). */
  readonly relayAboveIdle: number;
}

interface Snapshot {
  readonly sender: Stats;
  readonly receiver: Stats;
  readonly relayMicros: number;
  readonly at: number;
}

/** Samples CPU and trouble counts of the rig's three processes before and after a stretch. */
export class Meter {
  private constructor(private readonly rig: Rig, private readonly start: Snapshot) {}

  static async start(rig: Rig): Promise<Meter> {
    return new Meter(rig, await snapshot(rig));
  }

  /** CPU per message over `messages` since start, and the trouble events counted meanwhile. */
  async end(messages: number): Promise<{ cpu: CpuPerMessage; trouble: Record<string, number> }> {
    const end = await snapshot(this.rig);
    const ms = (a: number, b: number): number => (b - a) / 1000 / Math.max(1, messages);
    const relay = ms(this.start.relayMicros, end.relayMicros);
    const idle = (this.rig.relay.idleMsPerSecond * (end.at - this.start.at)) / 1000 / Math.max(1, messages);
    return {
      cpu: {
        sender: ms(this.start.sender.cpuMicros, end.sender.cpuMicros),
        receiver: ms(this.start.receiver.cpuMicros, end.receiver.cpuMicros),
        relay, relayAboveIdle: relay - idle,
      },
      trouble: addCounts(addCounts(end.sender.trouble, end.receiver.trouble), addCounts(this.start.sender.trouble, this.start.receiver.trouble), -1),
    };
  }
}

async function snapshot(rig: Rig): Promise<Snapshot> {
  const [sender, receiver, relayMicros] = await Promise.all([rig.sender.stats(), rig.receiver.stats(), rig.relay.cpuMicros()]);
  return { sender, receiver, relayMicros, at: performance.now() };
}
