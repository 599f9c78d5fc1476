/**
 * Requests on one relay socket (spec/relay.md §2.1): ids, the table of
 * requests awaiting their one answer, timeouts, and the retry of a request
 * the relay rate-limited. Both connections (relay-connection.ts, the
 * authenticated one, and sealed-connection.ts) use it.
 */
import type { Bytes } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import {
  decodeRelayServerFrame, encodeRelayRequest, type RelayRequest, type RelayResult, type RelayServerFrame,
} from '../../wire/relay-frames.js';
import { LATE_ANSWERS_MAX } from '../../constants.js';
import { ClientError } from '../errors.js';
import type { LateAnswer } from './relay-api.js';
import type { WebSocketLike } from './websocket.js';

export type Request = RelayRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  readonly resolve: (r: RelayResult) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
/** Retries of a request the relay rate-limited, before giving up with RELAY_ERROR. */
const RATE_LIMIT_RETRIES = 5;

export class RequestTable {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  /** Requests that timed out whose answer someone still wants (client.md §5.4), oldest first. */
  readonly #late = new Map<number, LateAnswer>();
  readonly #timeoutMs: number;

  constructor(timeoutMs: number | undefined) {
    this.#timeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Sends `r`; `late`, if given, hears the answer should it come after the request failed with TIMEOUT. */
  send(ws: WebSocketLike, r: Request, late?: LateAnswer): Promise<RelayResult> {
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        if (late !== undefined) this.#keepLate(id, late);
        reject(new ClientError('TIMEOUT', 'the relay did not answer in time', { request: r.type }));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      try {
        ws.send(encodeRelayRequest({ ...r, id } as RelayRequest));
      } catch {
        this.#settle(id, (p) => p.reject(new ClientError('NOT_CONNECTED', 'the connection to the relay was lost')));
      }
    });
  }

  /** Settles the request an `ok` or `error` frame answers; true if the frame was one of those. */
  answer(frame: RelayServerFrame): boolean {
    if (frame.type === 'ok') {
      this.#settle(frame.id, (p) => p.resolve(frame.result));
      this.#answerLate(frame.id, 'ok');
      return true;
    }
    if (frame.type !== 'error') return false;
    if (frame.id === 0) return true;
    this.#answerLate(frame.id, 'refused');
    const error = new ClientError('RELAY_ERROR', `the relay refused the request: ${frame.code}`, {
      relayCode: frame.code, ...(frame.retryAfter !== undefined && { retryAfter: frame.retryAfter }),
    });
    this.#settle(frame.id, (p) => p.reject(error));
    return true;
  }

  failAll(error: unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#late.clear(); // their answers cannot come on a closed socket
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  #keepLate(id: number, late: LateAnswer): void {
    this.#late.set(id, late);
    if (this.#late.size > LATE_ANSWERS_MAX) this.#late.delete(this.#late.keys().next().value as number);
  }

  #answerLate(id: number, answer: 'ok' | 'refused'): void {
    const late = this.#late.get(id);
    if (late === undefined) return;
    this.#late.delete(id);
    late(answer);
  }

  #settle(id: number, f: (p: Pending) => void): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    f(p);
  }
}

/** Decodes a frame from the relay; a malformed one closes the socket (4002) and yields undefined. */
export function readServerFrame(ws: WebSocketLike, bytes: Bytes): RelayServerFrame | undefined {
  try {
    return decodeRelayServerFrame(bytes);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    ws.close(4002, 'malformed frame from relay');
    return undefined;
  }
}

/** Runs `attempt`, again after the relay's retryAfter while it answers RATE_LIMITED (at most RATE_LIMIT_RETRIES times). */
export async function retryRateLimited<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const rateLimited = e instanceof ClientError && e.details['relayCode'] === 'RATE_LIMITED';
      if (!rateLimited || n >= RATE_LIMIT_RETRIES) throw e;
      const wait = Number(e.details['retryAfter'] ?? 100);
      await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 10), 5_000)));
    }
  }
}
