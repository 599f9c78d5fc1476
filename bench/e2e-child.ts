/**
 * The parent's handle on one client process of the end-to-end bench
 * (bench/e2e-peer.ts, forked through tsx): commands over IPC, each bounded in
 * time, and a stop that always ends the process — a polite disconnect first,
 * SIGKILL after a bound. Every process still running when the parent exits
 * (normally or not) is killed then.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, ProviderName, Reply, Request, Stats } from './e2e-protocol.js';

const tsx = import.meta.resolve('tsx');
const PEER = new URL('./e2e-peer.ts', import.meta.url).pathname;
const START_TIMEOUT_MS = 30_000;
const STOP_BOUND_MS = 5_000;
/** A command's default bound; long workloads pass their own. */
const CALL_TIMEOUT_MS = 60_000;
/** Extra node flags for the client processes, e.g. PARLEY_E2E_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them. */
const NODE_ARGS = (process.env['PARLEY_E2E_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');

/** Running client processes and their temp dirs: killed and removed if the parent exits first. */
const live = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [child, dir] of live) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
}

export class PeerProcess {
  readonly #pending = new Map<number, Pending>();
  readonly #exited: Promise<void>;
  #calls = 0;

  private constructor(readonly label: string, private readonly child: ChildProcess, private readonly dir: string) {
    this.#exited = new Promise((resolve) => child.once('exit', () => {
      live.delete(child);
      for (const p of this.#pending.values()) p.reject(new Error(`${label} exited`));
      this.#pending.clear();
      resolve();
    }));
    // A send racing the child's exit fails here, not as an uncaught 'error': the exit rejects what is pending.
    child.on('error', () => undefined);
    child.on('message', (m: Reply) => {
      if (!('call' in m)) return;
      const p = this.#pending.get(m.call);
      this.#pending.delete(m.call);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(`${label}: ${m.error}`));
    });
  }

  /** Forks a client process on `provider`, its stores in a fresh temp dir; resolves once it listens. */
  static async start(label: string, provider: ProviderName, relayUrl: string): Promise<PeerProcess> {
    const dir = mkdtempSync(join(tmpdir(), `parley-e2e-${label}-`));
    const child = fork(PEER, [provider, relayUrl, dir], { execArgv: ['--import', tsx, ...NODE_ARGS], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.set(child, dir);
    const peer = new PeerProcess(label, child, dir);
    const ready = new Promise<void>((resolve) => child.on('message', (m: Reply) => { if ('ready' in m) resolve(); }));
    const failed = peer.#exited.then(() => { throw new Error(`${label} exited before it was ready`); });
    failed.catch(() => undefined);
    try {
      await bounded(Promise.race([ready, failed]), START_TIMEOUT_MS, `${label} did not start`);
    } catch (e) {
      await peer.stop();
      throw e;
    }
    return peer;
  }

  call<T>(command: Command, timeoutMs: number = CALL_TIMEOUT_MS): Promise<T> {
    const call = ++this.#calls;
    const answer = new Promise<T>((resolve, reject) => {
      if (!this.child.connected) {
        reject(new Error(`${this.label} is not running`));
        return;
      }
      this.#pending.set(call, { resolve: resolve as (v: unknown) => void, reject });
      const request: Request = { call, command };
      this.child.send(request);
    });
    return bounded(answer, timeoutMs, `${this.label}: ${command.op} took over ${timeoutMs} ms`).finally(() => this.#pending.delete(call));
  }

  stats(): Promise<Stats> {
    return this.call<Stats>({ op: 'stats' });
  }

  /** Disconnects (the process closes its clients and exits), SIGKILL after a bound; removes its temp dir. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.child.connected) this.child.disconnect();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_BOUND_MS);
      await this.#exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function bounded<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
