/** The relay as a child process (demo/harness.ts relayCommand) on an ephemeral port, for kill -9 and SIGTERM tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { relayCommand } from '../../demo/harness.js';

export interface RelayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** The loopback /metrics listener (spec/relay.md §9). */
  readonly metricsUrl: string;
  /** The relay's log lines so far (the newest MAX_LOG_LINES), parsed. */
  readonly log: Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const MAX_LOG_LINES = 10_000;

/**
 * Starts the relay CLI. `fileLimit` runs it under `ulimit -n` (a shell sets the limit, then execs node),
 * to test what the relay does near its file-descriptor limit.
 */
export async function spawnRelay(dataDir: string, extra: readonly string[] = [], fileLimit?: number): Promise<RelayProcess> {
  const args = [...relayCommand(), '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--data', dataDir, ...extra];
  const [command, argv] = fileLimit === undefined
    ? [process.execPath, args]
    : ['/bin/sh', ['-c', `ulimit -n ${fileLimit} && exec "$0" "$@"`, process.execPath, ...args]];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const lines = createInterface({ input: child.stdout! });
  const log: Array<Record<string, unknown>> = [];
  lines.on('line', (line) => {
    try {
      log.push(JSON.parse(line) as Record<string, unknown>);
      if (log.length > MAX_LOG_LINES) log.shift();
    } catch { /* not a log line */ }
  });
  const { port, metricsPort } = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') resolve({ port: entry.port, metricsPort: entry.metricsPort ?? 0 });
      } catch { /* not a log line */ }
    });
    void exited.then(() => reject(new Error('relay exited before listening')));
  });
  return { child, url: `ws://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, log, exited };
}

/** Flags lifting the rate limits so a load test measures durability, not throttling. */
export const UNTHROTTLED = [
  '--connection-rate', '1000000', '--connection-burst', '1000000', '--address-rate', '1000000', '--address-burst', '1000000',
  '--mailbox-rate', '1000000', '--mailbox-burst', '1000000',
];
