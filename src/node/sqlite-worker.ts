/**
 * The SQLite store's worker thread (spec/client.md §5.2): it owns the one
 * database connection, so neither a commit nor its fsync runs on the app's
 * thread.
 *
 * Group commit. Requests are handled in the order they were sent. Every
 * request waiting when the worker takes its turn is handled in that turn, and
 * the batches among them form one transaction. Its commit writes the WAL
 * without syncing (synchronous = NORMAL); the worker then syncs the WAL file
 * itself (fdatasync, on the libuv pool) and answers each batch only once a
 * sync that began after its commit has finished — the same guarantee as
 * synchronous = FULL. While a sync runs, the worker keeps serving reads and
 * commits the next batches, which the next sync covers: many batches per
 * fsync under load, one fsync per batch when idle.
 *
 * Order and failure. A read sees every batch sent before it (committed or in
 * the open transaction). A batch is answered only when it and every batch
 * before it are durable. After a failed statement, commit or sync, the batch
 * and every later request fail FAILED: the main thread may have issued later
 * batches computed from the failed one's state, and none of them may land.
 */
import { closeSync, fdatasync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { KeyFilter } from './key-filter.js';
import { unpackRows, type SealedRow, type WorkerData, type WorkerFailure, type WorkerReply, type WorkerRequest } from './sqlite-messages.js';

const data = workerData as WorkerData;
const port: MessagePort = data.port;
const replies = new Int32Array(data.replies);

let db: Database.Database | undefined;
let sql: ReturnType<typeof prepareStatements> | undefined;
/** The first failure: every later request gets it. */
let failure: WorkerFailure | undefined;
/** Batches committed and not yet covered by a finished sync. */
let committed: number[] = [];
let syncing = false;
/** Commits since the last checkpoint. */
let sinceCheckpoint = 0;
/** Replies not yet posted: posted together by flush(), one message per turn or sync. */
let outgoing: WorkerReply[] = [];
/** The close request, answered once every committed batch is synced. */
let closing: number | undefined;
let wal: { fd: number; ino: number } | undefined;

function reply(message: WorkerReply): void {
  outgoing.push(message);
}

/** Posts the replies so far, in order, as one message. */
function flush(): void {
  if (outgoing.length === 0) return;
  port.postMessage(outgoing);
  outgoing = [];
  // Wakes the main thread if it waits synchronously (only while opening).
  Atomics.add(replies, 0, 1);
  Atomics.notify(replies, 0);
}

const fail = (id: number, f: WorkerFailure): void => reply({ id, ok: false, failure: f });

function storageFailure(e: unknown): WorkerFailure {
  const code = (e as { code?: unknown } | null)?.code;
  // The SQLite or errno code says what failed (SQLITE_FULL, EIO) without any stored bytes.
  return { code: 'FAILED', message: `the storage failed a commit (${typeof code === 'string' ? code : 'error'}); reopen the store` };
}

function prepareStatements(d: Database.Database) {
  return {
    get: d.prepare('SELECT key_tag, nonce, sealed FROM entries WHERE ns_tag = ? AND key_tag = ?'),
    list: d.prepare('SELECT key_tag, nonce, sealed FROM entries WHERE ns_tag = ?'),
    count: d.prepare('SELECT count(*) FROM entries').pluck(),
    tags: d.prepare('SELECT key_tag FROM entries').pluck(),
    insert: d.prepare('INSERT OR REPLACE INTO entries (ns_tag, key_tag, nonce, sealed) VALUES (?, ?, ?, ?)'),
    remove: d.prepare('DELETE FROM entries WHERE ns_tag = ? AND key_tag = ?'),
    getMeta: d.prepare('SELECT value FROM meta WHERE name = ?'),
    setMeta: d.prepare('INSERT INTO meta (name, value) VALUES (?, ?)'),
  };
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Opens the database and takes its exclusive lock (held until close, §5.2); answers the meta rows. */
function open(id: number): void {
  let d: Database.Database;
  try {
    d = new Database(data.path, { timeout: 0 });
  } catch (e) {
    return fail(id, storageFailure(e));
  }
  try {
    d.pragma('locking_mode = EXCLUSIVE');
    d.pragma('secure_delete = ON');
    d.pragma('journal_mode = WAL');
    // NORMAL: a commit does not sync the WAL; syncWal() does, before any batch is answered.
    d.pragma('synchronous = NORMAL');
    d.exec('BEGIN EXCLUSIVE; COMMIT;');
    d.exec(`CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS entries (ns_tag BLOB NOT NULL, key_tag BLOB NOT NULL, nonce BLOB NOT NULL, sealed BLOB NOT NULL,
        PRIMARY KEY (ns_tag, key_tag)) WITHOUT ROWID;`);
    db = d;
    sql = prepareStatements(d);
  } catch (e) {
    d.close();
    fail(id, isBusy(e) ? { code: 'LOCKED', message: 'the store is open in another process' } : storageFailure(e));
    return;
  }
  const meta = (name: string) => (sql?.getMeta.get(name) as { value: Uint8Array } | undefined)?.value;
  reply({ id, ok: true, value: { salt: meta('salt'), check: meta('check') } });
}

/** The WAL file, reopened if SQLite replaced it; its directory is synced once, when first seen (a new file's name must survive too). */
function walFd(): number {
  const path = `${data.path}-wal`;
  const ino = statSync(path).ino;
  if (wal?.ino === ino) return wal.fd;
  if (wal !== undefined) closeSync(wal.fd);
  wal = { fd: openSync(path, 'r'), ino };
  if (process.platform !== 'win32') {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
  return wal.fd;
}

/** Syncs the WAL for every batch committed so far; batches committed meanwhile wait for the next sync. */
function syncWal(): void {
  if (syncing || committed.length === 0) return finishClose();
  const batch = committed;
  committed = [];
  syncing = true;
  let fd: number;
  try {
    fd = walFd();
  } catch (e) {
    return afterSync(batch, e);
  }
  fdatasync(fd, (e) => afterSync(batch, e));
}

function afterSync(batch: readonly number[], e: unknown): void {
  syncing = false;
  if (e !== null && e !== undefined) failure ??= storageFailure(e);
  for (const id of batch) {
    if (failure === undefined) reply({ id, ok: true });
    else fail(id, failure);
  }
  flush();
  syncWal();
}

/**
 * The key filter of every row, the open transaction's included. A failed read answers "no filter" (the app's
 * thread then asks the worker for every read, as without one) and stops nothing: no batch was lost.
 */
function filterRows(id: number, s: NonNullable<typeof sql>): void {
  let filter: KeyFilter | undefined;
  try {
    filter = KeyFilter.sizedFor(s.count.get() as number);
    for (const tag of s.tags.iterate() as IterableIterator<Uint8Array>) filter.add(tag);
  } catch {
    filter = undefined;
  }
  reply({ id, ok: true, value: filter === undefined ? undefined : { words: filter.words, keys: filter.keys } });
}

function applyRows(packed: Uint8Array): void {
  const s = sql as NonNullable<typeof sql>;
  for (const r of unpackRows(packed)) {
    if (r.sealed === undefined || r.nonce === undefined) s.remove.run(r.nsTag, r.keyTag);
    else s.insert.run(r.nsTag, r.keyTag, r.nonce, r.sealed);
  }
}

/** Handles one turn's requests in order; the batches among them are one transaction. Reads are answered before it commits. */
function handle(requests: readonly WorkerRequest[]): void {
  const d = db;
  const batches: number[] = [];
  for (const r of requests) {
    if (r.op === 'open') open(r.id);
    else if (r.op === 'close') closing = r.id;
    else if (closing !== undefined) fail(r.id, { code: 'CLOSED', message: 'the store is closed' });
    else if (failure !== undefined || d === undefined || sql === undefined) fail(r.id, failure ?? { code: 'FAILED', message: 'the store did not open' });
    else if (r.op === 'get') reply({ id: r.id, ok: true, value: sql.get.get(r.nsTag, r.keyTag) as SealedRow | undefined });
    else if (r.op === 'list') reply({ id: r.id, ok: true, value: sql.list.all(r.nsTag) as SealedRow[] });
    else if (r.op === 'filter') filterRows(r.id, sql);
    else if (r.op === 'init') {
      d.transaction(() => { for (const [name, value] of r.meta) sql?.setMeta.run(name, value); })();
      reply({ id: r.id, ok: true });
    } else {
      if (!d.inTransaction) d.exec('BEGIN');
      try {
        applyRows(r.rows);
        batches.push(r.id);
      } catch (e) {
        failure = storageFailure(e);
        fail(r.id, failure);
      }
    }
  }
  flush();
  if (d?.inTransaction === true) commit(d, batches);
  flush();
  syncWal();
}

function commit(d: Database.Database, batches: readonly number[]): void {
  try {
    if (failure !== undefined) throw new Error('rolled back');
    d.exec('COMMIT');
  } catch (e) {
    if (d.inTransaction) d.exec('ROLLBACK');
    failure ??= storageFailure(e);
    for (const id of batches) fail(id, failure);
    return;
  }
  committed.push(...batches);
  // Deleted records' old pages leave the WAL at a checkpoint (§5.2); SQLite syncs the WAL before it copies it.
  // Counted in commits: a commit of many batches (under load) writes a page they share once, and costs one sync.
  sinceCheckpoint++;
  if (sinceCheckpoint < data.checkpointEvery) return;
  sinceCheckpoint = 0;
  try {
    d.pragma('wal_checkpoint(TRUNCATE)');
  } catch (e) {
    failure ??= storageFailure(e);
  }
}

/** Closes once nothing is left to sync: checkpoint, close the connection (which releases the lock), answer. */
function finishClose(): void {
  if (closing === undefined || syncing || committed.length > 0) return;
  const id = closing;
  closing = undefined;
  if (wal !== undefined) closeSync(wal.fd);
  wal = undefined;
  let checkpointFailure: WorkerFailure | undefined;
  try {
    if (db !== undefined && failure === undefined) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (e) {
    checkpointFailure = storageFailure(e);
  }
  db?.close();
  db = undefined;
  if (checkpointFailure === undefined) reply({ id, ok: true });
  else fail(id, checkpointFailure);
  flush();
  port.close();
}

port.on('message', (first: readonly WorkerRequest[]) => {
  const requests = [...first];
  for (let next = receiveMessageOnPort(port); next !== undefined; next = receiveMessageOnPort(port)) requests.push(...(next.message as WorkerRequest[]));
  handle(requests);
});
