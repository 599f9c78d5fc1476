/**
 * An in-memory Store: for tests, browsers without persistence, and as the
 * reference behaviour the durable stores match. A batch is validated in full
 * and then applied to a copy that replaces the live maps, so a failing batch
 * leaves everything as it was.
 */
import type { Bytes } from '../crypto/index.js';
import type { Namespace, Store, StoreEntry, StoreWrite } from './store.js';
import { StoreError } from './store-error.js';
import { checkKey, checkNamespace, checkWrite } from './validate.js';

export class MemoryStore implements Store {
  #data = new Map<Namespace, Map<string, Bytes>>();
  #closed = false;

  async get(namespace: Namespace, key: string): Promise<Bytes | undefined> {
    this.#open();
    checkNamespace(namespace);
    checkKey(key);
    return this.#data.get(namespace)?.get(key)?.slice();
  }

  async list(namespace: Namespace): Promise<readonly StoreEntry[]> {
    this.#open();
    checkNamespace(namespace);
    const entries = [...(this.#data.get(namespace) ?? new Map<string, Bytes>()).entries()];
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.map(([key, value]) => ({ key, value: value.slice() }));
  }

  async write(batch: readonly StoreWrite[]): Promise<void> {
    this.#open();
    for (const w of batch) checkWrite(w);
    const next = new Map(this.#data);
    const copied = new Set<Namespace>();
    for (const w of batch) {
      if (!copied.has(w.namespace)) {
        next.set(w.namespace, new Map(next.get(w.namespace) ?? []));
        copied.add(w.namespace);
      }
      const ns = next.get(w.namespace) as Map<string, Bytes>;
      if (w.op === 'put') ns.set(w.key, w.value.slice());
      else ns.delete(w.key);
    }
    this.#data = next;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the store is closed');
  }
}
