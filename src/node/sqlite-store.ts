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
 */
import Database from 'better-sqlite3';
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
interface Row { readonly nonce: Uint8Array; readonly sealed: Uint8Array; readonly key_tag: Uint8Array }

/** The statements of a store, prepared once at open (preparing one costs more than running it). */
function prepareStatements(db: Database.Database) {
  return {
    get: db.prepare('SELECT key_tag, nonce, sealed FROM entries WHERE ns_tag = ? AND key_tag = ?'),
    list: db.prepare('SELECT key_tag, nonce, sealed FROM entries WHERE ns_tag = ?'),
    insert: db.prepare('INSERT OR REPLACE INTO entries (ns_tag, key_tag, nonce, sealed) VALUES (?, ?, ?, ?)'),
    remove: db.prepare('DELETE FROM entries WHERE ns_tag = ? AND key_tag = ?'),
  };
}

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #keys: Keys;
  readonly #random: RandomSource;
  readonly #nsTags = new Map<string, Bytes>();
  readonly #sql: ReturnType<typeof prepareStatements>;
  #closed = false;
  #sinceCheckpoint = 0;

  private constructor(db: Database.Database, keys: Keys, random: RandomSource) {
    this.#db = db;
    this.#keys = keys;
    this.#random = random;
    this.#sql = prepareStatements(db);
  }

  /**
   * Opens or creates the store; throws StoreError WRONG_KEY if `key` is not the key the file was created with,
   * LOCKED if another process (or connection) has it open: two writers would reuse session keys and nonces.
   */
  static open(options: SqliteStoreOptions): SqliteStore {
    if (!(options.key instanceof Uint8Array) || options.key.length !== 32) throw new StoreError('WRONG_KEY', 'the store key must be 32 bytes');
    const random = options.random ?? systemRandom;
    const db = new Database(options.path, { timeout: 0 });
    try {
      // The exclusive lock is taken now and held until close (client.md §5.2).
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('secure_delete = ON');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('BEGIN EXCLUSIVE; COMMIT;');
      db.exec(`CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS entries (ns_tag BLOB NOT NULL, key_tag BLOB NOT NULL, nonce BLOB NOT NULL, sealed BLOB NOT NULL,
          PRIMARY KEY (ns_tag, key_tag)) WITHOUT ROWID;`);
      const keys = db.transaction(() => openKeys(db, options.key, random))();
      return new SqliteStore(db, keys, random);
    } catch (e) {
      db.close();
      if (isBusy(e)) throw new StoreError('LOCKED', 'the store is open in another process');
      throw e;
    }
  }

  async get(namespace: Namespace, key: string): Promise<Bytes | undefined> {
    this.#open();
    checkNamespace(namespace);
    checkKey(key);
    const nsTag = this.#nsTag(namespace);
    const keyTag = this.#keyTag(namespace, key);
    const row = this.#sql.get.get(nsTag, keyTag) as Row | undefined;
    if (row === undefined) return undefined;
    const entry = this.#unsealRow(nsTag, row);
    if (entry.key !== key) throw new StoreError('CORRUPT', 'a record does not belong to its slot');
    return entry.value;
  }

  async list(namespace: Namespace): Promise<readonly StoreEntry[]> {
    this.#open();
    checkNamespace(namespace);
    const nsTag = this.#nsTag(namespace);
    const rows = this.#sql.list.all(nsTag) as Row[];
    const entries = rows.map((row) => this.#unsealRow(nsTag, row));
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return entries;
  }

  async write(batch: readonly StoreWrite[]): Promise<void> {
    this.#open();
    const { insert, remove } = this.#sql;
    // Each write is checked and sealed inside the transaction: an error on the
    // n-th write rolls back the n−1 before it.
    this.#db.transaction(() => {
      for (const w of batch) {
        checkWrite(w);
        const nsTag = this.#nsTag(w.namespace);
        const keyTag = this.#keyTag(w.namespace, w.key);
        if (w.op === 'delete') {
          remove.run(nsTag, keyTag);
          continue;
        }
        const nonce = this.#random(XAEAD_NONCE_LENGTH);
        const plaintext = encodeMsgpack({ k: w.key, v: w.value });
        insert.run(nsTag, keyTag, nonce, xaeadSeal(this.#keys.valueKey, nonce, plaintext, concatBytes(nsTag, keyTag)));
      }
    })();
    // Deleted records are zeroed in the database (secure_delete); their old pages linger in the WAL until a checkpoint.
    if (++this.#sinceCheckpoint >= STORE_CHECKPOINT_EVERY) {
      this.#sinceCheckpoint = 0;
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    this.#db.close();
  }

  toJSON(): string {
    return '[SqliteStore]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[SqliteStore]';
  }

  #open(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the store is closed');
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

  #unsealRow(nsTag: Bytes, row: Row): StoreEntry {
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

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Derives the keys, creating the salt and the key-check record on first use. */
/** Opens a row by its nonce's length: 24 bytes XChaCha20-Poly1305, 12 bytes (rows of earlier versions) ChaCha20-Poly1305. */
function openRow(key: Bytes, nonce: Bytes, sealed: Bytes, ad: Bytes): Bytes {
  return nonce.length === AEAD_NONCE_LENGTH ? aeadOpen(key, nonce, sealed, ad) : xaeadOpen(key, nonce, sealed, ad);
}

function openKeys(db: Database.Database, key: Bytes, random: RandomSource): Keys {
  const getMeta = db.prepare('SELECT value FROM meta WHERE name = ?');
  const setMeta = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)');
  let salt = (getMeta.get('salt') as { value: Uint8Array } | undefined)?.value;
  const fresh = salt === undefined;
  if (salt === undefined) {
    salt = random(SALT_LENGTH);
    setMeta.run('salt', salt);
    setMeta.run('format', Uint8Array.of(FORMAT));
  }
  const [valueKey, nameKey] = split(hkdf(key, new Uint8Array(salt), utf8(STORE_KEYS_INFO), 64), 32, 32) as [Bytes, Bytes];
  const checkAd = utf8('meta/check');
  if (fresh) {
    const nonce = random(NONCE_LENGTH);
    setMeta.run('check', concatBytes(nonce, aeadSeal(valueKey, nonce, utf8(STORE_CHECK_LABEL), checkAd)));
  } else {
    const check = (getMeta.get('check') as { value: Uint8Array } | undefined)?.value;
    if (check === undefined) throw new StoreError('CORRUPT', 'the key-check record is missing');
    const c = new Uint8Array(check);
    try {
      aeadOpen(valueKey, c.subarray(0, NONCE_LENGTH), c.subarray(NONCE_LENGTH), checkAd);
    } catch {
      throw new StoreError('WRONG_KEY', 'the key does not open this store');
    }
  }
  return { valueKey, nameKey };
}
