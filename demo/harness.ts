/**
 * Process plumbing shared by the demo and the throughput script: a relay
 * child process on a free port with a temp data dir, and participants forked
 * through tsx and driven over IPC.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = import.meta.resolve('tsx');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * The node arguments that run the relay: the bundle the tests' global setup built (PARLEY_TEST_RELAY,
 * test/global-setup.ts), else relay/cli.ts through tsx (the demo, the benches).
 */
export function relayCommand(): string[] {
  const bundle = process.env['PARLEY_TEST_RELAY'];
  return bundle !== undefined && bundle !== '' ? [bundle] : ['--import', tsx, `${root}relay/cli.ts`];
}

export interface RelayProcess {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts `relay/cli.ts` on a free port with its SQLite data in `dataDir`; resolves once /healthz answers.
 * `nodeArgs` go to node itself (e.g. `--cpu-prof` to profile the relay), `extraFlags` to the relay.
 */
export async function startRelayProcess(
  dataDir: string, port?: number, extraFlags: readonly string[] = [], nodeArgs: readonly string[] = [],
): Promise<RelayProcess> {
  const p = port ?? await freePort();
  const args = [...nodeArgs, ...relayCommand(), '--host', '127.0.0.1', '--port', String(p), '--data', dataDir, '--log-level', 'silent', '--metrics-port', '0', ...extraFlags];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${p}/healthz`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the relay did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `ws://127.0.0.1:${p}`,
    port: p,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Participant {
  readonly name: string;
  call<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  /** Resolves with the next forwarded event of that kind satisfying `filter`. */
  next(event: string, filter?: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  onEvent(listener: (e: Record<string, unknown>) => void): void;
  stop(): Promise<void>;
}

export async function forkParticipant(script: string, name: string, args: string[]): Promise<Participant> {
  const child: ChildProcess = fork(script, [name, ...args], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners: ((e: Record<string, unknown>) => void)[] = [];
  const started = new Promise<void>((resolve) => listeners.push((e) => { if (e['event'] === 'started') resolve(); }));
  child.on('message', (m: Record<string, unknown>) => {
    if (typeof m['seq'] === 'number') {
      const p = pending.get(m['seq']);
      pending.delete(m['seq']);
      if (m['ok'] === true) p?.resolve(m['result']);
      else p?.reject(new Error(String(m['error'])));
    } else {
      for (const l of [...listeners]) l(m);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await started;
  return {
    name,
    call: <T>(op: string, a: Record<string, unknown> = {}) => new Promise<T>((resolve, reject) => {
      const s = ++seq;
      pending.set(s, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ seq: s, op, ...a });
    }),
    next: (event, filter = () => true) => new Promise((resolve) => {
      const l = (e: Record<string, unknown>): void => {
        if (e['event'] !== event || !filter(e)) return;
        listeners.splice(listeners.indexOf(l), 1);
        resolve(e);
      };
      listeners.push(l);
    }),
    onEvent: (l) => void listeners.push(l),
    stop: async () => {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
