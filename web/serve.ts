/**
 * `npm run web`: a relay on 127.0.0.1:8787 (SQLite in ./data/web) and the web
 * chat page on http://127.0.0.1:8080/ (loopback is a secure context, which
 * WebCrypto and Web Locks need). Open it in two browser profiles (or one
 * normal and one private window) to chat with yourself. Ctrl-C drains both.
 *
 *   npm run web -- [--port 8080] [--relay-port 8787] [--data ./data/web]   (0: any free port)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { parseCli } from '../relay/cli.js';
import { startRelay } from '../relay/server.js';
import { buildPage } from './page.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8080' }, 'relay-port': { type: 'string', default: '8787' }, data: { type: 'string', default: './data/web' } },
});
const relayOptions = parseCli(['--port', values['relay-port']!, '--data', values.data!, '--metrics-port', 'off', '--log-level', 'warn'], process.env);
if (relayOptions === 'help') throw new Error('unreachable');
const relay = await startRelay(relayOptions);
const files = await buildPage(relay.url);
const server = createServer((req, res) => {
  const [type, body] = files[(req.url ?? '/').split(/[?#]/)[0]!] ?? files['/']!;
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`Parley web chat: http://127.0.0.1:${port}/ (relay ${relay.url})\n`);
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  relay.close().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
