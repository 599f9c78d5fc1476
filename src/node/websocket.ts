/** The WebSocketLike factory for Node, on the `ws` package (the client core uses the platform WebSocket interface). */
import WebSocket from 'ws';
import type { WebSocketFactory, WebSocketLike } from '../client/transport/websocket.js';

export const nodeWebSocketFactory: WebSocketFactory = (url) => {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  return ws as unknown as WebSocketLike;
};
