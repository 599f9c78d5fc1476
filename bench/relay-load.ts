/**
 * Load against the Parley relay (SQLite, synchronous=FULL, group commit),
 * measured like the bare `ws` forwarder (bench/bare-ws.ts): pipelined
 * messages/s for 100 B and 1 KiB envelopes (send → durable → pushed → acked),
 * unpipelined round-trip latency (A → relay → B, B answers → relay → A), and
 * relay RSS growth per idle authenticated connection.
 *
 * The relay runs in a child process (this file with --child) so its memory and
 * CPU are measured apart from the load generator. Loopback only; bounded by
 * the counts given. `npx tsx bench/relay-load.ts` runs it standalone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { generateEd25519KeyPair, sign, systemRandom, type Bytes } from '../src/crypto/index.js';
import {
  decodeRelayServerFrame, encodeRelayRequest, type RelayRecipientRef, type RelayRequest, type RelayServerFrame,
} from '../src/wire/index.js';
import { authPayload } from '../relay/auth.js';
import { startRelay } from '../relay/server.js';
import { percentile, runForwarderLoad, type ForwarderLoadOptions, type ForwarderResults } from './forwarder-load.js';

/** Lifts every rate limit and admission cap: all load comes from one loopback address (spec/relay.md §7.3). */
const UNTHROTTLED = {
  connectionRate: 1e9, connectionBurst: 1e9, addressRate: 1e9, addressBurst: 1e9, mailboxRate: 1e9, mailboxBurst: 1e9,
  mailboxMaxEnvelopes: 1e9, mailboxMaxBytes: 2 ** 50, maxConnectionsPerAddress: 1e9, unauthenticatedIdleMs: 1e9,
};

// ── the relay process ───────────────────────────────────────────────────────

async function child(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-relay-load-'));
  const sync = process.env.RELAY_LOAD_SYNC === 'normal' ? 'normal' : process.env.RELAY_LOAD_SYNC === 'full' ? 'full' : undefined;
  const relay = await startRelay({ dataDir, logLevel: 'silent', limits: UNTHROTTLED, ...(sync !== undefined ? { sqliteSync: sync } : {}) });
  process.send?.({ port: relay.port });
  process.on('message', (m: { rss?: boolean }) => {
    if (m.rss === true) {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ rss: process.memoryUsage().rss });
    }
  });
  process.on('disconnect', () => {
    void relay.close().finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

interface Server {
  readonly port: number;
  readonly child: ChildProcess;
}

async function startServer(): Promise<Server> {
  // RELAY_LOAD_CHILD_ARGS adds node flags to the relay process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/relayprof".
  const extra = (process.env.RELAY_LOAD_CHILD_ARGS ?? '').split(' ').filter((a) => a !== '');
  const c = fork(new URL(import.meta.url).pathname, ['--child'], { execArgv: ['--import', 'tsx', '--expose-gc', ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await once(c, 'message')) as [{ port: number }];
  return { port: message.port, child: c };
}

async function stopServer(s: Server): Promise<void> {
  const exited = once(s.child, 'exit');
  s.child.disconnect();
  await exited;
}

async function serverRss(s: Server): Promise<number> {
  s.child.send({ rss: true });
  const [message] = (await once(s.child, 'message')) as [{ rss: number }];
  return message.rss;
}

// ── a lean client ───────────────────────────────────────────────────────────

type Body = RelayRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

class LoadClient {
  private nextId = 1;
  private readonly pending = new Map<number, (f: RelayServerFrame) => void>();
  onDeliver: (eid: number, data: Bytes) => void = () => undefined;
  mailbox: Bytes = new Uint8Array();

  private constructor(readonly ws: WebSocket, readonly challenge: Extract<RelayServerFrame, { type: 'challenge' }>) {
    ws.on('message', (data: Buffer) => {
      const f = decodeRelayServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.length));
      if (f.type === 'deliver') this.onDeliver(f.eid, f.data);
      else if (f.type === 'ok' || f.type === 'error') {
        const w = this.pending.get(f.id);
        this.pending.delete(f.id);
        w?.(f);
      }
    });
  }

  static async connect(port: number): Promise<LoadClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const [data] = (await once(ws, 'message')) as [Buffer];
    const f = decodeRelayServerFrame(new Uint8Array(data));
    if (f.type !== 'challenge') throw new Error('expected a challenge');
    return new LoadClient(ws, f);
  }

  /** Sends without waiting; `done` runs on the answer. */
  fire(body: Body, done?: (f: RelayServerFrame) => void): void {
    const id = this.nextId++;
    if (done !== undefined) this.pending.set(id, done);
    this.ws.send(encodeRelayRequest({ ...body, id } as RelayRequest));
  }

  request(body: Body): Promise<RelayServerFrame> {
    return new Promise((resolve, reject) => this.fire(body, (f) => (f.type === 'ok' ? resolve(f) : reject(new Error(f.type === 'error' ? f.code : f.type)))));
  }

  /** Authenticates and registers a token; acks every delivery in batches. */
  async login(): Promise<RelayRecipientRef> {
    const id = generateEd25519KeyPair(systemRandom);
    const ok = await this.request({ type: 'auth', identityKey: id.publicKey, signature: sign(id.privateKey, authPayload(this.challenge.relayId, this.challenge.nonce, id.publicKey)) });
    if (ok.type === 'ok' && ok.result.re === 'auth') this.mailbox = ok.result.mailbox;
    const token = systemRandom(32);
    await this.request({ type: 'token_add', token });
    return { mailbox: this.mailbox, token };
  }

  private acks: number[] = [];
  ack(eid: number): void {
    this.acks.push(eid);
    if (this.acks.length === 1) setImmediate(() => { const ids = this.acks.splice(0, 1000); this.fire({ type: 'ack', ids }); });
  }
}

// ── workloads ───────────────────────────────────────────────────────────────

async function pipelined(port: number, pairs: number, messages: number, size: number): Promise<number> {
  const perPair = Math.floor(messages / pairs);
  const senders: LoadClient[] = [];
  const receivers: LoadClient[] = [];
  const refs: RelayRecipientRef[] = [];
  for (let i = 0; i < pairs; i++) {
    senders.push(await LoadClient.connect(port));
    const r = await LoadClient.connect(port);
    refs.push(await r.login());
    receivers.push(r);
  }
  const done = receivers.map((r) => new Promise<void>((resolve) => {
    let received = 0;
    r.onDeliver = (eid) => {
      r.ack(eid);
      if (++received === perPair) resolve();
    };
  }));
  const data = systemRandom(size);
  const start = process.hrtime.bigint();
  senders.forEach((s, i) => {
    for (let j = 0; j < perPair; j++) s.fire({ type: 'send', ...refs[i]!, data });
  });
  await Promise.all(done);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const c of [...senders, ...receivers]) c.ws.terminate();
  return (perPair * pairs) / seconds;
}

