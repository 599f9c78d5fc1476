/** Checks shared by every Store implementation, so they reject the same writes. */
import { MAX_STORE_KEY_LENGTH, NAMESPACES, type Namespace, type StoreWrite } from './store.js';
import { StoreError } from './store-error.js';

const known = new Set<string>(NAMESPACES);

export function checkNamespace(namespace: unknown): asserts namespace is Namespace {
  if (typeof namespace !== 'string' || !known.has(namespace)) throw new StoreError('INVALID_WRITE', 'unknown namespace');
}

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_STORE_KEY_LENGTH) {
    throw new StoreError('INVALID_WRITE', `key must be a string of 1..${MAX_STORE_KEY_LENGTH} characters`);
  }
}

export function checkWrite(w: StoreWrite): void {
  checkNamespace(w.namespace);
  checkKey(w.key);
  if (w.op === 'put') {
    if (!(w.value instanceof Uint8Array)) throw new StoreError('INVALID_WRITE', 'value must be bytes');
  } else if (w.op !== 'delete') {
    throw new StoreError('INVALID_WRITE', 'unknown operation');
  }
}
