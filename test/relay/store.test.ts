/** RelayStore implementations (relay.md §8): group commit isolates a failing write; ids are never reused. */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/crypto/index.js';
import { RelayMemoryStore } from '../../relay/store/memory.js';
import { RelaySqliteStore } from '../../relay/store/sqlite.js';
import { SCHEMA_VERSION } from '../../relay/store/sqlite-schema.js';
import { RelaySqliteThreadStore } from '../../relay/store/sqlite-thread.js';
import { SWEEP_BATCH, type RelayStore, type StoredDeviceList } from '../../relay/store/types.js';
import { tempDir } from './harness.js';
import { postgresStore } from './postgres.js';

/** One contract, every store: memory, SQLite, PostgreSQL (spec/relay.md §8). */
const stores: Array<[string, () => Promise<RelayStore>]> = [
  ['memory', async () => new RelayMemoryStore()],
  ['sqlite', async () => new RelaySqliteStore(tempDir())],
  ['sqlite thread', () => RelaySqliteThreadStore.open(tempDir())],
  ['postgres', () => postgresStore()],
];

describe.each(stores)('%s relay store', (_, make) => {
  it('rolls back only the failing write of a group commit', async () => {
    const s = await make();
    const mailbox = systemRandom(16);
    const hash = systemRandom(32);
    const caps = { maxOneTime: 1, maxKem: 1 };
    const key = (id: number): { id: number; encoded: Uint8Array } => ({ id, encoded: systemRandom(40) });
    const [failed, added, published] = await Promise.allSettled([
      s.publishPreKeys(mailbox, { identityKey: systemRandom(32), oneTime: [key(1), key(2)], kemOneTime: [] }, caps),
      s.addToken(mailbox, hash, undefined, 10),
      s.publishPreKeys(mailbox, { identityKey: systemRandom(32), oneTime: [key(3)], kemOneTime: [] }, caps),
    ]);
    expect(failed).toMatchObject({ status: 'rejected', reason: { code: 'TOO_MANY_PREKEYS' } });
    expect(added.status).toBe('fulfilled');
    expect(published).toMatchObject({ status: 'fulfilled', value: { oneTime: 1, kem: 0 } });
    await expect(s.hasToken(mailbox, hash)).resolves.toBe(true);
    await s.close();
  });

  it('refuses a token at once after it is revoked or replaced, though it was just checked and held', async () => {
    const s = await make();
    const mailbox = systemRandom(16);
    const [revoked, replaced, successor] = [systemRandom(32), systemRandom(32), systemRandom(32)];
    await s.addToken(mailbox, revoked, undefined, 10);
    await s.addToken(mailbox, replaced, undefined, 10);
    await expect(s.hasTokens([{ mailbox, tokenHash: revoked }, { mailbox, tokenHash: replaced }])).resolves.toEqual([true, true]);
    await expect(s.hasToken(mailbox, revoked)).resolves.toBe(true);
    await Promise.all([s.revokeToken(mailbox, revoked), s.addToken(mailbox, successor, replaced, 10)]);
    await expect(s.hasToken(mailbox, revoked)).resolves.toBe(false);
    await expect(s.hasTokens([{ mailbox, tokenHash: replaced }, { mailbox, tokenHash: successor }])).resolves.toEqual([false, true]);
    const quota = { maxEnvelopes: 100, maxBytes: 1 << 20, maxTotalDeliveries: 1000, maxTotalBytes: 1 << 30 };
    const results = await s.enqueue(systemRandom(10), Number.MAX_SAFE_INTEGER, [{ mailbox, tokenHash: revoked }, { mailbox, tokenHash: replaced }], quota);
    expect(results).toEqual([{ ok: false, code: 'TOKEN_REFUSED' }, { ok: false, code: 'TOKEN_REFUSED' }]);
    await s.close();
  });

  it('never reuses a delivery id after acks and stores a fan-out once', async () => {
    const s = await make();
    const a = { mailbox: systemRandom(16), tokenHash: systemRandom(32) };
    const b = { mailbox: systemRandom(16), tokenHash: systemRandom(32) };
    await s.addToken(a.mailbox, a.tokenHash, undefined, 10);
    await s.addToken(b.mailbox, b.tokenHash, undefined, 10);
    const quota = { maxEnvelopes: 100, maxBytes: 1 << 20, maxTotalDeliveries: 1000, maxTotalBytes: 1 << 30 };
    const first = await s.enqueue(systemRandom(10), Number.MAX_SAFE_INTEGER, [a, b], quota);
    expect(await s.stats()).toEqual({ envelopes: 1, bytes: 10, deliveries: 2, deliveryBytes: 20 });
    const ids = first.map((r) => (r.ok ? r.eid : -1));
    await s.ack(a.mailbox, [ids[0]!]);
    expect(await s.stats()).toEqual({ envelopes: 1, bytes: 10, deliveries: 1, deliveryBytes: 10 });
    await s.ack(b.mailbox, [ids[1]!]);
    expect(await s.stats()).toEqual({ envelopes: 0, bytes: 0, deliveries: 0, deliveryBytes: 0 });
    const [next] = await s.enqueue(systemRandom(10), Number.MAX_SAFE_INTEGER, [a], quota);
    expect(next?.ok === true && next.eid > Math.max(...ids)).toBe(true);
    await s.close();
  });
});

