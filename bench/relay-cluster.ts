/**
 * The relay beyond one SQLite node (issue 15): nodes sharing one PostgreSQL
 * schema — one node alone, then 1, 2 and 3 nodes with their budgets in Redis.
 * Each node is a child process (this file with --node) so its CPU is its own.
 * Pair i's sender connects to node i mod N and its receiver to node
 * (i + 1) mod N, so with N > 1 every message crosses nodes (stored through
 * one, woken on the other by LISTEN/NOTIFY); the round trip goes A on node 0
 * → B on node 1 → A. On one machine the nodes, PostgreSQL, Redis and the load
 * generator share its cores: the figures show what crossing nodes costs, not
 * what N machines would serve. `npx tsx bench/relay-cluster.ts` runs it alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { createClient } from '@redis/client';
import { systemRandom, toHex } from '../src/crypto/index.js';
import { startRelay } from '../relay/server.js';
import { DATABASE_URL, dropSchema } from '../test/relay/postgres-schema.js';
import { formatRate, medianOf, summarize, type Rate } from './harness.js';
import { pipelined, roundTrips, UNTHROTTLED, type Placement } from './relay-client.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const MESSAGE_SIZE = 100;

export interface ClusterConfig {
  readonly label: string;
  readonly nodes: number;
  readonly redis: boolean;
}

export const CLUSTER_CONFIGS: readonly ClusterConfig[] = [
  { label: 'PostgreSQL, 1 node', nodes: 1, redis: false },
  { label: 'PostgreSQL + Redis, 1 node', nodes: 1, redis: true },
  { label: 'PostgreSQL + Redis, 2 nodes', nodes: 2, redis: true },
  { label: 'PostgreSQL + Redis, 3 nodes', nodes: 3, redis: true },
];

export interface ClusterLoadOptions {
  /** Pipelined messages per repetition, over `pairs` pairs (a multiple of 6 spreads evenly over 1–3 nodes). */
  readonly messages: number;
  readonly pairs: number;
  readonly roundTrips: number;
  readonly reps: number;
}

export interface ClusterResult {
  readonly config: ClusterConfig;
  /** Aggregate pipelined msgs/s (100 B), all pairs together. */
  readonly throughput: Rate;
  /** Round trip (ms) across nodes 0 and 1 (one node: within it). */
  readonly p50: Rate;
  readonly p99: Rate;
  /** CPU of one node during the pipelined runs, % of one core (mean over nodes), and of all nodes together. */
  readonly cpuPerNode: Rate;
  readonly cpuAllNodes: Rate;
}

// ── a node ──────────────────────────────────────────────────────────────────

async function node(): Promise<void> {
  const env = process.env;
  const relay = await startRelay({
    logLevel: 'silent', limits: UNTHROTTLED, metrics: false,
    postgres: { url: env['CLUSTER_PG_URL'] as string, schema: env['CLUSTER_SCHEMA'] as string },
    ...(env['CLUSTER_REDIS_PREFIX'] !== undefined ? { redis: { url: env['CLUSTER_REDIS_URL'] as string, prefix: env['CLUSTER_REDIS_PREFIX'] } } : {}),
  });
  process.send?.({ port: relay.port });
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send?.({ cpuMicros: u.user + u.system });
  });
  process.on('disconnect', () => void relay.close().finally(() => process.exit(0)));
}

interface Node {
  readonly port: number;
  readonly child: ChildProcess;
}

async function startNode(env: Record<string, string>): Promise<Node> {
  const child = fork(new URL(import.meta.url).pathname, ['--node'], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [m] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => { throw new Error('relay node exited at start'); })])) as [{ port: number }];
  return { port: m.port, child };
}

async function stopNode(n: Node): Promise<void> {
  const exited = once(n.child, 'exit');
  n.child.disconnect();
  await exited;
}

async function cpuMicros(n: Node): Promise<number> {
  n.child.send({ cpu: true });
  const [m] = (await once(n.child, 'message')) as [{ cpuMicros: number }];
  return m.cpuMicros;
}

// ── one configuration ───────────────────────────────────────────────────────

async function startCluster(config: ClusterConfig, schema: string, prefix: string): Promise<Node[]> {
  const env: Record<string, string> = {
    CLUSTER_PG_URL: DATABASE_URL, CLUSTER_SCHEMA: schema, ...(config.redis ? { CLUSTER_REDIS_URL: REDIS_URL, CLUSTER_REDIS_PREFIX: prefix } : {}),
  };
  const nodes = [await startNode(env)]; // the first one migrates the fresh schema
  for (let i = 1; i < config.nodes; i++) nodes.push(await startNode(env));
  return nodes;
}

