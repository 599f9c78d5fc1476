/**
 * The transport the client needs, shaped like the WHATWG WebSocket so that a
 * browser's own `WebSocket` satisfies it; Node supplies one from src/node
 * (the `ws` package). Binary frames only.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { readonly code: number; readonly reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { readonly data: unknown }) => void) | null;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

/** The platform WebSocket (browsers, Deno, Node ≥ 22), if there is one. */
export function platformWebSocketFactory(): WebSocketFactory | undefined {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (Ctor === undefined) return undefined;
  return (url) => {
    const ws = new Ctor(url);
    ws.binaryType = 'arraybuffer';
    return ws;
  };
}

/** Normalizes a message event's data to bytes, or undefined for text frames. */
export function frameBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) {
    const total = data.reduce((n: number, d: Uint8Array) => n + d.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const d of data as Uint8Array[]) {
      out.set(d, o);
      o += d.length;
    }
    return out;
  }
  return undefined;
}
