/**
 * Per-tick write batching for a `ws` socket: the first frame sent in a tick
 * corks the underlying TCP socket, and a process.nextTick uncorks it, so every
 * frame queued in the same tick (answers and pushes of one group commit) goes
 * out in one writev instead of one syscall each. Latency-neutral: the uncork
 * runs before the event loop polls again.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** The TCP socket under a server-side `ws` WebSocket (undefined once detached). */
export function rawSocket(ws: WebSocket): Duplex | undefined {
  return (ws as unknown as { _socket?: Duplex | null })._socket ?? undefined;
}

export class TickCork {
  private corked: Duplex | undefined;

  /** Corks `socket` until the end of this tick (no-op when already corked this tick). */
  cork(socket: Duplex | undefined): void {
    if (this.corked !== undefined || socket === undefined || socket.destroyed) return;
    this.corked = socket;
    socket.cork();
    process.nextTick(() => {
      const s = this.corked;
      this.corked = undefined;
      s?.uncork();
    });
  }
}
