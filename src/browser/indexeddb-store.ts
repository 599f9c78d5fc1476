/**
 * The durable browser store (spec/client.md §5.6): IndexedDB, every value
 * sealed at rest under non-extractable WebCrypto keys kept in the same
 * database (at-rest-keys.ts), every batch one IndexedDB transaction with
 * strict durability, and one tab at a time (tab-lock.ts).
 *
 * Object stores: `meta` (the keys) and `entries`, keyed [namespace, tag] with
 * tag an HMAC of the key, so the database holds no value and no key name.
 * Sealing is asynchronous and an IndexedDB transaction commits as soon as it
 * has nothing pending, so a batch is sealed first and then written in one
 * transaction: it commits whole or not at all, even if the tab closes midway.
 */
import type { Bytes } from '../crypto/index.js';
import {
  StoreError, checkKey, checkNamespace, checkWrite, type Namespace, type Store, type StoreEntry, type StoreWrite,
} from '../store/index.js';
import { decodeStoreRecord, encodeStoreRecord } from '../store/store-record.js';
import { createAtRestKeys, isAtRestKeys, openRecord, sealRecord, slotTag, type AtRestKeys } from './at-rest-keys.js';
import { committed, openDatabase, request } from './idb.js';
import { takeTabLock } from './tab-lock.js';

export interface IndexedDbStoreOptions {
  /** The IndexedDB database, one per profile ("parley" by default). */
  readonly name?: string;
}

const DB_VERSION = 1;
const META = 'meta';
const ENTRIES = 'entries';
const KEYS = 'keys';

type Slot = [namespace: string, tag: ArrayBuffer];
type Prepared = { readonly slot: Slot; readonly sealed?: Bytes };

export class IndexedDbStore implements Store {
  readonly #db: IDBDatabase;
  readonly #keys: AtRestKeys;
  readonly #release: () => void;
  #closed = false;

  private constructor(db: IDBDatabase, keys: AtRestKeys, release: () => void) {
    this.#db = db;
    this.#keys = keys;
    this.#release = release;
    // The browser may close the connection (storage cleared, database deleted elsewhere): later calls fail CLOSED.
    db.onclose = () => void this.close();
    db.onversionchange = () => void this.close();
  }

  /** Opens (or creates) the store; StoreError LOCKED if another tab or window has it open. */
  static async open(options: IndexedDbStoreOptions = {}): Promise<IndexedDbStore> {
    const name = options.name ?? 'parley';
    const release = await takeTabLock(`parley-store:${name}`);
    try {
      const db = await openDatabase(name, DB_VERSION, (d) => {
        if (!d.objectStoreNames.contains(META)) d.createObjectStore(META);
        if (!d.objectStoreNames.contains(ENTRIES)) d.createObjectStore(ENTRIES);
      });
      return new IndexedDbStore(db, await loadOrCreateKeys(db), release);
    } catch (e) {
      release();
      throw e;
    }
  }

  async get(namespace: Namespace, key: string): Promise<Bytes | undefined> {
    this.#open();
    checkNamespace(namespace);
    checkKey(key);
    const slot = await this.#slot(namespace, key);
    const sealed = await request(this.#tx('readonly').objectStore(ENTRIES).get(slot)) as unknown;
    if (sealed === undefined) return undefined;
    const entry = await this.#unseal(slot, sealed);
    if (entry.key !== key) throw new StoreError('CORRUPT', 'a record does not belong to its slot');
    return entry.value;
  }

  async list(namespace: Namespace): Promise<readonly StoreEntry[]> {
    this.#open();
    checkNamespace(namespace);
    // [ns] sorts before every [ns, tag] and [ns, []] after them (arrays sort after binary keys).
    const range = IDBKeyRange.bound([namespace], [namespace, []]);
    const store = this.#tx('readonly').objectStore(ENTRIES);
    const [slots, values] = await Promise.all([request(store.getAllKeys(range)), request(store.getAll(range))]);
    const entries = await Promise.all(values.map((v: unknown, i) => this.#unseal(slots[i] as Slot, v)));
    return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async write(batch: readonly StoreWrite[]): Promise<void> {
    this.#open();
    for (const w of batch) checkWrite(w);
    const prepared = await Promise.all(batch.map((w) => this.#prepare(w)));
    this.#open();
    const tx = this.#tx('readwrite');
    const done = committed(tx);
    const entries = tx.objectStore(ENTRIES);
    for (const p of prepared) {
      if (p.sealed === undefined) entries.delete(p.slot);
      else entries.put(p.sealed, p.slot);
    }
    try {
      await done;
    } catch {
      throw new StoreError('FAILED', 'the browser refused the batch (quota, or the database closed); none of it was applied');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
    this.#release();
  }

  toJSON(): string {
    return '[IndexedDbStore]';
  }

  #open(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the store is closed');
  }

  #tx(mode: IDBTransactionMode): IDBTransaction {
    try {
      // strict: the batch is on disk when write() resolves (client.md §5.1 acknowledges only after that).
      return this.#db.transaction(ENTRIES, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
    } catch {
      // The browser closed the connection under us (storage cleared, database deleted).
      throw new StoreError('CLOSED', 'the browser closed the database');
    }
  }

  async #slot(namespace: Namespace, key: string): Promise<Slot> {
    const tag = await slotTag(this.#keys, namespace, key);
    return [namespace, tag.buffer as ArrayBuffer];
  }

  async #prepare(w: StoreWrite): Promise<Prepared> {
    const slot = await this.#slot(w.namespace, w.key);
    if (w.op === 'delete') return { slot };
    return { slot, sealed: await sealRecord(this.#keys, new Uint8Array(slot[1]), encodeStoreRecord(w.key, w.value)) };
  }

  async #unseal(slot: Slot, sealed: unknown): Promise<StoreEntry> {
    if (!(sealed instanceof Uint8Array)) throw new StoreError('CORRUPT', 'a record is not bytes');
    return decodeStoreRecord(await openRecord(this.#keys, new Uint8Array(slot[1]), sealed));
  }
}

/** The keys of this database, created with it; entries without keys cannot be opened again (CORRUPT). */
async function loadOrCreateKeys(db: IDBDatabase): Promise<AtRestKeys> {
  const stored = await request(db.transaction(META, 'readonly').objectStore(META).get(KEYS)) as unknown;
  if (isAtRestKeys(stored)) return stored;
  if (stored !== undefined) throw new StoreError('CORRUPT', 'the at-rest keys are unreadable');
  const entries = await request(db.transaction(ENTRIES, 'readonly').objectStore(ENTRIES).count());
  if (entries > 0) throw new StoreError('CORRUPT', 'the at-rest keys are missing');
  const keys = await createAtRestKeys();
  const tx = db.transaction(META, 'readwrite', { durability: 'strict' });
  const done = committed(tx);
  tx.objectStore(META).put(keys, KEYS);
  await done;
  return keys;
}
