/**
 * startRelay(options): the relay as a library (spec/relay.md §1). HTTP and
 * WebSocket share the client port: GET /healthz and the WebSocket upgrade on
 * any other path. /metrics has its own listener (default 127.0.0.1), so the
 * client port shows nothing about the relay's traffic. close() drains: stop
 * accepting, answer what is in flight, commit pending writes, close every
 * socket with 1001.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { systemRandom, toHex, type Bytes } from '../src/crypto/index.js';
import { addressKey, hostForUrl } from './address.js';
import { AddressCounts, clampToFileDescriptors, fileDescriptorLimit, REFUSAL_MARGIN } from './admission.js';
import { AttackLog } from './attack-log.js';
import { deriveRelayId } from './auth.js';
import { CLOSE_GOING_AWAY, CLOSE_TRY_AGAIN_LATER } from './close-codes.js';
import {
  DEFAULT_LIMITS, DEFAULT_SWEEP_INTERVAL_MS, DEFAULT_TTL_SECONDS, type MetricsListen, type RelayLimits, type RelayOptions,
} from './config.js';
import { Connection } from './connection.js';
import type { RelayContext } from './context.js';
import { createMetrics } from './metrics.js';
import { startMetricsListener } from './metrics-listener.js';
import { budgetShapes, LocalLimiter, type Limiter } from './limiter.js';
import { RedisLimiter } from './redis-limiter.js';
import { RelayMemoryStore } from './store/memory.js';
import { RelayPostgresStore } from './store/postgres.js';
import { RelaySqliteStore } from './store/sqlite.js';
import { RelaySqliteThreadStore } from './store/sqlite-thread.js';
import type { RelayStore } from './store/types.js';
import { openBlobService } from './blobs/open.js';
import { handleBlobHttp } from './blobs/http.js';
import { LinkListeners } from './link-listeners.js';

export type StartRelayOptions = Partial<Omit<RelayOptions, 'limits'>> & {
  readonly limits?: Partial<RelayLimits>;
  /** A ready store; overrides dataDir. */
  readonly store?: RelayStore;
};

export interface RelayHandle {
  readonly url: string;
  readonly port: number;
  /** `http://host:port/metrics` of the metrics listener, unless it is off. */
  readonly metricsUrl: string | undefined;
  readonly relayId: Bytes;
  readonly store: RelayStore;
  readonly context: RelayContext;
  /** Number of open WebSocket connections. */
  connections(): number;
  /** Runs the expiry sweep now (also runs every sweepIntervalMs). */
  sweep(): Promise<number>;
  /** Drains and stops; resolves when every socket is closed and the store is closed. */
  close(): Promise<void>;
}

const DRAIN_CLOSE_TIMEOUT_MS = 2000;
/** A socket refused with 1013 gets this long to answer the close frame before it is cut. */
const REFUSED_CLOSE_TIMEOUT_MS = 1000;
/** Where the metrics listener binds unless told otherwise: loopback only. */
export const DEFAULT_METRICS: MetricsListen = { host: '127.0.0.1', port: 0 };

export function resolveOptions(o: StartRelayOptions): RelayOptions {
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    dataDir: o.dataDir,
    postgres: o.postgres,
    redis: o.redis,
    sqliteSync: o.sqliteSync ?? 'full',
    sqliteThread: o.sqliteThread ?? false,
    ttlSeconds: o.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    blobTtlSeconds: o.blobTtlSeconds ?? o.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    sweepIntervalMs: o.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    logLevel: o.logLevel ?? 'info',
    logAddresses: o.logAddresses ?? false,
    metrics: o.metrics ?? DEFAULT_METRICS,
    random: o.random ?? systemRandom,
    now: o.now ?? Date.now,
  };
}

function httpHandler(ctx: RelayContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(ctx.draining ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ctx.draining ? 'draining' : 'ok' }));
    } else if (!handleBlobHttp(ctx.blobs, req, res)) {
      res.writeHead(404);
      res.end();
    }
  };
}

/**
 * The store the options name: PostgreSQL (shared by several nodes), SQLite (one node, the default; on the
 * event loop, or in its own thread with sqliteThread), or memory.
 */
async function openStore(o: RelayOptions): Promise<RelayStore> {
  if (o.postgres !== undefined) return RelayPostgresStore.open(o.postgres);
  if (o.dataDir === undefined) return new RelayMemoryStore();
  return o.sqliteThread ? RelaySqliteThreadStore.open(o.dataDir, o.sqliteSync) : new RelaySqliteStore(o.dataDir, o.sqliteSync);
}

function storeKind(o: RelayOptions): string {
  if (o.postgres !== undefined) return 'postgres';
  if (o.dataDir === undefined) return 'memory';
  return o.sqliteThread ? 'sqlite-thread' : 'sqlite';
}

/** The shared budgets: in Redis when nodes share them (§8.4), else in this process. */
async function openLimiter(options: RelayOptions, limits: RelayLimits, log: Logger): Promise<Limiter> {
  const shapes = budgetShapes(limits);
  if (options.redis === undefined) return new LocalLimiter(shapes, limits.maxRateLimitKeys);
  return RedisLimiter.open(options.redis.url, options.redis.prefix, shapes, limits.maxRateLimitKeys, log);
}

