/**
 * startRelay(options): the relay as a library (spec/relay.md §1). HTTP and
 * WebSocket share one port: GET /healthz, GET /metrics, and the WebSocket
 * upgrade on any other path. close() drains: stop accepting, answer what is
 * in flight, commit pending writes, close every socket with 1001.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { systemRandom, type Bytes } from '../src/crypto/index.js';
import { deriveRelayId } from './auth.js';
import { CLOSE_GOING_AWAY, CLOSE_TRY_AGAIN_LATER } from './close-codes.js';
import { DEFAULT_LIMITS, DEFAULT_SWEEP_INTERVAL_MS, DEFAULT_TTL_SECONDS, type RelayLimits, type RelayOptions } from './config.js';
import { Connection } from './connection.js';
import type { RelayContext } from './context.js';
import { createMetrics } from './metrics.js';
import { KeyedBuckets } from './rate-limit.js';
import { MemoryStore } from './store/memory.js';
import { SqliteStore } from './store/sqlite.js';
import type { RelayStore } from './store/types.js';

export type StartRelayOptions = Partial<Omit<RelayOptions, 'limits'>> & {
  readonly limits?: Partial<RelayLimits>;
  /** A ready store; overrides dataDir. */
  readonly store?: RelayStore;
};

export interface RelayHandle {
  readonly url: string;
  readonly port: number;
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

export function resolveOptions(o: StartRelayOptions): RelayOptions {
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    dataDir: o.dataDir,
    sqliteSync: o.sqliteSync ?? 'full',
    ttlSeconds: o.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    sweepIntervalMs: o.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    logLevel: o.logLevel ?? 'info',
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
    } else if (req.method === 'GET' && path === '/metrics') {
      ctx.metrics.registry.metrics().then(
        (text) => { res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType }); res.end(text); },
        () => { res.writeHead(500); res.end(); },
      );
    } else {
      res.writeHead(404);
      res.end();
    }
  };
}

export async function startRelay(input: StartRelayOptions = {}): Promise<RelayHandle> {
  const options = resolveOptions(input);
  const store = input.store ?? (options.dataDir !== undefined ? new SqliteStore(options.dataDir, options.sqliteSync) : new MemoryStore());
  const relaySecret = await store.secret(() => options.random(32));
  const log = pino({ level: options.logLevel, base: { service: 'parley-relay' } });
  const ctx: RelayContext = {
    options, store, log, relaySecret, relayId: deriveRelayId(relaySecret), metrics: createMetrics(() => store.stats()),
    online: new Map(), mailboxBuckets: new KeyedBuckets(options.limits.mailboxRate, options.limits.mailboxBurst), draining: false,
  };
  const connections = new Set<Connection>();
  const http = createServer(httpHandler(ctx));
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.limits.maxFrameSize, perMessageDeflate: false, clientTracking: false });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (ctx.draining) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ctx.metrics.connections.inc();
      if (connections.size >= options.limits.maxConnections) {
        ws.on('close', () => ctx.metrics.connections.dec());
        ws.close(CLOSE_TRY_AGAIN_LATER, 'relay full');
        return;
      }
      const conn = new Connection(ctx, ws);
      connections.add(conn);
      ws.on('close', () => connections.delete(conn));
    });
  });

  const heartbeat = setInterval(() => {
    for (const c of connections) {
      if (!c.alive) c.terminate();
      else c.ping();
    }
  }, options.limits.pingIntervalMs);
  heartbeat.unref();
  const sweep = async (): Promise<number> => {
    ctx.mailboxBuckets.prune(options.now());
    return store.sweep(options.now());
  };
  const sweeper = setInterval(() => {
    sweep().catch((e: unknown) => log.error({ err: (e as Error)?.name }, 'sweep failed'));
  }, options.sweepIntervalMs);
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => { http.off('error', reject); resolve(); });
  });
  http.on('error', (e) => log.error({ err: e.name }, 'http server error'));
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  log.info({ host: options.host, port, store: input.store !== undefined ? 'custom' : options.dataDir !== undefined ? 'sqlite' : 'memory' }, 'listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    ctx.draining = true;
    clearInterval(heartbeat);
    clearInterval(sweeper);
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    await Promise.all([...connections].map((c) => c.settled()));
    await Promise.all([...connections].map((c) => c.closeAndWait(CLOSE_GOING_AWAY, 'relay shutting down', DRAIN_CLOSE_TIMEOUT_MS)));
    http.closeAllConnections();
    await httpClosed;
    await store.close();
    log.info('closed');
  };

  return {
    url: `ws://${hostForUrl}:${port}`, port, relayId: ctx.relayId, store, context: ctx,
    connections: () => connections.size,
    sweep,
    close: () => (closing ??= close()),
  };
}
