/**
 * Stores: MemoryStore and the encrypted SqliteStore behave the same (round
 * trip, ordering, atomic batches); SqliteStore also rejects a wrong key with a
 * typed error and leaves no plaintext or key names in the file.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { utf8, type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { SqliteStore } from '../../src/node/sqlite-store.js';
import { MemoryStore, del, isStoreError, put, type Store } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const key = new Uint8Array(32).fill(7);
const sqlitePath = () => join(dir, `s${n++}.db`);

const stores: [string, () => Store][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => SqliteStore.open({ path: sqlitePath(), key, random: seededRandom(new Uint8Array(32).fill(1)) })],
];

describe.each(stores)('%s', (_name, make) => {
  it('round-trips values and lists a namespace sorted by key', async () => {
    const s = make();
    await s.write([put('sessions', 'b', utf8('two')), put('sessions', 'a', utf8('one')), put('contacts', 'a', utf8('c'))]);
    expect(await s.get('sessions', 'a')).toEqual(utf8('one'));
    expect(await s.get('sessions', 'zz')).toBeUndefined();
    expect((await s.list('sessions')).map((e) => e.key)).toEqual(['a', 'b']);
    await s.write([del('sessions', 'a'), put('sessions', 'b', utf8('2'))]);
    expect(await s.list('sessions')).toEqual([{ key: 'b', value: utf8('2') }]);
    await s.close();
    await expect(s.get('sessions', 'b')).rejects.toSatisfy((e: unknown) => isStoreError(e, 'CLOSED'));
  });

  it('a failing batch writes nothing (the bad write comes after good ones)', async () => {
    const s = make();
    await s.write([put('sessions', 'keep', utf8('old'))]);
    const bad = [put('sessions', 'keep', utf8('new')), put('messages', 'm1', utf8('x')), put('messages', 'm2', 'not bytes' as unknown as Bytes)];
    await expect(s.write(bad)).rejects.toSatisfy((e: unknown) => isStoreError(e, 'INVALID_WRITE'));
    expect(await s.get('sessions', 'keep')).toEqual(utf8('old'));
    expect(await s.list('messages')).toEqual([]);
    await s.close();
  });

  it('returns copies: mutating a returned or written value changes nothing stored', async () => {
    const s = make();
    const v = utf8('abc');
    await s.write([put('groups', 'g', v)]);
    v[0] = 0;
    const got = (await s.get('groups', 'g')) as Bytes;
    got[1] = 0;
    expect(await s.get('groups', 'g')).toEqual(utf8('abc'));
    await s.close();
  });
});

describe('SqliteStore at rest', () => {
  it('reopens with the same key and keeps every committed batch', async () => {
    const path = sqlitePath();
    const a = SqliteStore.open({ path, key });
    await a.write([put('identity', 'self', utf8('me'))]);
    await a.close();
    const b = SqliteStore.open({ path, key });
    expect(await b.get('identity', 'self')).toEqual(utf8('me'));
    await b.close();
  });

  it('a wrong key is a typed WRONG_KEY error', async () => {
    const path = sqlitePath();
    await SqliteStore.open({ path, key }).close();
    const other = new Uint8Array(32).fill(8);
    expect(() => SqliteStore.open({ path, key: other })).toThrowError(expect.objectContaining({ code: 'WRONG_KEY' }));
    expect(() => SqliteStore.open({ path, key: new Uint8Array(16) })).toThrowError(expect.objectContaining({ code: 'WRONG_KEY' }));
  });

  it('the file holds neither values nor key names', async () => {
    const path = sqlitePath();
    const s = SqliteStore.open({ path, key });
    const peer = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
    await s.write([put('sessions', peer, utf8('SECRET-PLAINTEXT-VALUE')), put('contacts', peer, utf8('Alice Liddell'))]);
    await s.close();
    const files = readdirSync(dir).filter((f) => f.startsWith(path.split('/').pop() as string));
    const text = files.map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of ['SECRET-PLAINTEXT-VALUE', 'Alice Liddell', peer, 'sessions', 'contacts']) expect(text).not.toContain(secret);
  });

  it('a record moved to another slot or altered is CORRUPT, not returned', async () => {
    const path = sqlitePath();
    const s = SqliteStore.open({ path, key });
    await s.write([put('sessions', 'a', utf8('A')), put('sessions', 'b', utf8('B'))]);
    await s.close();
    const db = new Database(path);
    const rows = db.prepare('SELECT key_tag, nonce, sealed FROM entries').all() as { key_tag: Buffer; nonce: Buffer; sealed: Buffer }[];
    const [r0, r1] = rows as [typeof rows[0], typeof rows[0]];
    db.prepare('UPDATE entries SET nonce = ?, sealed = ? WHERE key_tag = ?').run(r1.nonce, r1.sealed, r0.key_tag);
    db.close();
    const t = SqliteStore.open({ path, key });
    await expect(t.list('sessions')).rejects.toSatisfy((e: unknown) => isStoreError(e, 'CORRUPT'));
    await t.close();
  });
});

describe('SqliteStore nonces', () => {
  it('seals new rows with 24-byte XChaCha20 nonces and still opens rows an earlier version sealed with 12-byte nonces', async () => {
    // test/fixtures/store-v1.db: written by the store of commit 70a1c69 (key 32 × 0x07), every row with a 12-byte nonce.
    const path = sqlitePath();
    writeFileSync(path, readFileSync(new URL('../fixtures/store-v1.db', import.meta.url)));
    const nonceLengths = () => {
      const db = new Database(path, { readonly: true });
      try {
        return (db.prepare('SELECT nonce FROM entries').all() as { nonce: Buffer }[]).map((r) => r.nonce.length).sort();
      } finally {
        db.close();
      }
    };
    expect(nonceLengths()).toEqual([12, 12]);
    const s = SqliteStore.open({ path, key });
    expect(await s.get('sessions', 'alice')).toEqual(utf8('written by the version 1 store'));
    await s.write([put('sessions', 'alice', utf8('rewritten'))]);
    expect(await s.get('sessions', 'alice')).toEqual(utf8('rewritten'));
    expect(await s.get('contacts', 'c1')).toEqual(utf8('a contact'));
    await s.close();
    expect(nonceLengths()).toEqual([12, 24]);
  });
});
