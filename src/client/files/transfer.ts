/** What uploads and downloads share: options, progress, and the retry rule for a dropped connection. */
import { ClientError, isClientError } from '../errors.js';
import { aborted } from './blob-http.js';

export interface TransferProgress {
  /** Blob bytes transferred and verified (download) or held durably by the relay (upload). */
  readonly done: number;
  readonly total: number;
}

export interface TransferOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: TransferProgress) => void;
}

/** Attempts in a row without progress before a transfer gives up (each after a short wait). */
export const TRANSFER_ATTEMPTS = 6;
const RETRY_BASE_MS = 50;
const RETRY_MAX_MS = 1000;

/** Whether `e` is a dropped connection worth retrying (not a refusal, a tampered blob or a cancel). */
export function isNetworkFailure(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof Error && /ECONNRESET|socket|terminated|other side closed/i.test(`${e.message} ${String((e as { cause?: unknown }).cause ?? '')}`));
}

/** Waits before attempt `n` (1-based), or throws if the transfer was cancelled or out of attempts. */
export async function beforeRetry(attempt: number, signal: AbortSignal | undefined, cause: unknown): Promise<void> {
  if (signal?.aborted === true) throw aborted();
  if (attempt > TRANSFER_ATTEMPTS) {
    throw new ClientError('NOT_CONNECTED', 'the relay could not be reached for the transfer', { attempts: attempt - 1, cause: String((cause as Error)?.name ?? '') });
  }
  await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1))));
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw aborted();
}

/** Rethrows anything that is not a network failure (refusals, ProtocolError); a cancelled transfer as ABORTED. */
export function rethrowUnlessNetwork(e: unknown, signal: AbortSignal | undefined): void {
  checkAborted(signal);
  if (isClientError(e) || !isNetworkFailure(e)) throw e;
}