/** Pipelined throughput with each node's CPU share over the same wall time. */
async function measuredPipelined(nodes: readonly Node[], at: Placement, options: ClusterLoadOptions): Promise<{ rate: number; cpu: number[] }> {
  const before = await Promise.all(nodes.map(cpuMicros));
  const start = process.hrtime.bigint();
  const rate = await pipelined(at, options.pairs, options.messages, MESSAGE_SIZE);
  const wallMicros = Number(process.hrtime.bigint() - start) / 1e3;
  const after = await Promise.all(nodes.map(cpuMicros));
  return { rate, cpu: after.map((a, i) => (100 * (a - (before[i] as number))) / wallMicros) };
}

async function runConfig(config: ClusterConfig, options: ClusterLoadOptions): Promise<ClusterResult> {
  const schema = `parley_bench_${toHex(systemRandom(6))}`;
  const prefix = `parley_bench_${toHex(systemRandom(6))}`;
  const nodes = await startCluster(config, schema, prefix);
  try {
    const port = (i: number): number => (nodes[i % nodes.length] as Node).port;
    const at: Placement = { senderPort: port, receiverPort: (i) => port(i + 1) };
    await pipelined(at, options.pairs, options.messages / 4, MESSAGE_SIZE); // warm-up
    const rates: number[] = [];
    const perNode: number[] = [];
    const allNodes: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    for (let r = 0; r < options.reps; r++) {
      const { rate, cpu } = await measuredPipelined(nodes, at, options);
      rates.push(rate);
      const sum = cpu.reduce((a, b) => a + b, 0);
      allNodes.push(sum);
      perNode.push(sum / cpu.length);
      const rt = await roundTrips(port(0), port(1), options.roundTrips);
      p50.push(rt.p50);
      p99.push(rt.p99);
    }
    return {
      config, throughput: summarize(rates, options.messages), p50: medianOf(p50), p99: medianOf(p99),
      cpuPerNode: medianOf(perNode), cpuAllNodes: medianOf(allNodes),
    };
  } finally {
    await Promise.all(nodes.map(stopNode));
    await cleanUp(schema, config.redis ? prefix : undefined);
  }
}

async function cleanUp(schema: string, prefix: string | undefined): Promise<void> {
  await dropSchema(schema);
  if (prefix === undefined) return;
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) if (keys.length > 0) await redis.del(keys);
  await redis.close();
}

export async function runClusterBench(options: ClusterLoadOptions, log: (line: string) => void = () => undefined): Promise<ClusterResult[]> {
  const results: ClusterResult[] = [];
  for (const config of CLUSTER_CONFIGS) {
    log(`  ${config.label}`);
    results.push(await runConfig(config, options));
  }
  return results;
}

export function clusterTable(results: readonly ClusterResult[]): string {
  const ms = (r: Rate): string => `${formatRate(r)} ms`;
  const pct = (r: Rate): string => `${formatRate(r)} %`;
  return [
    '| configuration | pipelined msgs/s (100 B, all nodes) | round trip p50 | round trip p99 | CPU per node | CPU all nodes |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.config.label} | ${formatRate(r.throughput)} | ${ms(r.p50)} | ${ms(r.p99)} | ${pct(r.cpuPerNode)} | ${pct(r.cpuAllNodes)} |`),
  ].join('\n');
}

export function clusterMethod(options: ClusterLoadOptions): string {
  return `Each node is a relay process (relay/server.ts) on one fresh PostgreSQL schema (${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}); "+ Redis" puts the shared budgets in Redis (spec/relay.md §8.3, §8.4). Per repetition ${options.messages.toLocaleString('en-US')} pipelined ${MESSAGE_SIZE}-byte messages over ${options.pairs} pairs (pair i sends through node i mod N to a receiver on node (i + 1) mod N: with 2 or 3 nodes every message crosses nodes, stored through one and pushed by the other after LISTEN/NOTIFY wakes it) and ${options.roundTrips.toLocaleString('en-US')} unpipelined round trips between node 0 and node 1; ${options.reps} repetitions after a warm-up. CPU is each node's user + system time over the pipelined run's wall time (100 % = one core). On this 2-core machine the nodes, PostgreSQL, Redis and the load generator share two cores, so more nodes cannot add throughput here: the rows show what crossing nodes costs (a NOTIFY, a wake-up and a re-read per delivery) and how the CPU spreads; on a real cluster each node has its own cores and the shared PostgreSQL is the bound.`;
}

const STANDALONE: ClusterLoadOptions = { messages: 240, pairs: 6, roundTrips: 50, reps: 3 };

if (process.argv.includes('--node')) {
  void node();
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runClusterBench(STANDALONE, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${clusterTable(results)}\n\n${clusterMethod(STANDALONE)}\n`);
}