describe.each(stores)('%s relay store: an enqueue staged before its commit', (_, make) => {
  it('reports the results before the promise resolves, the same eids, in recipient order (a mailbox listed twice gets two)', async () => {
    const s = await make();
    const a = { mailbox: systemRandom(16), tokenHash: systemRandom(32) };
    const stranger = { mailbox: systemRandom(16), tokenHash: systemRandom(32) };
    await s.addToken(a.mailbox, a.tokenHash, undefined, 10);
    const quota = { maxEnvelopes: 100, maxBytes: 1 << 20, maxTotalDeliveries: 1000, maxTotalBytes: 1 << 30 };
    let settled = false;
    let staged: unknown;
    let stagedBeforeSettled = false;
    const enqueued = s.enqueue(systemRandom(10), Number.MAX_SAFE_INTEGER, [a, stranger, a], quota, (results) => {
      staged = results;
      stagedBeforeSettled = !settled;
    }).finally(() => { settled = true; });
    const results = await enqueued;
    expect(stagedBeforeSettled).toBe(true);
    expect(staged).toEqual(results);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const [first, , second] = results;
    expect(first?.ok === true && second?.ok === true && second.eid === first.eid + 1).toBe(true);
    await s.close();
  });
});

describe.each(stores)('%s relay store under load', (_, make) => {
  it('sweeps in small transactions: a write issued during a large sweep commits before the sweep ends', async () => {
    const s = await make();
    const r = { mailbox: systemRandom(16), tokenHash: systemRandom(32) };
    await s.addToken(r.mailbox, r.tokenHash, undefined, 10);
    const quota = { maxEnvelopes: 1e6, maxBytes: 1e9, maxTotalDeliveries: 1e6, maxTotalBytes: 1e9 };
    const expired = SWEEP_BATCH * 8;
    await Promise.all(Array.from({ length: expired }, () => s.enqueue(systemRandom(8), 1, [r], quota)));
    let swept = false;
    const sweep = s.sweep(2).then((n) => { swept = true; return n; });
    const [fresh] = await s.enqueue(systemRandom(8), Number.MAX_SAFE_INTEGER, [r], quota);
    expect(fresh?.ok).toBe(true);
    expect(swept).toBe(false); // the write did not wait for the whole sweep
    expect(await sweep).toBe(expired);
    expect(await s.stats()).toMatchObject({ deliveries: 1 });
    await s.close();
  });

  it('refuses with STORAGE_FULL at the relay-wide quota, counting a fan-out once per recipient', async () => {
    const s = await make();
    const rs = [0, 1, 2].map(() => ({ mailbox: systemRandom(16), tokenHash: systemRandom(32) }));
    for (const r of rs) await s.addToken(r.mailbox, r.tokenHash, undefined, 10);
    const quota = { maxEnvelopes: 100, maxBytes: 1 << 20, maxTotalDeliveries: 2, maxTotalBytes: 1 << 20 };
    const results = await s.enqueue(systemRandom(10), Number.MAX_SAFE_INTEGER, rs, quota);
    expect(results.map((x) => (x.ok ? 'ok' : x.code))).toEqual(['ok', 'ok', 'STORAGE_FULL']);
    const [bytes] = await s.enqueue(systemRandom(10), Number.MAX_SAFE_INTEGER, [rs[2]!], { ...quota, maxTotalDeliveries: 10, maxTotalBytes: 25 });
    expect(bytes).toEqual({ ok: false, code: 'STORAGE_FULL' });
    await s.close();
  });
});

