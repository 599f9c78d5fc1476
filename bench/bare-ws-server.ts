/**
 * The bare `ws` forwarder: the physical limit of this stack on this machine.
 * No auth, no storage, no parsing beyond the route: a frame is
 * [1-byte id length][recipient id][payload], and the whole frame is sent on
 * to the connection that registered that id (`/?id=<id>`). Runs as a child
 * process (IPC: sends {port}, answers {rss} requests) so its memory and CPU
 * are measured apart from the load generator.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const sockets = new Map<string, WebSocket>();
const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, clientTracking: false });

server.on('connection', (socket, request) => {
  const id = new URL(request.url ?? '/', 'http://x').searchParams.get('id') ?? '';
  sockets.set(id, socket);
  socket.on('message', (data: Buffer) => {
    const length = data[0] ?? 0;
    const target = sockets.get(data.toString('latin1', 1, 1 + length));
    if (target !== undefined) target.send(data, { binary: true });
  });
  socket.on('close', () => {
    if (sockets.get(id) === socket) sockets.delete(id);
  });
});

server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) process.send?.({ port: address.port });
});

process.on('message', (message: { rss?: boolean }) => {
  if (message.rss === true) {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ rss: process.memoryUsage().rss });
  }
});
process.on('disconnect', () => process.exit(0));
