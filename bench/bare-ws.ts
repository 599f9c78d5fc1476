/**
 * Load against the bare `ws` forwarder (bench/bare-ws-server.ts), measured the
 * same way as the relay: pipelined throughput for 100 B and 1 KiB payloads,
 * unpipelined round-trip latency, and server RSS per idle connection.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { percentile, runForwarderLoad, type ForwarderLoadOptions, type ForwarderResults } from './forwarder-load.js';

export type { ForwarderLoadOptions, ForwarderResults };

interface Server {
  readonly port: number;
  readonly child: ChildProcess;
}

async function startServer(): Promise<Server> {
  const child = fork(new URL('./bare-ws-server.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return { port: message.port, child };
}

async function serverRss(server: Server): Promise<number> {
  server.child.send({ rss: true });
  const [message] = (await once(server.child, 'message')) as [{ rss: number }];
  return message.rss;
}

async function connect(port: number, id: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/?id=${id}`, { perMessageDeflate: false });
  await once(socket, 'open');
  return socket;
}

function frame(to: string, size: number): Buffer {
  const out = Buffer.alloc(1 + to.length + size, 7);
  out[0] = to.length;
  out.write(to, 1, 'latin1');
  return out;
}

/** `pairs` senders each send `messages / pairs` frames back to back; the rate is total frames / time to last delivery. */
async function pipelined(port: number, pairs: number, messages: number, size: number): Promise<number> {
  const perPair = Math.floor(messages / pairs);
  const senders: WebSocket[] = [];
  const receivers: WebSocket[] = [];
  for (let i = 0; i < pairs; i++) {
    senders.push(await connect(port, `s${i}`));
    receivers.push(await connect(port, `r${i}`));
  }
  const done = receivers.map((r) => new Promise<void>((resolve) => {
    let received = 0;
    r.on('message', () => {
      if (++received === perPair) resolve();
    });
  }));
  const start = process.hrtime.bigint();
  senders.forEach((s, i) => {
    const f = frame(`r${i}`, size);
    for (let j = 0; j < perPair; j++) s.send(f);
  });
  await Promise.all(done);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const s of [...senders, ...receivers]) s.terminate();
  return (perPair * pairs) / seconds;
}

async function roundTrips(port: number, count: number): Promise<{ p50: number; p99: number }> {
  const a = await connect(port, 'ping');
  const b = await connect(port, 'pong');
  const toB = frame('pong', 100);
  const toA = frame('ping', 100);
  b.on('message', () => b.send(toA));
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    a.send(toB);
    await once(a, 'message');
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  a.terminate();
  b.terminate();
  samples.sort((x, y) => x - y);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function idleRss(server: Server, connections: number): Promise<number> {
  const before = await serverRss(server);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < connections; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(connections, i + 100); j++) batch.push(connect(server.port, `idle${j}`));
    sockets.push(...(await Promise.all(batch)));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = await serverRss(server);
  for (const s of sockets) s.terminate();
  return (after - before) / connections;
}

export async function runBareWsLoad(options: ForwarderLoadOptions): Promise<ForwarderResults> {
  return runForwarderLoad({ startServer, stopServer: (s) => { s.child.kill(); }, idleRss, pipelined, roundTrips }, options);
}
