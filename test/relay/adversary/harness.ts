/**
 * The adversarial suite's plumbing: a relay **process** (the CLI with its
 * SQLite store, as an operator runs it), its own /metrics as the measure of
 * what an attack cost it, and a legitimate pair that keeps sending while the
 * attack runs. Assertions count — answers, acknowledgements, deliveries,
 * bytes — and never time anything; the test timeout only bounds a hang.
 */
import { afterEach, expect } from 'vitest';
import { systemRandom, type Bytes } from '../../../src/crypto/index.js';
import { TestClient } from '../client.js';
import { tempDir } from '../harness.js';
import { spawnRelay, type RelayProcess } from '../process.js';

const running: RelayProcess[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of running.splice(0)) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
});

/** Resident memory may grow by at most this much over an attack (spec/relay.md §11). */
export const RSS_GROWTH_BOUND = 150 * 1024 * 1024;

/** A relay process for one test (info-level logs, kept in `log`), killed after it. */
export async function target(flags: readonly string[] = [], fileLimit?: number): Promise<RelayProcess> {
  const p = await spawnRelay(tempDir(), flags, fileLimit);
  running.push(p);
  return p;
}

/** Clients opened through here are closed after the test. */
export function track<T extends TestClient>(c: T): T {
  clients.push(c);
  return c;
}

/** The relay's own Prometheus text, as `name{labels}` → value. */
export async function scrape(p: RelayProcess): Promise<Map<string, number>> {
  const text = await (await fetch(p.metricsUrl)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

export async function residentBytes(p: RelayProcess): Promise<number> {
  return (await scrape(p)).get('process_resident_memory_bytes') ?? Number.NaN;
}

/** Asserts the relay is alive, answers /healthz, and grew by less than RSS_GROWTH_BOUND since `baseline`. */
export async function expectHealthy(p: RelayProcess, baseline: number): Promise<void> {
  expect(p.child.exitCode).toBeNull();
  const health = await fetch(`http://127.0.0.1:${new URL(p.url).port}/healthz`);
  expect(health.status).toBe(200);
  expect((await residentBytes(p)) - baseline).toBeLessThan(RSS_GROWTH_BOUND);
}

export interface Exchange {
  readonly acked: number;
  /** Refusal codes the legitimate sender got (must stay empty). */
  readonly refused: string[];
  readonly delivered: number;
}

/** Marks Alice's messages, so that Bob tells them from anything a hostile token holder gets delivered to him. */
const MARK = new TextEncoder().encode('legitimate:');
const marked = (data: Bytes): boolean => MARK.every((b, i) => data[i] === b);

/** Bob (authenticated) and Alice (an unauthenticated sealed sender), both on 127.0.0.1, with Bob's token. */
export class LegitimatePair {
  private acked = 0;

  private constructor(readonly bob: TestClient, readonly alice: TestClient, readonly token: Bytes, readonly mailbox: Bytes) {}

  static async open(url: string): Promise<LegitimatePair> {
    const bob = track(await TestClient.login(url));
    const ref = await bob.invite();
    const alice = track(await TestClient.connect(url));
    return new LegitimatePair(bob, alice, ref.token, ref.mailbox);
  }

  /** Alice's messages Bob has received so far. */
  received(): number {
    return this.bob.deliveries().filter((d) => marked(d.data)).length;
  }

  /** Bob acks everything delivered so far, as a client does (hostile deliveries too, so his window stays open). */
  private async ackAll(): Promise<void> {
    const all = this.bob.deliveries();
    const fresh = all.slice(this.acked);
    this.acked = all.length;
    if (fresh.length > 0) await this.bob.request({ type: 'ack', ids: fresh.map((d) => d.eid) });
  }

  /**
   * Alice sends `n` messages one after another (each awaited, with `pauseMs` between, so the
   * exchange spans the attack); Bob must receive every acknowledged one.
   */
  async exchange(n: number, pauseMs = 10): Promise<Exchange> {
    const start = this.received();
    let acked = 0;
    const refused: string[] = [];
    for (let i = 0; i < n; i++) {
      const data = new Uint8Array([...MARK, ...systemRandom(100)]);
      const o = await this.alice.raw({ type: 'send', mailbox: this.mailbox, token: this.token, data });
      if (o.type === 'ok') acked++;
      else refused.push(o.code);
      await this.ackAll();
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    while (this.received() - start < acked) {
      await this.bob.waitFor('deliver', this.bob.deliveries().length + 1);
      await this.ackAll();
    }
    return { acked, refused, delivered: this.received() - start };
  }
}

/** Runs `attack` and a legitimate exchange of `n` messages at the same time. */
export async function underAttack(pair: LegitimatePair, n: number, attack: () => Promise<void>): Promise<Exchange> {
  const [exchange] = await Promise.all([pair.exchange(n), attack()]);
  return exchange;
}

/** The defence summary lines the relay logged (spec/relay.md §9). */
export function defenceLines(p: RelayProcess): Array<Record<string, unknown>> {
  return p.log.filter((l) => l['msg'] === 'defence engaged');
}
