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

/** Why a connection to the relay failed or ended (the `reason` of a `disconnected` connection-state event). */
export interface ConnectionFailure {
  /** CONNECTION_REFUSED: nothing listens there; CONNECTION_FAILED: no connection was made (DNS, TLS, network; browsers do not say which); CLOSED: the connection closed with `closeCode`. */
  readonly code: 'CONNECTION_REFUSED' | 'CONNECTION_FAILED' | 'CLOSED';
  readonly closeCode?: number;
  readonly message: string;
}

/**
 * Names the failure from the socket's error event (Node's `ws` carries the
 * system error, e.g. ECONNREFUSED; a browser's carries nothing) and its close
 * event; `opened` says whether the relay ever answered on this socket.
 */
export function connectionFailure(error: unknown, close: { readonly code: number; readonly reason?: string }, opened: boolean): ConnectionFailure {
  const inner = (error as { error?: { code?: unknown; message?: unknown }; message?: unknown } | undefined);
  const sysCode = inner?.error?.code;
  const text = String(inner?.error?.message ?? inner?.message ?? '');
  if (!opened && (sysCode === 'ECONNREFUSED' || text.includes('ECONNREFUSED'))) {
    return { code: 'CONNECTION_REFUSED', closeCode: close.code, message: `connection refused${text === '' ? '' : ` (${text})`}` };
  }
  if (!opened) return { code: 'CONNECTION_FAILED', closeCode: close.code, message: `could not connect${text === '' ? '' : `: ${text}`} (close ${close.code})` };
  return { code: 'CLOSED', closeCode: close.code, message: `closed with code ${close.code}${close.reason ? `: ${close.reason}` : ''}` };
}
