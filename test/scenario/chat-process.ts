/**
 * `npx parley chat` as a child process driven by a scripted stdin: type a
 * line, wait for a line of output matching a pattern (already printed, or
 * the next one that does), and its exit code.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));

export interface Chat {
  readonly lines: string[];
  type(line: string): void;
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
  kill(): void;
}

/** Runs `parley chat` for `profile`, its store in `dir/profile`. */
export function chatProcess(relayUrl: string, dir: string, profile: string): Chat {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [bin, 'chat', '--relay', relayUrl, '--profile', profile, '--dir', join(dir, profile)]);
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      const m = line.match(w.re);
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr.resume();
  return {
    lines,
    type: (line) => void child.stdin.write(`${line}\n`),
    waitFor: (re) => {
      const done = lines.map((l) => l.match(re)).find((m) => m !== null);
      if (done !== undefined && done !== null) return Promise.resolve(done);
      return new Promise((resolve) => waiters.push({ re, resolve }));
    },
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: () => void child.kill(),
  };
}
