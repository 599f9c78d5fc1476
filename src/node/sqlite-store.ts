/**
 * The durable Node store (spec/client.md §5.2): SQLite through better-sqlite3
 * in WAL mode with synchronous=FULL, every value encrypted at rest under a
 * key the app provides, every batch one transaction.
 *
 * At rest, a record is (nsTag, keyTag, nonce, sealed) where
 *   nsTag  = HMAC(nameKey, "ns" || namespace)
 *   keyTag = HMAC(nameKey, "key" || u8(len(namespace)) || namespace || key)
 *   sealed = XAEAD_SEAL(valueKey, nonce, msgpack {k: key, v: value}, nsTag || keyTag)
 * so the file reveals neither the values nor the key names (peer ids, group
 * ids, message ids), and a record moved to another slot does not open.
 *
 * The nonce is random and 24 bytes (XChaCha20-Poly1305): one valueKey seals
 * every write of the store's life, and random 96-bit nonces would near a
 * 2⁻³² collision chance after 2³² writes. Rows written before with a 12-byte
 * nonce (ChaCha20-Poly1305) still open, chosen by the nonce's length, and are
 * rewritten with a 24-byte nonce the next time they are written.
 *
 * Threads (§5.2): the database connection lives in a worker thread
 * (sqlite-worker.ts), which commits batches in groups and syncs them off the
 * app's thread; a write's promise resolves once its batch is durable. Keys,
 * sealing and opening stay on this thread: only sealed rows cross. A read of
 * a key the store never held is answered here, from a filter of the key tags
 * (key-filter.ts), without a round trip to the worker.
 */
import {
  AEAD_NONCE_LENGTH, aeadOpen, aeadSeal, concatBytes, hkdf, hmacSha256, split, systemRandom, utf8, XAEAD_NONCE_LENGTH, xaeadOpen,
  xaeadSeal, type Bytes, type RandomSource,
} from '../crypto/index.js';
import { STORE_CHECK_LABEL, STORE_CHECKPOINT_EVERY, STORE_KEYS_INFO } from '../constants.js';
import { isProtocolError } from '../errors.js';
import {
  StoreError, checkKey, checkNamespace, checkWrite, type Namespace, type Store, type StoreEntry, type StoreWrite,
} from '../store/index.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readString } from '../wire/codec.js';
import { KeyFilter } from './key-filter.js';
import { packRows, type FilterWords, type MetaRows, type RowWrite, type SealedRow } from './sqlite-messages.js';
import { StoreThread } from './sqlite-thread.js';

export interface SqliteStoreOptions {
  /** File path (created if missing). */
  readonly path: string;
  /** The 32-byte at-rest key: from the OS keychain, a passphrase KDF, or a key file (see file-key.ts). */
  readonly key: Bytes;
  /** Source of salts and nonces; systemRandom by default. */
  readonly random?: RandomSource;
}

/** The key-check record's nonce (§5.2): drawn once per store for its one seal, so 12 bytes are safe there. */
const NONCE_LENGTH = 12;
const SALT_LENGTH = 32;
const FORMAT = 1;
const MAX_RECORD = 4 * 1024 * 1024;

interface Keys { readonly valueKey: Bytes; readonly nameKey: Bytes }

const threads = new WeakMap<SqliteStore, StoreThread>();

export class SqliteStore implements Store {
  /** Batches are durable in call order; a failure stops the store (§5.2). */
  readonly ordered = true;
  readonly #thread: StoreThread;
  readonly #keys: Keys;
  readonly #random: RandomSource;
  readonly #nsTags = new Map<string, Bytes>();
  /** Every key tag written or read from the rows: a get of any other key is answered without the worker. */
  #filter: KeyFilter | undefined;
  /** Tags put since the filter being built was asked for (added to it when it comes); undefined: none is being built. */
  #unfiltered: Bytes[] | undefined;
  #closed: Promise<void> | undefined;

  private constructor(thread: StoreThread, keys: Keys, random: RandomSource) {
    this.#thread = thread;
    this.#keys = keys;
    this.#random = random;
    threads.set(this, thread);
  }