async function createContext(options: RelayOptions, store: RelayStore, relaySecret: Bytes): Promise<RelayContext> {
  const log = pino({ level: options.logLevel, base: { service: 'parley-relay' } });
  const limits = clampToFileDescriptors(options.limits, fileDescriptorLimit(), log);
  const limiter = await openLimiter(options, limits, log);
  const metrics = createMetrics(() => store.stats(), () => limiter.sizes());
  return {
    options: { ...options, limits }, store, log, relaySecret, relayId: deriveRelayId(relaySecret), metrics,
    online: new Map(), limiter, attacks: new AttackLog(log, metrics.defences, options.logAddresses, options.now),
    blobs: await openBlobService({ ...options, limits }), draining: false,
    links: new LinkListeners(store, options.now, (e) => log.error({ err: (e as Error)?.name }, 'link delivery failed')),
  };
}

/**
 * Another node stored envelopes for these mailboxes, or link messages for these link ids (or may have,
 * 'all'): the mailboxes and link listeners connected here look again.
 */
function wake(ctx: RelayContext, ids: readonly Bytes[] | 'all'): void {
  if (ids === 'all') {
    for (const session of ctx.online.values()) session.notify();
    ctx.links.wakeAll();
    return;
  }
  for (const id of ids) {
    const hex = toHex(id);
    ctx.online.get(hex)?.notify();
    ctx.links.wake(hex);
  }
}

/** Closes a socket the relay will not serve with a clean 1013, and cuts it if it does not answer the close. */
function refuse(ws: WebSocket, reason: string): void {
  const timer = setTimeout(() => ws.terminate(), REFUSED_CLOSE_TIMEOUT_MS);
  ws.on('close', () => clearTimeout(timer));
  ws.on('error', () => undefined);
  ws.close(CLOSE_TRY_AGAIN_LATER, reason);
}

export async function startRelay(input: StartRelayOptions = {}): Promise<RelayHandle> {
  const resolved = resolveOptions(input);
  const store = input.store ?? await openStore(resolved);
  const ctx = await createContext(resolved, store, await store.secret(() => resolved.random(32)));
  const { options, log } = ctx;
  const connections = new Set<Connection>();
  const perAddress = new AddressCounts(options.limits.maxConnectionsPerAddress);
  const http = createServer(httpHandler(ctx));
  // The kernel-level cap: sockets past it are dropped at accept, so descriptors never run out (admission.ts).
  http.maxConnections = options.limits.maxConnections + REFUSAL_MARGIN;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.limits.maxFrameSize, perMessageDeflate: false, clientTracking: false });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (ctx.draining) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    const address = addressKey(req.socket.remoteAddress);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (connections.size >= options.limits.maxConnections) {
        ctx.attacks.note('relay-full', address);
        ctx.metrics.closes.labels(String(CLOSE_TRY_AGAIN_LATER)).inc();
        return refuse(ws, 'relay full');
      }
      if (!perAddress.admit(address)) {
        ctx.attacks.note('address-cap', address);
        ctx.metrics.closes.labels(String(CLOSE_TRY_AGAIN_LATER)).inc();
        return refuse(ws, 'too many connections from this address');
      }
      ctx.metrics.connections.inc();
      const conn = new Connection(ctx, ws, address);
      connections.add(conn);
      ws.on('close', () => {
        connections.delete(conn);
        perAddress.release(address);
      });
    });
  });

  const heartbeat = setInterval(() => {
    for (const c of connections) {
      if (!c.alive) c.terminate();
      else c.ping();
    }
  }, options.limits.pingIntervalMs);
  heartbeat.unref();
  // Unauthenticated connections must keep sending requests (§7.3); checked often enough to hold the deadline within a quarter.
  const idleSweep = setInterval(() => {
    const now = options.now();
    for (const c of connections) c.closeIfIdle(now);
  }, Math.max(25, Math.floor(options.limits.unauthenticatedIdleMs / 4)));
  idleSweep.unref();
  const sweep = async (): Promise<number> => {
    const now = options.now();
    ctx.limiter.prune(now);
    await ctx.blobs.sweep(now);
    await store.sweepLinks(now);
    return store.sweep(now);
  };
  const sweeper = setInterval(() => {
    sweep().catch((e: unknown) => log.error({ err: (e as Error)?.name }, 'sweep failed'));
  }, options.sweepIntervalMs);
  sweeper.unref();
  const unwatch = await store.watch?.((mailboxes) => wake(ctx, mailboxes));

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => { http.off('error', reject); resolve(); });
  });
  http.on('error', (e) => log.error({ err: e.name }, 'http server error'));
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const metricsListener = options.metrics === false ? undefined : await startMetricsListener(ctx.metrics.registry, options.metrics);
  log.info({
    host: options.host, port, metricsPort: metricsListener?.port,
    store: input.store !== undefined ? 'custom' : storeKind(options),
  }, 'listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    ctx.draining = true;
    clearInterval(heartbeat);
    clearInterval(idleSweep);
    clearInterval(sweeper);
    await metricsListener?.close();
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    await Promise.all([...connections].map((c) => c.settled()));
    await Promise.all([...connections].map((c) => c.closeAndWait(CLOSE_GOING_AWAY, 'relay shutting down', DRAIN_CLOSE_TIMEOUT_MS)));
    http.closeAllConnections();
    await httpClosed;
    await unwatch?.();
    await ctx.limiter.close();
    await ctx.blobs.close();
    await store.close();
    log.info('closed');
  };

  return {
    url: `ws://${hostForUrl(options.host)}:${port}`, port, relayId: ctx.relayId, store, context: ctx,
    metricsUrl: metricsListener?.url,
    connections: () => connections.size,
    sweep,
    close: () => (closing ??= close()),
  };
}
