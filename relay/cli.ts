/**
 * `npm start` in the repository, `parley-relay` from the package (spec/relay.md
 * §10): parses flags and environment variables and calls startRelay. SIGTERM
 * and SIGINT drain and exit 0.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, DEFAULT_SWEEP_INTERVAL_MS, DEFAULT_TTL_SECONDS, type MetricsListen, type RelayLimits } from './config.js';
import { startRelay, type StartRelayOptions } from './server.js';

interface Flag {
  readonly name: string;
  readonly env: string;
  readonly help: string;
  readonly fallback: string;
}

const LIMIT_FLAGS: ReadonlyArray<readonly [keyof RelayLimits, string]> = [
  ['maxFrameSize', 'largest frame in bytes'],
  ['maxConnections', 'open connections (clamped below the file-descriptor limit)'],
  ['maxConnectionsPerAddress', 'open connections per IPv4 address or IPv6 /64'],
  ['unauthenticatedIdleMs', 'close unauthenticated connections idle this long (ms)'],
  ['pingIntervalMs', 'heartbeat interval (ms)'],
  ['connectionRate', 'cost units per second per connection (a fanout costs one per recipient)'],
  ['connectionBurst', 'burst of cost units per connection'],
  ['addressRate', 'cost units per second per address'],
  ['addressBurst', 'burst of cost units per address'],
  ['mailboxRate', 'requests per second per delivery token of a recipient mailbox'],
  ['mailboxBurst', 'burst per delivery token of a recipient mailbox'],
  ['maxRateLimitKeys', 'keys per rate-limit table'],
  ['bundlesPerTokenPerHour', 'prekey-consuming bundle fetches per token per hour'],
  ['bundlesPerMailboxPerDay', 'prekey-consuming bundle fetches per mailbox per day'],
  ['preKeysLowIntervalMs', 'at most one prekeys_low push per interval (ms)'],
  ['mailboxMaxEnvelopes', 'stored envelopes per mailbox'],
  ['mailboxMaxBytes', 'stored bytes per mailbox'],
  ['maxStoredDeliveries', 'stored deliveries, all mailboxes'],
  ['maxStoredBytes', 'stored bytes, all mailboxes'],
  ['maxTokensPerMailbox', 'delivery tokens per mailbox'],
  ['maxOneTimePreKeys', 'stored one-time prekeys per mailbox'],
  ['maxKemPreKeys', 'stored one-time KEM prekeys per mailbox'],
  ['preKeysLowThreshold', 'prekeys_low below this count'],
  ['maxUnacked', 'unacknowledged deliveries per connection'],
  ['maxInFlight', 'requests handled at once per connection'],
  ['highWaterMark', 'send-buffer bytes before backpressure'],
  ['maxStrikes', 'protocol violations before close 4000'],
  ['maxRateLimited', 'consecutive RATE_LIMITED before close 4008'],
  ['maxBlobSize', 'largest file blob in bytes (relay.md §12)'],
  ['blobQuotaPerIdentity', 'blob bytes one identity may hold'],
  ['maxBlobBytes', 'blob bytes, all identities'],
  ['blobUploadWindowMs', 'an upload grant is valid this long; unfinished uploads are then deleted (ms)'],
  ['maxBlobsPerIdentity', 'blobs one identity may hold'],
  ['maxBlobs', 'blobs, all identities'],
  ['maxOpenLinks', 'open linking channels, all identities (relay.md §14)'],
  ['maxOpenLinksPerIdentity', 'open linking channels one identity may hold'],
];

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (s: string): string => `PARLEY_RELAY_${s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

const FLAGS: Flag[] = [
  { name: 'host', env: 'PARLEY_RELAY_HOST', help: 'interface to listen on (0.0.0.0 for all)', fallback: '127.0.0.1' },
  { name: 'port', env: 'PARLEY_RELAY_PORT', help: 'TCP port (0 = ephemeral)', fallback: '8787' },
  { name: 'data', env: 'PARLEY_RELAY_DATA', help: 'SQLite data directory', fallback: './data' },
  { name: 'store', env: 'PARLEY_RELAY_STORE', help: 'postgres://… to share one PostgreSQL among several nodes (else SQLite in --data)', fallback: '' },
  { name: 'postgres-schema', env: 'PARLEY_RELAY_POSTGRES_SCHEMA', help: 'PostgreSQL schema of the relay tables', fallback: 'parley_relay' },
  { name: 'redis', env: 'PARLEY_RELAY_REDIS', help: 'redis://… to share budgets among several nodes', fallback: '' },
  { name: 'redis-prefix', env: 'PARLEY_RELAY_REDIS_PREFIX', help: 'prefix of the relay keys in Redis', fallback: 'parley_relay' },
  { name: 'sync', env: 'PARLEY_RELAY_SYNC', help: "SQLite synchronous mode: 'full' or 'normal'", fallback: 'full' },
  { name: 'sqlite-thread', env: 'PARLEY_RELAY_SQLITE_THREAD', help: "SQLite in its own thread: 'on' or 'off'", fallback: 'off' },
  { name: 'ttl', env: 'PARLEY_RELAY_TTL', help: 'default and longest envelope TTL (seconds)', fallback: String(DEFAULT_TTL_SECONDS) },
  { name: 'blob-ttl', env: 'PARLEY_RELAY_BLOB_TTL', help: 'lifetime of a complete file blob (seconds; empty = --ttl)', fallback: '' },
  { name: 'sweep-interval', env: 'PARLEY_RELAY_SWEEP_INTERVAL', help: 'expiry sweep interval (ms)', fallback: String(DEFAULT_SWEEP_INTERVAL_MS) },
  { name: 'log-level', env: 'PARLEY_RELAY_LOG_LEVEL', help: 'pino level (fatal … trace, silent)', fallback: 'info' },
  { name: 'metrics-host', env: 'PARLEY_RELAY_METRICS_HOST', help: 'interface of the /metrics listener', fallback: '127.0.0.1' },
  { name: 'metrics-port', env: 'PARLEY_RELAY_METRICS_PORT', help: "port of the /metrics listener ('off' for none)", fallback: '9788' },
  { name: 'metrics-token', env: 'PARLEY_RELAY_METRICS_TOKEN', help: '/metrics requires Authorization: Bearer <token>', fallback: '' },
  ...LIMIT_FLAGS.map(([key, help]) => ({ name: kebab(key), env: envName(key), help, fallback: String(DEFAULT_LIMITS[key]) })),
];

export function usage(): string {
  const rows = FLAGS.map((f) => `  --${f.name.padEnd(24)} ${f.env.padEnd(40)} ${f.help} [${f.fallback}]`);
  return `Usage: parley-relay [options]   (in the repository: npm start -- [options])\n\nParley relay: a blind store-and-forward server.\n\n  flag                       environment variable                     meaning [default]\n${rows.join('\n')}\n  --memory                   (no SQLite: keep everything in memory)\n  --log-addresses            (defence warnings name the source address)\n  --help\n`;
}

function integer(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): StartRelayOptions | 'help' {
  const { values: parsed } = parseArgs({
    args: [...argv], strict: true,
    options: {
      ...Object.fromEntries(FLAGS.map((f) => [f.name, { type: 'string' as const }])),
      memory: { type: 'boolean' }, 'log-addresses': { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  const values = parsed as Record<string, string | boolean | undefined>;
  if (values['help'] === true) return 'help';
  const get = (f: Flag): string => (values[f.name] as string | undefined) ?? env[f.env] ?? f.fallback;
  const byName = new Map(FLAGS.map((f) => [f.name, f]));
  const value = (name: string): string => get(byName.get(name) as Flag);
  const sync = value('sync');
  if (sync !== 'full' && sync !== 'normal') throw new Error("--sync must be 'full' or 'normal'");
  const thread = value('sqlite-thread');
  if (thread !== 'on' && thread !== 'off') throw new Error("--sqlite-thread must be 'on' or 'off'");
  const limits = Object.fromEntries(LIMIT_FLAGS.map(([key]) => [key, integer(kebab(key), value(kebab(key)))])) as unknown as RelayLimits;
  return {
    host: value('host'), port: integer('port', value('port')),
    dataDir: values['memory'] === true ? undefined : value('data'), sqliteSync: sync, sqliteThread: thread === 'on',
    postgres: postgresOf(value('store'), value('postgres-schema')),
    redis: redisOf(value('redis'), value('redis-prefix')),
    ttlSeconds: integer('ttl', value('ttl')), sweepIntervalMs: integer('sweep-interval', value('sweep-interval')),
    ...(value('blob-ttl') !== '' && { blobTtlSeconds: integer('blob-ttl', value('blob-ttl')) }),
    logLevel: value('log-level'), logAddresses: values['log-addresses'] === true, limits,
    metrics: metricsListen(value('metrics-host'), value('metrics-port'), value('metrics-token')),
  };
}

function postgresOf(store: string, schema: string): { url: string; schema: string } | undefined {
  if (store === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(store)) throw new Error('--store must be a postgres:// URL');
  return { url: store, schema };
}

function redisOf(url: string, prefix: string): { url: string; prefix: string } | undefined {
  if (url === '') return undefined;
  if (!/^rediss?:\/\//.test(url)) throw new Error('--redis must be a redis:// URL');
  return { url, prefix };
}

function metricsListen(host: string, port: string, token: string): MetricsListen | false {
  if (port === 'off') return false;
  return { host, port: integer('metrics-port', port), ...(token !== '' ? { token } : {}) };
}

async function main(): Promise<void> {
  let options: StartRelayOptions | 'help';
  try {
    options = parseCli(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(usage());
    return;
  }
  const relay = await startRelay(options);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    relay.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// Run as a command: argv[1] may be a symlink (node_modules/.bin/parley-relay) to this file.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`relay failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
