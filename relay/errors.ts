/**
 * The relay's wire errors (spec/relay.md §6). A handler throws a RelayError;
 * the connection turns it into one `error` frame with the same code. Any other
 * exception becomes INTERNAL (and is logged without its input).
 */
import { isProtocolError } from '../src/errors.js';
import type { RelayErrorCode } from '../src/wire/index.js';

export type { RelayErrorCode } from '../src/wire/index.js';

export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly code: RelayErrorCode;
  /** Milliseconds after which a RATE_LIMITED request may succeed. */
  readonly retryAfter: number | undefined;

  constructor(code: RelayErrorCode, message: string, retryAfter?: number) {
    super(`${code}: ${message}`);
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export function isRelayError(e: unknown, code?: RelayErrorCode): e is RelayError {
  return e instanceof RelayError && (code === undefined || e.code === code);
}

/** Maps a frame decoding failure (ProtocolError) to its wire code. */
export function relayErrorOf(e: unknown): RelayError {
  if (e instanceof RelayError) return e;
  if (isProtocolError(e, 'UNSUPPORTED_VERSION')) return new RelayError('UNSUPPORTED_VERSION', 'unsupported frame version');
  if (isProtocolError(e, 'OVERSIZE')) return new RelayError('TOO_LARGE', 'frame too large');
  if (isProtocolError(e)) return new RelayError('BAD_FRAME', 'malformed frame');
  return new RelayError('INTERNAL', 'internal error');
}
