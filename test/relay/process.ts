/** The relay as a child process (`tsx relay/cli.ts`) on an ephemeral port, for kill -9 and SIGTERM tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface RelayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const CLI = new URL('../../relay/cli.ts', import.meta.url).pathname;

export async function spawnRelay(dataDir: string, extra: readonly string[] = []): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--host', '127.0.0.1', '--port', '0', '--data', dataDir, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') resolve(entry.port);
      } catch { /* not a log line */ }
    });
    void exited.then(() => reject(new Error('relay exited before listening')));
  });
  return { child, url: `ws://127.0.0.1:${port}`, exited };
}

/** Flags lifting the rate limits so a load test measures durability, not throttling. */
export const UNTHROTTLED = [
  '--connection-rate', '1000000', '--connection-burst', '1000000', '--mailbox-rate', '1000000', '--mailbox-burst', '1000000',
];
