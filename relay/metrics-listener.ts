/**
 * The /metrics listener (spec/relay.md §9): its own port, bound to loopback
 * by default, so the client-facing port never shows traffic counters; an
 * optional bearer token for deployments that must expose it further.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { equalBytes, utf8 } from '../src/crypto/index.js';
import type { MetricsListen } from './config.js';
import { hostForUrl } from './address.js';

export interface MetricsListener {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Constant-time check of `Authorization: Bearer <token>`. */
function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization ?? '';
  return equalBytes(utf8(header), utf8(`Bearer ${token}`));
}

function handler(registry: Registry, token: string | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404);
      res.end();
    } else if (!authorized(req, token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' });
      res.end();
    } else {
      registry.metrics().then(
        (text) => { res.writeHead(200, { 'content-type': registry.contentType }); res.end(text); },
        () => { res.writeHead(500); res.end(); },
      );
    }
  };
}

export async function startMetricsListener(registry: Registry, listen: MetricsListen): Promise<MetricsListener> {
  const server = createServer(handler(registry, listen.token));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : listen.port;
  return {
    port, url: `http://${hostForUrl(listen.host)}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
