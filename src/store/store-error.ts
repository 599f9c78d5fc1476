/**
 * Errors of a store: API misuse and storage failures, never protocol input.
 * Callers branch on `code`; messages name no key or value.
 */
export type StoreErrorCode =
  | 'CLOSED' // the store was closed
  | 'INVALID_WRITE' // a write names an unknown namespace, a bad key, or a value that is not bytes
  | 'WRONG_KEY' // the at-rest key does not open this store
  | 'LOCKED' // another process (or connection) has this store open
  | 'CORRUPT' // a stored record fails authentication or decoding
  | 'FAILED' // the storage refused a batch (quota, the browser closed the database): none of it was applied; on Node, a failed commit or sync: the batch is not durable, and every later call fails too
  | 'CRASHED'; // the store's worker thread stopped (Node): a pending batch may or may not have been applied; every later call fails too

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
