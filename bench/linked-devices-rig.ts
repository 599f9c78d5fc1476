/**
 * The rig of the linked-devices bench (bench/linked-devices.ts): the measured devices' process
 * (bench/linked-devices-child.ts, driven over IPC), and the other devices as real Clients in this process
 * (node provider, MemoryStore) — accounts linked through the real linking flow (offerLink / linkDevice, SAS
 * confirmed on both sides), and an arrival log of their message events for the latencies.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Client, MemoryStore } from '../src/index.js';
import { nodeWebSocketFactory } from '../src/node/index.js';
import type { ChildCommand, ChildStats } from './linked-devices-child.js';

const tsx = import.meta.resolve('tsx');
const CHILD = new URL('./linked-devices-child.ts', import.meta.url).pathname;
const CALL_TIMEOUT_MS = 60_000;
const STOP_BOUND_MS = 5_000;

export type { ChildStats };

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(what)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The measured devices' process. */
export class MeasuredProcess {
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #calls = 0;

  private constructor(private readonly child: ChildProcess) {
    child.on('error', () => undefined);
    child.on('message', (m: { call?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (m.call === undefined) return;
      const p = this.#pending.get(m.call);
      this.#pending.delete(m.call);
      if (m.ok === true) p?.resolve(m.result);
      else p?.reject(new Error(`measured process: ${m.error}`));
    });
    child.once('exit', () => {
      for (const p of this.#pending.values()) p.reject(new Error('the measured process exited'));
      this.#pending.clear();
    });
  }

  static async start(relayUrl: string): Promise<MeasuredProcess> {
    const child = fork(CHILD, [relayUrl], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { ready?: boolean }) => { if (m.ready === true) resolve(); });
      child.once('exit', () => reject(new Error('the measured process exited before it was ready')));
    });
    await bounded(ready, 30_000, 'the measured process did not start').catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
    return new MeasuredProcess(child);
  }

  call<T>(command: ChildCommand, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    const call = ++this.#calls;
    const answer = new Promise<T>((resolve, reject) => {
      this.#pending.set(call, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ call, command });
    });
    return bounded(answer, timeoutMs, `measured process: ${command.op} took over ${timeoutMs} ms`);
  }

  stats(): Promise<ChildStats> {
    return this.call<ChildStats>({ op: 'stats' });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    await bounded(exited, STOP_BOUND_MS, 'stop').catch(() => this.child.kill('SIGKILL'));
  }
}

/** When each device of this process first showed a message, by message text. */
export class Arrivals {
  readonly #seen = new Map<string, Map<string, number>>();
  readonly #waiters = new Map<string, { devices: readonly string[]; resolve: (at: number) => void }>();

  record(device: string, text: string): void {
    let at = this.#seen.get(text);
    if (at === undefined) this.#seen.set(text, (at = new Map()));
    if (!at.has(device)) at.set(device, performance.now());
    this.#check(text);
  }

  /** Resolves with the time the last of `devices` showed `text`; rejects after `timeoutMs`. */
  last(text: string, devices: readonly string[], timeoutMs: number): Promise<number> {
    const arrived = new Promise<number>((resolve) => this.#waiters.set(text, { devices, resolve }));
    this.#check(text);
    return bounded(arrived, timeoutMs, `"${text}" did not reach every device`).finally(() => this.#waiters.delete(text));
  }

  /** The time `device` showed `text`, if it did. */
  at(device: string, text: string): number | undefined {
    return this.#seen.get(text)?.get(device);
  }

  #check(text: string): void {
    const w = this.#waiters.get(text);
    const at = this.#seen.get(text);
    if (w === undefined || at === undefined || !w.devices.every((d) => at.has(d))) return;
    w.resolve(Math.max(...w.devices.map((d) => at.get(d) as number)));
  }
}

/** The devices of this process, each a real Client on a MemoryStore. */
export class LocalDevices {
  readonly arrivals = new Arrivals();
  readonly #clients = new Map<string, Client>();
  errors = 0;

  /** The process's crypto provider must be the node one (runLinkedDevicesBench sets it). */
  constructor(private readonly relayUrl: string) {}

  async open(name: string): Promise<Client> {
    const c = await Client.open({ relay: this.relayUrl, store: new MemoryStore(), webSocket: nodeWebSocketFactory, displayName: name, backoff: { baseMs: 20, maxMs: 300 } });
    c.on('message', (m) => { if (m.content.body.type === 'text') this.arrivals.record(name, m.content.body.text); });
    c.on('error', () => void this.errors++);
    this.#clients.set(name, c);
    await c.ready();
    return c;
  }

  get(name: string): Client {
    const c = this.#clients.get(name);
    if (c === undefined) throw new Error(`no device ${name}`);
    return c;
  }

  /** Opens `name` and links it to the account whose primary answers `primary(offerText)` (the real flow, both SAS confirmed). */
  async link(name: string, primary: (offer: string) => Promise<unknown>): Promise<void> {
    const fresh = await this.open(name);
    const offering = await fresh.offerLink();
    const answered = primary(offering.text);
    await offering.sas;
    await Promise.all([offering.confirm(), answered]);
  }

  /** Links `name` to a primary of this process. */
  linkTo(name: string, primaryName: string): Promise<void> {
    const primary = this.get(primaryName);
    return this.link(name, async (offer) => (await primary.linkDevice(offer)).confirm());
  }

  async close(name: string): Promise<void> {
    await this.#clients.get(name)?.close();
    this.#clients.delete(name);
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#clients.values()].map((c) => c.close()));
    this.#clients.clear();
  }
}

/** `measured`'s client `name` invites; the local client `local` accepts. Resolves with each side's contact id for the other. */
export async function befriendMeasured(p: MeasuredProcess, name: string, local: Client): Promise<{ atMeasured: string; atLocal: string }> {
  const text = await p.call<string>({ op: 'invite', name });
  const atLocal = (await local.acceptInvite(text)).id;
  const atMeasured = await p.call<string>({ op: 'invited', name, text });
  return { atMeasured, atLocal };
}
