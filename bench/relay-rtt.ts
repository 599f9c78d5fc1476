/**
 * What an unpipelined relay round trip is made of (issue 15's p99 ≤ 2 ms):
 * per round trip A → relay → B, B answers → relay → A (bench/relay-client.ts,
 * as in relay-load), the times from A's send to B's `deliver` and to A's `ok`,
 * and from B's answer to A's `deliver`; the relay's CPU per round trip; its
 * GC pauses and event-loop delay (perf_hooks, in the relay process); and,
 * alternating with the round-trip batches in the same minutes, this disk's
 * latency of a 4 KiB write + fdatasync in the relay's temp dir.
 *
 *   npx tsx bench/relay-rtt.ts [batches] [round trips per batch] [fsyncs per batch]
 *   RELAY_RTT_CHILD_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p" npx tsx bench/relay-rtt.ts
 *   RELAY_RTT_SYNC=normal npx tsx bench/relay-rtt.ts   (no fsync per commit: what the fsync costs)
 *
 * A diagnostic for RESULTS.md's hand-written paragraphs, not a section of it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { systemRandom } from '../src/crypto/index.js';
import { startRelay } from '../relay/server.js';
import { percentile } from './forwarder-load.js';
import { LoadClient, UNTHROTTLED } from './relay-client.js';

interface Stats {
  readonly cpuMicros: number;
  readonly gcPausesMs: number[];
  readonly loopDelay: { p50: number; p99: number; max: number };
}

async function child(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-relay-rtt-'));
  // RELAY_RTT_SYNC=normal: no fsync per commit (not durable against a crash), to measure what the fsync costs.
  const relay = await startRelay({ dataDir, logLevel: 'silent', limits: UNTHROTTLED, sqliteSync: process.env.RELAY_RTT_SYNC === 'normal' ? 'normal' : 'full' });
  let pauses: number[] = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) pauses.push(e.duration); }).observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let cpu = process.cpuUsage();
  process.send?.({ port: relay.port, dataDir });
  process.on('message', () => {
    const used = process.cpuUsage(cpu);
    const stats: Stats = {
      cpuMicros: used.user + used.system, gcPausesMs: pauses,
      loopDelay: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
    };
    pauses = [];
    delay.reset();
    cpu = process.cpuUsage();
    process.send?.(stats);
  });
  process.on('disconnect', () => {
    void relay.close().finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

const ms = (ns: bigint): number => Number(ns) / 1e6;

interface Trip { readonly toB: number; readonly okA: number; readonly back: number; readonly total: number }

type Send = Parameters<LoadClient['fire']>[0];

/** `count` round trips: A sends `toB`, B acks it and answers `toA`. */
async function trips(a: LoadClient, b: LoadClient, toB: Send, toA: Send, count: number): Promise<Trip[]> {
  const out: Trip[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    let okA = 0n;
    let atB = 0n;
    let answered = 0n;
    const back = new Promise<void>((resolve) => {
      b.onDeliver = (eid) => { atB = process.hrtime.bigint(); b.ack(eid); answered = process.hrtime.bigint(); b.fire(toA); };
      a.onDeliver = (eid) => { a.ack(eid); resolve(); };
    });
    const ok = new Promise<void>((resolve) => a.fire(toB, () => { okA = process.hrtime.bigint(); resolve(); }));
    await Promise.all([back, ok]);
    const end = process.hrtime.bigint();
    out.push({ toB: ms(atB - start), okA: ms(okA - start), back: ms(end - answered), total: ms(end - start) });
  }
  return out;
}

/** CPU time (user + system) of this process in the fsync probe, µs. */
let fsyncCpu = 0;

function fsyncs(dir: string, count: number): number[] {
  const cpu = process.cpuUsage();
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const block = systemRandom(4096);
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      writeSync(fd, block, 0, block.length, (i % 256) * 4096);
      fdatasyncSync(fd);
      out.push(ms(process.hrtime.bigint() - t));
    }
  } finally {
    closeSync(fd);
  }
  const used = process.cpuUsage(cpu);
  fsyncCpu += used.user + used.system;
  return out;
}

function dist(label: string, xs: readonly number[]): string {
  const s = [...xs].sort((x, y) => x - y);
  return `${label} p50 ${percentile(s, 50).toFixed(3)} p90 ${percentile(s, 90).toFixed(3)} p99 ${percentile(s, 99).toFixed(3)} max ${(s.at(-1) ?? 0).toFixed(3)} ms (n ${s.length})`;
}

async function main(): Promise<void> {
  const [batches = '6', perBatch = '250', fsyncCount = '300'] = process.argv.slice(2);
  const extra = (process.env.RELAY_RTT_CHILD_ARGS ?? '').split(' ').filter((x) => x !== '');
  const c: ChildProcess = fork(new URL(import.meta.url).pathname, ['--child'], { execArgv: ['--import', 'tsx', ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ port, dataDir }] = (await once(c, 'message')) as [{ port: number; dataDir: string }];
  const stats = async (): Promise<Stats> => { c.send({}); return ((await once(c, 'message')) as [Stats])[0]; };
  const a = await LoadClient.connect(port);
  const b = await LoadClient.connect(port);
  const refA = await a.login();
  const refB = await b.login();
  const data = systemRandom(100);
  const toB: Send = { type: 'send', ...refB, data };
  const toA: Send = { type: 'send', ...refA, data };
  await trips(a, b, toB, toA, 200); // warm-up
  const all: Trip[] = [];
  const disk: number[] = [];
  let cpu = 0;
  const gc: number[] = [];
  await stats();
  for (let i = 0; i < Number(batches); i++) {
    const t = await trips(a, b, toB, toA, Number(perBatch));
    const s = await stats();
    all.push(...t);
    cpu += s.cpuMicros;
    gc.push(...s.gcPausesMs);
    const f = fsyncs(dataDir, Number(fsyncCount));
    disk.push(...f);
    await stats(); // the fsync probe's minutes are not the relay's
    process.stdout.write(`batch ${i}: ${dist('round trip', t.map((x) => x.total))}; ${dist('fsync', f)}; relay loop delay p99 ${s.loopDelay.p99.toFixed(2)} max ${s.loopDelay.max.toFixed(2)} ms; relay CPU per round trip ${(s.cpuMicros / t.length).toFixed(0)} µs\n`);
  }
  process.stdout.write([
    dist('round trip (A send → A deliver)', all.map((x) => x.total)),
    dist('  A send → B deliver', all.map((x) => x.toB)),
    dist('  A send → A ok', all.map((x) => x.okA)),
    dist('  B send → A deliver', all.map((x) => x.back)),
    dist('4 KiB write + fdatasync', disk),
    `CPU per 4 KiB write + fdatasync (the probe's process): ${(fsyncCpu / disk.length).toFixed(0)} µs`,
    `relay CPU per round trip (2 sends, 2 acks): ${(cpu / all.length).toFixed(0)} µs`,
    `relay GC pauses during the round trips: ${gc.length}, total ${gc.reduce((x, y) => x + y, 0).toFixed(1)} ms, ${dist('pause', gc)}`,
    `round trips over 2 ms: ${all.filter((x) => x.total > 2).length} of ${all.length}`,
  ].join('\n') + '\n');
  a.ws.terminate();
  b.ws.terminate();
  c.disconnect();
  await once(c, 'exit');
}

if (process.argv.includes('--child')) void child();
else await main();