describe.each(stores)('%s relay store device lists', (_, make) => {
  const list = (version: number): StoredDeviceList => ({ version, hash: systemRandom(32), list: systemRandom(100 + version) });

  it('appends in version order, keeps only the newest, and serves them oldest first', async () => {
    const s = await make();
    const account = systemRandom(32);
    await expect(s.latestDeviceList(account)).resolves.toBeUndefined();
    await expect(s.deviceListsSince(account, 0, 10)).resolves.toEqual([]);
    const lists = [1, 2, 3, 4, 5].map(list);
    for (const l of lists) await expect(s.appendDeviceList(account, l, 3)).resolves.toBe(true);
    await expect(s.latestDeviceList(account)).resolves.toEqual(lists[4]);
    await expect(s.deviceListsSince(account, 0, 10)).resolves.toEqual(lists.slice(2));
    await expect(s.deviceListsSince(account, 3, 10)).resolves.toEqual(lists.slice(3));
    await expect(s.deviceListsSince(account, 0, 1)).resolves.toEqual([lists[2]]);
    await expect(s.latestDeviceList(systemRandom(32))).resolves.toBeUndefined(); // accounts are apart
    await s.close();
  });

  it('stores one of two racing lists of a version and nothing below the newest', async () => {
    const s = await make();
    const account = systemRandom(32);
    const [a, b] = [list(1), list(1)];
    const won = await Promise.all([s.appendDeviceList(account, a, 16), s.appendDeviceList(account, b, 16)]);
    expect(won.filter((w) => w)).toHaveLength(1);
    await expect(s.latestDeviceList(account)).resolves.toEqual(won[0] === true ? a : b);
    await expect(s.appendDeviceList(account, list(3), 16)).resolves.toBe(true);
    await expect(s.appendDeviceList(account, list(2), 16)).resolves.toBe(false); // overtaken
    await expect(s.deviceListsSince(account, 0, 16)).resolves.toHaveLength(2);
    await s.close();
  });
});

describe('sqlite relay store schema', () => {
  it('migrates a version-1 file in place: deliveries keep their eids and no eid is ever reused', async () => {
    const dir = tempDir();
    const mailbox = systemRandom(16);
    const tokenHash = systemRandom(32);
    const v1 = new Database(join(dir, 'relay.sqlite'));
    v1.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE tokens (mailbox BLOB NOT NULL, token_hash BLOB NOT NULL, PRIMARY KEY (mailbox, token_hash)) WITHOUT ROWID;
      CREATE TABLE envelopes (id INTEGER PRIMARY KEY, data BLOB NOT NULL, refs INTEGER NOT NULL);
      CREATE TABLE deliveries (eid INTEGER PRIMARY KEY AUTOINCREMENT, mailbox BLOB NOT NULL, envelope_id INTEGER NOT NULL,
        size INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX deliveries_by_mailbox ON deliveries (mailbox, eid);
      CREATE INDEX deliveries_by_expiry ON deliveries (expires_at);
      CREATE TABLE usage (mailbox BLOB PRIMARY KEY, count INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;`);
    v1.prepare('INSERT INTO tokens VALUES (?, ?)').run(mailbox, tokenHash);
    v1.prepare('INSERT INTO envelopes VALUES (1, ?, 1)').run(Buffer.from('kept'));
    const other = systemRandom(16);
    for (let i = 0; i < 40; i++) v1.prepare('INSERT INTO deliveries (mailbox, envelope_id, size, expires_at) VALUES (?, 1, 4, ?)').run(other, 1);
    v1.prepare('DELETE FROM deliveries').run();
    v1.prepare('INSERT INTO deliveries (mailbox, envelope_id, size, expires_at) VALUES (?, 1, 4, ?)').run(mailbox, Number.MAX_SAFE_INTEGER);
    v1.prepare('INSERT INTO usage VALUES (?, 1, 4)').run(mailbox);
    v1.close();
    const s = new RelaySqliteStore(dir);
    expect(await s.pending(mailbox, 0, 10, 0)).toEqual([{ eid: 41, data: new TextEncoder().encode('kept') }]);
    const quota = { maxEnvelopes: 100, maxBytes: 1 << 20, maxTotalDeliveries: 100, maxTotalBytes: 1 << 20 };
    const [next] = await s.enqueue(systemRandom(4), Number.MAX_SAFE_INTEGER, [{ mailbox, tokenHash }], quota);
    expect(next?.ok === true && next.eid > 41).toBe(true);
    expect(await s.stats()).toMatchObject({ deliveries: 2, deliveryBytes: 8 });
    await s.close();
    const db = new Database(join(dir, 'relay.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });
});
