/**
 * The relay of the end-to-end bench: the CLI as its own process
 * (demo/harness.ts startRelayProcess), durable SQLite in a temp dir, its
 * /metrics listener on a free loopback port, and every rate limit raised so
 * that the bench measures cost, not throttling. The per-connection limits
 * (requests in flight, unacknowledged deliveries) keep their defaults: what
 * they do to a client under load is part of what is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRelayProcess, type RelayProcess } from '../demo/harness.js';

const UNLIMITED = '1000000';

/** The flags the bench adds to the relay's defaults (the table notes quote them). */
export const RELAY_FLAGS: readonly string[] = [
  '--mailbox-rate', UNLIMITED, '--mailbox-burst', UNLIMITED,
  '--connection-rate', UNLIMITED, '--connection-burst', UNLIMITED,
  '--address-rate', UNLIMITED, '--address-burst', UNLIMITED,
  '--mailbox-max-envelopes', UNLIMITED,
];

/** Extra node flags for the relay process, e.g. PARLEY_E2E_RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
const NODE_ARGS = (process.env['PARLEY_E2E_RELAY_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');

/** How long the relay's idle CPU is measured, before any client connects. */
const IDLE_MS = 3_000;

/** A relay process's CPU time so far (prom-client's process_cpu_seconds_total), microseconds. */
async function cpuMicrosAt(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const value = Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  if (!Number.isFinite(value)) throw new Error('the relay /metrics has no process_cpu_seconds_total');
  return value * 1e6;
}

export class BenchRelay {
  private constructor(
    private readonly relay: RelayProcess, private readonly metricsUrl: string, private readonly dir: string,
    /** The relay's CPU with no client connected, ms per second: a share of every per-message figure. */
    readonly idleMsPerSecond: number,
  ) {}

  /** Starts the relay, then measures its idle CPU. */
  static async start(): Promise<BenchRelay> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-e2e-relay-'));
    const metricsPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    let relay: RelayProcess | undefined;
    try {
      relay = await startRelayProcess(dir, undefined, ['--metrics-port', String(metricsPort), ...RELAY_FLAGS], NODE_ARGS);
      const before = await cpuMicrosAt(metricsUrl);
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      const idle = (await cpuMicrosAt(metricsUrl) - before) / (performance.now() - started);
      return new BenchRelay(relay, metricsUrl, dir, idle);
    } catch (e) {
      await relay?.stop();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get url(): string {
    return this.relay.url;
  }

  cpuMicros(): Promise<number> {
    return cpuMicrosAt(this.metricsUrl);
  }

  async stop(): Promise<void> {
    await this.relay.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
