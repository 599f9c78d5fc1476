/**
 * Detecting a store restored from a backup (spec/client.md §5.7).
 *
 * Message keys, and the AEAD nonces derived from them, repeat if a session is
 * used again from an older copy of its state (spec/protocol.md §6.2). A copy
 * is byte-identical to what it copies, so only a value kept OUTSIDE the store
 * and its backups can tell: the store's *generation*. Every batch that
 * writes session or group state first raises the generation at the guard
 * (outside), then commits the same generation with the batch (inside). On
 * open, a guard ahead of the store means the store is older than the last
 * state this device used: restored (or copied), so no session in it may send.
 *
 * A crash between the two writes, or a failed batch, leaves the guard ahead
 * too and is taken for a restore: that costs new sessions (a handshake each),
 * never a reused key.
 */
import type { Bytes } from '../crypto/index.js';
import { put, type Namespace, type Store, type StoreEntry, type StoreWrite } from './store.js';
import { StoreError } from './store-error.js';

/** Where the generation lives outside the store (a file beside it, the OS keychain, platform secure storage). */
export interface RestoreGuard {
  /** The generation last written, or 0 if none ever was. */
  read(): Promise<number>;
  /** Records `generation` durably before resolving; called with increasing values, one at a time. */
  write(generation: number): Promise<void>;
}

/** A guard in memory: for tests, and to show what a guard must do. */
export class MemoryRestoreGuard implements RestoreGuard {
  #generation = 0;
  async read(): Promise<number> {
    return this.#generation;
  }
  async write(generation: number): Promise<void> {
    this.#generation = generation;
  }
}

/** Where the store keeps its own copy of the generation. */
const GENERATION_SLOT = { namespace: 'identity', key: 'generation' } as const;
/** The namespaces whose state derives message keys: writing them advances the generation. */
const GUARDED: readonly Namespace[] = ['sessions', 'groups'];

function encodeGeneration(g: number): Bytes {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(g));
  return out;
}

function decodeGeneration(bytes: Bytes | undefined): number {
  if (bytes === undefined) return 0;
  if (bytes.length !== 8) throw new StoreError('CORRUPT', 'the store generation is not 8 bytes');
  const g = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  if (g > BigInt(Number.MAX_SAFE_INTEGER)) throw new StoreError('CORRUPT', 'the store generation is out of range');
  return Number(g);
}

/** A Store that advances the generation (guard first, then in the batch) on every write of session or group state. */
export class GuardedStore implements Store {
  readonly #inner: Store;
  readonly #guard: RestoreGuard;
  #generation: number;
  /** Guarded batches, one at a time, so that generations reach both places in order. */
  #chain: Promise<void> = Promise.resolve();

  private constructor(inner: Store, guard: RestoreGuard, generation: number) {
    this.#inner = inner;
    this.#guard = guard;
    this.#generation = generation;
  }

  /**
   * Compares the generations and starts a new one. `restored` is true when
   * the guard is ahead of the store: the caller must retire every session and
   * sender key in it before using them (client.md §5.7).
   */
  static async open(inner: Store, guard: RestoreGuard): Promise<{ store: GuardedStore; restored: boolean }> {
    const inStore = decodeGeneration(await inner.get(GENERATION_SLOT.namespace, GENERATION_SLOT.key));
    const outside = await guard.read();
    const store = new GuardedStore(inner, guard, Math.max(inStore, outside));
    return { store, restored: outside > inStore };
  }

  get(namespace: Namespace, key: string): Promise<Bytes | undefined> {
    return this.#inner.get(namespace, key);
  }

  list(namespace: Namespace): Promise<readonly StoreEntry[]> {
    return this.#inner.list(namespace);
  }

  async write(batch: readonly StoreWrite[]): Promise<void> {
    if (!batch.some((w) => GUARDED.includes(w.namespace))) return this.#inner.write(batch);
    const run = this.#chain.then(async () => {
      const generation = ++this.#generation;
      await this.#guard.write(generation);
      await this.#inner.write([...batch, put(GENERATION_SLOT.namespace, GENERATION_SLOT.key, encodeGeneration(generation))]);
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