  /**
   * Opens or creates the store; throws StoreError WRONG_KEY if `key` is not the key the file was created with,
   * LOCKED if another process (or connection) has it open: two writers would reuse session keys and nonces.
   * Synchronous: it waits for the worker to open the database and take its lock.
   */
  static open(options: SqliteStoreOptions): SqliteStore {
    if (!(options.key instanceof Uint8Array) || options.key.length !== 32) throw new StoreError('WRONG_KEY', 'the store key must be 32 bytes');
    const random = options.random ?? systemRandom;
    const thread = new StoreThread(options.path, STORE_CHECKPOINT_EVERY);
    try {
      const keys = openKeys(thread, options.key, random);
      thread.listen();
      const store = new SqliteStore(thread, keys, random);
      store.#buildFilter();
      return store;
    } catch (e) {
      // The thread's exit closes its connection and releases the lock.
      void thread.terminate();
      throw e;
    }
  }

  async get(namespace: Namespace, key: string): Promise<Bytes | undefined> {
    this.#open();
    checkNamespace(namespace);
    checkKey(key);
    const nsTag = this.#nsTag(namespace);
    const keyTag = this.#keyTag(namespace, key);
    if (this.#filter?.mayHold(keyTag) === false) {
      // Never held: no row to read. A store that has stopped still says so, as the worker would.
      const failure = this.#thread.failure;
      if (failure !== undefined) throw failure;
      return undefined;
    }
    const row = await this.#thread.call<SealedRow | undefined>({ op: 'get', nsTag, keyTag });
    if (row === undefined) return undefined;
    const entry = this.#unsealRow(nsTag, row);
    if (entry.key !== key) throw new StoreError('CORRUPT', 'a record does not belong to its slot');
    return entry.value;
  }

