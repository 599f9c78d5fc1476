/**
 * Runs in Chromium: IndexedDbStore driven by the test through window.storeApi.
 * Values cross the page boundary as hex strings; errors as { code }.
 */
import { fromHex, toHex } from '../../src/crypto/index.js';
import { IndexedDbStore } from '../../src/browser/index.js';
import { isStoreError, type Namespace, type StoreWrite } from '../../src/store/index.js';

type Op = readonly ['put', Namespace, string, string] | readonly ['delete', Namespace, string];
type Result<T> = { ok: T } | { code: string };

const open = new Map<string, IndexedDbStore>();

async function attempt<T>(f: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: await f() };
  } catch (e) {
    if (isStoreError(e)) return { code: e.code };
    throw e;
  }
}

function store(name: string): IndexedDbStore {
  const s = open.get(name);
  if (s === undefined) throw new Error(`store ${name} is not open in this page`);
  return s;
}

const toWrite = (op: Op): StoreWrite => (op[0] === 'put'
  ? { op: 'put', namespace: op[1], key: op[2], value: fromHex(op[3]) }
  : { op: 'delete', namespace: op[1], key: op[2] });

/** The database's raw contents, as an attacker reading the profile's IndexedDB would see them. */
async function raw(name: string): Promise<{ keys: string[]; values: string[]; metaExtractable: boolean[]; exportRefused: boolean }> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const get = <T>(storeName: string, what: 'getAll' | 'getAllKeys'): Promise<T[]> => new Promise((resolve, reject) => {
    const req = db.transaction(storeName).objectStore(storeName)[what]();
    req.onsuccess = () => resolve(req.result as T[]);
    req.onerror = () => reject(req.error);
  });
  const keys = (await get<[string, ArrayBuffer]>('entries', 'getAllKeys')).map(([ns, tag]) => `${ns}/${toHex(new Uint8Array(tag))}`);
  const values = (await get<Uint8Array>('entries', 'getAll')).map((v) => toHex(v));
  const meta = await get<Record<string, CryptoKey>>('meta', 'getAll');
  const cryptoKeys = meta.flatMap((m) => Object.values(m));
  let exportRefused = true;
  for (const k of cryptoKeys) {
    try {
      await crypto.subtle.exportKey('raw', k);
      exportRefused = false;
    } catch { /* non-extractable */ }
  }
  db.close();
  return { keys, values, metaExtractable: cryptoKeys.map((k) => k.extractable), exportRefused };
}

/** Copies the first sealed record over the second slot (a record moved by someone with the files). */
async function moveRecord(name: string): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const keys = await new Promise<IDBValidKey[]>((resolve) => {
    const req = db.transaction('entries').objectStore('entries').getAllKeys();
    req.onsuccess = () => resolve(req.result);
  });
  const tx = db.transaction('entries', 'readwrite');
  const os = tx.objectStore('entries');
  const req = os.get(keys[0]!);
  req.onsuccess = () => os.put(req.result, keys[1]!);
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}

const api = {
  open: (name: string) => attempt(async () => {
    open.set(name, await IndexedDbStore.open({ name }));
    return true;
  }),
  write: (name: string, ops: Op[]) => attempt(() => store(name).write(ops.map(toWrite)).then(() => true)),
  /** Starts a batch and returns at once: the test closes or crashes the tab while it runs. */
  startWrite: (name: string, ops: Op[]) => {
    void store(name).write(ops.map(toWrite)).catch(() => undefined);
    return true;
  },
  get: (name: string, ns: Namespace, key: string) => attempt(async () => {
    const v = await store(name).get(ns, key);
    return v === undefined ? null : toHex(v);
  }),
  list: (name: string, ns: Namespace) => attempt(async () => (await store(name).list(ns)).map((e) => [e.key, toHex(e.value)] as const)),
  close: (name: string) => attempt(async () => {
    await store(name).close();
    open.delete(name);
    return true;
  }),
  raw,
  moveRecord,
  /** Deletes the database as "clear site data" would; an open store must let go of it. */
  deleteDatabase: (name: string) => new Promise<boolean>((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve(true);
    req.onerror = () => reject(req.error);
  }),
};

declare global {
  interface Window { storeApi: typeof api }
}
window.storeApi = api;
