/**
 * `npm start` and `npm run web` as an operator or a developer uses them:
 * SIGTERM (a service manager, `kill`) or SIGINT (Ctrl-C) sent to the npm
 * process reaches what it started, which drains and closes; nothing keeps
 * serving after npm has exited (the scripts exec node, so no shell or tsx
 * parent sits between npm and the server).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../scenario/helpers.js';

const root = new URL('../..', import.meta.url).pathname;

/** The processes npm started (its children), found through /proc by pgrep. */
function childrenOf(pid: number): number[] {
  return spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== '').map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `npm <args>` until a stdout line matches `ready`; returns the match, the lines, the exit to come, and
 * the end of stdout (npm's exit can come before its last lines were read).
 */
async function npm(args: readonly string[], ready: RegExp): Promise<{
  child: ChildProcess; match: RegExpMatchArray; lines: string[]; exited: Promise<[number | null, NodeJS.Signals | null]>; read: Promise<void>;
}> {
  const child = spawn('npm', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines: string[] = [];
  const output = createInterface({ input: child.stdout! });
  const read = once(output, 'close').then(() => undefined);
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    output.on('line', (line) => {
      lines.push(line);
      const m = line.match(ready);
      if (m !== null) resolve(m);
    });
    void exited.then(() => reject(new Error(`npm ${args.join(' ')} exited before it was ready`)));
  });
  return { child, match, lines, exited, read };
}

/** Sends `signal` to npm and expects a clean exit with nothing it started left running. */
async function stopWith(child: ChildProcess, exited: Promise<[number | null, NodeJS.Signals | null]>, signal: NodeJS.Signals): Promise<void> {
  const started = childrenOf(child.pid!);
  expect(started.length).toBeGreaterThan(0);
  child.kill(signal);
  const [code] = await exited;
  expect(code).toBe(0);
  expect(started.filter(alive)).toEqual([]);
}

/** After a failed test: nothing it started keeps running. */
function killAll(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of childrenOf(child.pid!)) process.kill(pid, 'SIGKILL');
  child.kill('SIGKILL');
}

describe('npm start', () => {
  it.concurrent.each(['SIGTERM', 'SIGINT'] as const)('%s to the npm process drains and closes the relay, and leaves no process behind', async (signal) => {
    const { child, lines, exited, read } = await npm(['start', '--', '--port', '0', '--metrics-port', 'off', '--memory'], /"msg":"listening"/);
    try {
      await stopWith(child, exited, signal);
      await read;
      expect(lines.some((l) => l.includes('"msg":"closed"'))).toBe(true);
    } finally {
      killAll(child);
    }
  });
});

describe('npm run web', () => {
  it('serves the chat page pointing at its own relay; SIGTERM stops both', async () => {
    const tmp = tempDir('parley-web-run-');
    try {
      const { child, match, exited } = await npm(['run', 'web', '--', '--port', '0', '--relay-port', '0', '--data', tmp.dir], /web chat: (http:\S+) \(relay (ws:\S+)\)/);
      const [, page, relay] = match as unknown as [string, string, string];
      try {
        const html = await (await fetch(page)).text();
        expect(html).toContain(`<meta name="parley-relay" content="${relay}">`);
        expect((await fetch(`${page}app.js`)).headers.get('content-type')).toBe('text/javascript');
        expect((await fetch(`${relay.replace('ws:', 'http:')}/healthz`)).status).toBe(200);
        await stopWith(child, exited, 'SIGTERM');
      } finally {
        killAll(child);
      }
    } finally {
      tmp.remove();
    }
  });
});