  async list(namespace: Namespace): Promise<readonly StoreEntry[]> {
    this.#open();
    checkNamespace(namespace);
    const nsTag = this.#nsTag(namespace);
    const rows = await this.#thread.call<readonly SealedRow[]>({ op: 'list', nsTag });
    const entries = rows.map((row) => this.#unsealRow(nsTag, row));
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return entries;
  }

  /**
   * Resolves once the batch is durable. Every write is checked and sealed before
   * any is sent, so a bad write rejects the batch with nothing sent; batches
   * become durable in the order they were written (sqlite-worker.ts).
   */
  async write(batch: readonly StoreWrite[]): Promise<void> {
    this.#open();
    for (const w of batch) checkWrite(w);
    const rows = batch.map((w) => this.#seal(w));
    const written = this.#thread.call<void>({ op: 'write', rows: packRows(rows) });
    for (const row of rows) if (row.sealed !== undefined) this.#filtered(row.keyTag);
    await written;
  }

  /** Waits for every request already made (writes durable), then closes the database. */
  close(): Promise<void> {
    this.#closed ??= this.#thread.close();
    return this.#closed;
  }

  toJSON(): string {
    return '[SqliteStore]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[SqliteStore]';
  }

  #open(): void {
    if (this.#closed !== undefined) throw new StoreError('CLOSED', 'the store is closed');
  }

  #seal(w: StoreWrite): RowWrite {
    const nsTag = this.#nsTag(w.namespace);
    const keyTag = this.#keyTag(w.namespace, w.key);
    if (w.op === 'delete') return { nsTag, keyTag };
    const nonce = this.#random(XAEAD_NONCE_LENGTH);
    const plaintext = encodeMsgpack({ k: w.key, v: w.value });
    return { nsTag, keyTag, nonce, sealed: xaeadSeal(this.#keys.valueKey, nonce, plaintext, concatBytes(nsTag, keyTag)) };
  }

  /** A tag put: the filter must hold it, and so must the one being built. A full filter is rebuilt from the rows. */
  #filtered(keyTag: Bytes): void {
    this.#filter?.add(keyTag);
    this.#unfiltered?.push(keyTag);
    if (this.#filter?.full === true && this.#unfiltered === undefined) this.#buildFilter();
  }

  /**
   * Asks the worker for a filter of every row's tag. Until it comes, the current filter (or, at first, the worker)
   * answers; tags put after the request are added to it on arrival, since the worker read the rows before them.
   */
  #buildFilter(): void {
    const unfiltered: Bytes[] = [];
    this.#unfiltered = unfiltered;
    this.#thread.call<FilterWords | undefined>({ op: 'filter' }).then((built) => {
      if (built === undefined) return;
      const filter = KeyFilter.from(new Uint8Array(built.words), built.keys);
      for (const tag of unfiltered) filter.add(tag);
      this.#filter = filter;
    }, () => undefined).finally(() => {
      if (this.#unfiltered === unfiltered) this.#unfiltered = undefined;
    });
  }

  #nsTag(namespace: Namespace): Bytes {
    let tag = this.#nsTags.get(namespace);
    if (tag === undefined) {
      tag = hmacSha256(this.#keys.nameKey, concatBytes(utf8('ns'), utf8(namespace)));
      this.#nsTags.set(namespace, tag);
    }
    return tag;
  }

  #keyTag(namespace: Namespace, key: string): Bytes {
    const ns = utf8(namespace);
    return hmacSha256(this.#keys.nameKey, concatBytes(utf8('key'), Uint8Array.of(ns.length), ns, utf8(key)));
  }

  #unsealRow(nsTag: Bytes, row: SealedRow): StoreEntry {
    try {
      const keyTag = new Uint8Array(row.key_tag);
      const plaintext = openRow(this.#keys.valueKey, new Uint8Array(row.nonce), new Uint8Array(row.sealed), concatBytes(nsTag, keyTag));
      const map = readMap(decodeMsgpack(plaintext, MAX_RECORD, 'store record'), 'store record', ['k', 'v']);
      return { key: readString(map, 'store record', 'k', 256), value: readBytes(map, 'store record', 'v', { min: 0, max: MAX_RECORD }) };
    } catch (e) {
      if (isProtocolError(e)) throw new StoreError('CORRUPT', 'a record fails authentication or decoding');
      throw e;
    }
  }
}

/** For tests: the worker thread of `store`, to observe or break it. */
export function storeWorkerOf(store: SqliteStore): StoreThread['worker'] | undefined {
  return threads.get(store)?.worker;
}

/** Opens a row by its nonce's length: 24 bytes XChaCha20-Poly1305, 12 bytes (rows of earlier versions) ChaCha20-Poly1305. */
function openRow(key: Bytes, nonce: Bytes, sealed: Bytes, ad: Bytes): Bytes {
  return nonce.length === AEAD_NONCE_LENGTH ? aeadOpen(key, nonce, sealed, ad) : xaeadOpen(key, nonce, sealed, ad);
}

/** Derives the keys, creating the salt and the key-check record (one transaction) on first use. */
function openKeys(thread: StoreThread, key: Bytes, random: RandomSource): Keys {
  const meta = thread.callSync<MetaRows>({ op: 'open' });
  const salt = meta.salt === undefined ? random(SALT_LENGTH) : new Uint8Array(meta.salt);
  const [valueKey, nameKey] = split(hkdf(key, salt, utf8(STORE_KEYS_INFO), 64), 32, 32) as [Bytes, Bytes];
  const checkAd = utf8('meta/check');
  if (meta.salt === undefined) {
    const nonce = random(NONCE_LENGTH);
    const check = concatBytes(nonce, aeadSeal(valueKey, nonce, utf8(STORE_CHECK_LABEL), checkAd));
    thread.callSync<void>({ op: 'init', meta: [['salt', salt], ['format', Uint8Array.of(FORMAT)], ['check', check]] });
    return { valueKey, nameKey };
  }
  if (meta.check === undefined) throw new StoreError('CORRUPT', 'the key-check record is missing');
  const c = new Uint8Array(meta.check);
  try {
    aeadOpen(valueKey, c.subarray(0, NONCE_LENGTH), c.subarray(NONCE_LENGTH), checkAd);
  } catch {
    throw new StoreError('WRONG_KEY', 'the key does not open this store');
  }
  return { valueKey, nameKey };
}