async function roundTrips(port: number, count: number): Promise<{ p50: number; p99: number }> {
  const a = await LoadClient.connect(port);
  const b = await LoadClient.connect(port);
  const toA = await a.login();
  const toB = await b.login();
  const payload = systemRandom(100);
  b.onDeliver = (eid) => { b.ack(eid); b.fire({ type: 'send', ...toA, data: payload }); };
  let arrived: () => void = () => undefined;
  a.onDeliver = (eid) => { a.ack(eid); arrived(); };
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const back = new Promise<void>((resolve) => { arrived = resolve; });
    const start = process.hrtime.bigint();
    a.fire({ type: 'send', ...toB, data: payload });
    await back;
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  a.ws.terminate();
  b.ws.terminate();
  samples.sort((x, y) => x - y);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function idleRss(server: Server, connections: number): Promise<number> {
  const before = await serverRss(server);
  const clients: LoadClient[] = [];
  for (let i = 0; i < connections; i += 100) {
    const batch: Array<Promise<LoadClient>> = [];
    for (let j = i; j < Math.min(connections, i + 100); j++) {
      batch.push(LoadClient.connect(server.port).then(async (c) => { await c.login(); return c; }));
    }
    clients.push(...(await Promise.all(batch)));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = await serverRss(server);
  for (const c of clients) c.ws.terminate();
  return (after - before) / connections;
}

export async function runRelayLoad(options: ForwarderLoadOptions): Promise<ForwarderResults> {
  return runForwarderLoad({ startServer, stopServer, idleRss, pipelined, roundTrips }, options);
}

const STANDALONE: ForwarderLoadOptions = { messages: 20_000, pairs: 4, roundTrips: 1_000, idleConnections: 5_000, reps: 3 };

if (process.argv.includes('--child')) {
  void child();
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runRelayLoad(STANDALONE);
  const f = (n: number): string => n.toFixed(n < 10 ? 2 : 0);
  process.stdout.write([
    `relay (SQLite, synchronous=${process.env.RELAY_LOAD_SYNC === 'normal' ? 'NORMAL' : 'FULL'}), loopback, ${STANDALONE.pairs} pairs, ${STANDALONE.messages} messages × ${STANDALONE.reps} reps`,
    `  pipelined 100 B:  ${f(r.throughput100.median)} msg/s (min ${f(r.throughput100.min)}, max ${f(r.throughput100.max)})`,
    `  pipelined 1 KiB:  ${f(r.throughput1k.median)} msg/s (min ${f(r.throughput1k.min)}, max ${f(r.throughput1k.max)})`,
    `  round trip p50:   ${f(r.latencyP50.median)} ms, p99: ${f(r.latencyP99.median)} ms (${STANDALONE.roundTrips} unpipelined, 2 durable sends each)`,
    `  RSS per idle authenticated connection at ${STANDALONE.idleConnections}: ${f(r.rssPerConnection.median / 1024)} KiB`,
  ].join('\n') + '\n');
}
