/**
 * The client stores of the end-to-end bench, by kind: MemoryStore, or the
 * encrypted SqliteStore (durable per batch, group commit in its worker thread) in a file of the process's temp
 * directory with its key file beside it. Either reopens with the client's
 * data after a close, as a device's storage survives the app being closed:
 * the SQLite file is simply opened again, and the memory store is kept
 * across closes (MemoryStore itself refuses every call once closed).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore, type Namespace, type Store, type StoreEntry, type StoreWrite } from '../src/index.js';
import { loadOrCreateKeyFile, SqliteStore } from '../src/node/index.js';
import type { StoreKind } from './e2e-protocol.js';

/** A MemoryStore whose close() keeps the data, for a client to reopen on. */
class KeptMemoryStore implements Store {
  readonly #inner = new MemoryStore();

  get(namespace: Namespace, key: string): Promise<Uint8Array | undefined> {
    return this.#inner.get(namespace, key);
  }

  list(namespace: Namespace): Promise<readonly StoreEntry[]> {
    return this.#inner.list(namespace);
  }

  write(batch: readonly StoreWrite[]): Promise<void> {
    return this.#inner.write(batch);
  }

  async close(): Promise<void> {
    // kept: the client reopens on the same data
  }
}

export class BenchStores {
  readonly #memory = new Map<string, KeptMemoryStore>();

  constructor(private readonly dir: string) {}

  /** Client `name`'s store (created on first use, its data kept on later calls). */
  open(name: string, kind: StoreKind): Store {
    if (kind === 'sqlite') {
      return SqliteStore.open({ path: join(this.dir, `${name}.db`), key: loadOrCreateKeyFile(join(this.dir, `${name}.key`)) });
    }
    let store = this.#memory.get(name);
    if (store === undefined) this.#memory.set(name, (store = new KeptMemoryStore()));
    return store;
  }

  /** Forgets every client's data (their clients must be closed). */
  removeAll(): void {
    this.#memory.clear();
    for (const file of readdirSync(this.dir)) rmSync(join(this.dir, file), { force: true });
  }
}
