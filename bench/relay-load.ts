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
import { startRelay } from '../relay/server.js';
import { runForwarderLoad, type ForwarderLoadOptions, type ForwarderResults } from './forwarder-load.js';
import { LoadClient, onePort, pipelined, roundTrips, UNTHROTTLED } from './relay-client.js';

// ── the relay process ───────────────────────────────────────────────────────

async function child(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-relay-load-'));
  const sync = process.env.RELAY_LOAD_SYNC === 'normal' ? 'normal' : process.env.RELAY_LOAD_SYNC === 'full' ? 'full' : undefined;
  // RELAY_LOAD_STORE=thread runs SQLite in its storage thread (--sqlite-thread on); else on the event loop, the relay's default.
  const sqliteThread = process.env.RELAY_LOAD_STORE === 'thread';
  const relay = await startRelay({ dataDir, logLevel: 'silent', limits: UNTHROTTLED, sqliteThread, ...(sync !== undefined ? { sqliteSync: sync } : {}) });
  process.send?.({ port: relay.port });
  process.on('message', (m: { rss?: boolean; cpu?: boolean }) => {
    if (m.rss === true) {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ rss: process.memoryUsage().rss });
    }
    if (m.cpu === true) process.send?.({ cpu: process.cpuUsage() }); // every thread of the process, the storage thread included
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

async function serverCpu(s: Server): Promise<number> {
  s.child.send({ cpu: true });
  const [message] = (await once(s.child, 'message')) as [{ cpu: NodeJS.CpuUsage }];
  return message.cpu.user + message.cpu.system;
}

// ── workloads ───────────────────────────────────────────────────────────────

/** The relay process's CPU time (user + system, all threads) per pipelined message, in µs, median of `reps` runs after a warm-up. */
export async function relayCpuPerMessage(options: ForwarderLoadOptions, size: number): Promise<number[]> {
  const server = await startServer();
  try {
    await pipelined(onePort(server.port), options.pairs, options.messages / 4, size);
    const perMessage: number[] = [];
    for (let i = 0; i < options.reps; i++) {
      const before = await serverCpu(server);
      await pipelined(onePort(server.port), options.pairs, options.messages, size);
      perMessage.push(((await serverCpu(server)) - before) / options.messages);
    }
    return perMessage;
  } finally {
    await stopServer(server);
  }
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
  return runForwarderLoad({
    startServer, stopServer, idleRss,
    pipelined: (port, pairs, messages, size) => pipelined(onePort(port), pairs, messages, size),
    roundTrips: (port, count) => roundTrips(port, port, count),
  }, options);
}

const STANDALONE: ForwarderLoadOptions = { messages: 20_000, pairs: 4, roundTrips: 1_000, idleConnections: 5_000, reps: 3 };

if (process.argv.includes('--child')) {
  void child();
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runRelayLoad(STANDALONE);
  const f = (n: number): string => n.toFixed(n < 10 ? 2 : 0);
  process.stdout.write([
    `relay (SQLite ${process.env.RELAY_LOAD_STORE === 'thread' ? 'in its storage thread' : 'on the event loop'}, synchronous=${process.env.RELAY_LOAD_SYNC === 'normal' ? 'NORMAL' : 'FULL'}), loopback, ${STANDALONE.pairs} pairs, ${STANDALONE.messages} messages × ${STANDALONE.reps} reps`,
    `  pipelined 100 B:  ${f(r.throughput100.median)} msg/s (min ${f(r.throughput100.min)}, max ${f(r.throughput100.max)})`,
    `  pipelined 1 KiB:  ${f(r.throughput1k.median)} msg/s (min ${f(r.throughput1k.min)}, max ${f(r.throughput1k.max)})`,
    `  round trip p50:   ${f(r.latencyP50.median)} ms, p99: ${f(r.latencyP99.median)} ms (${STANDALONE.roundTrips} unpipelined, 2 durable sends each)`,
    `  RSS per idle authenticated connection at ${STANDALONE.idleConnections}: ${f(r.rssPerConnection.median / 1024)} KiB`,
  ].join('\n') + '\n');
}
