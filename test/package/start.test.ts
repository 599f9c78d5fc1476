/**
 * `npm start` as an operator uses it: SIGTERM (a service manager, `kill`) or
 * SIGINT (Ctrl-C) sent to the npm process reaches the relay, which drains and
 * closes; nothing keeps serving after npm has exited (the script execs node, so
 * no shell or tsx parent sits between npm and the relay).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

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

describe('npm start', () => {
  it.concurrent.each(['SIGTERM', 'SIGINT'] as const)('%s to the npm process drains and closes the relay, and leaves no process behind', async (signal) => {
    const npm = spawn('npm', ['start', '--', '--port', '0', '--metrics-port', 'off', '--memory'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(npm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const log: Array<{ msg?: string }> = [];
    const listening = new Promise<void>((resolve, reject) => {
      createInterface({ input: npm.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string };
          log.push(entry);
          if (entry.msg === 'listening') resolve();
        } catch { /* npm's own lines */ }
      });
      void exited.then(() => reject(new Error('npm start exited before listening')));
    });
    await listening;
    const started = childrenOf(npm.pid!);
    expect(started.length).toBeGreaterThan(0);
    npm.kill(signal);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(log.map((l) => l.msg)).toContain('closed');
    expect(started.filter(alive)).toEqual([]);
  });
});
