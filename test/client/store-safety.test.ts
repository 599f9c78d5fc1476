/**
 * The SQLite store's safety (spec/client.md §5.2): one process at a time
 * (a second open fails LOCKED), and a deleted record's bytes leave the
 * database and its WAL (secure_delete, periodic wal_checkpoint(TRUNCATE)).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/node/index.js';
import { isStoreError, put, del } from '../../src/store/index.js';
import { systemRandom } from '../../src/crypto/index.js';
import { STORE_CHECKPOINT_EVERY } from '../../src/constants.js';
import { tempDir } from '../scenario/helpers.js';

const tmp = tempDir('parley-store-safety-');
afterAll(() => tmp.remove());
const key = new Uint8Array(32).fill(7);

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
}

describe('SqliteStore safety', () => {
  it('a second open of the same store fails LOCKED while the first is open', async () => {
    const path = join(tmp.dir, 'lock.db');
    const first = SqliteStore.open({ path, key });
    let error: unknown;
    try {
      SqliteStore.open({ path, key });
    } catch (e) {
      error = e;
    }
    expect(isStoreError(error, 'LOCKED')).toBe(true);
    await first.write([put('contacts', 'a', Uint8Array.of(1))]);
    await first.close();
    const again = SqliteStore.open({ path, key });
    expect(await again.get('contacts', 'a')).toEqual(Uint8Array.of(1));
    await again.close();
  });

  it('a deleted secret\'s bytes are gone from the .db and -wal files', async () => {
    const path = join(tmp.dir, 'secret.db');
    let store = SqliteStore.open({ path, key });
    await store.write([put('sessions', 'peer', systemRandom(4096)), put('contacts', 'other', Uint8Array.of(1))]);
    await store.close();
    const raw = new Database(path, { readonly: true });
    const blobs = (raw.prepare('SELECT sealed FROM entries').all() as { sealed: Uint8Array }[]).map((r) => new Uint8Array(r.sealed));
    raw.close();
    const secret = blobs.find((b) => b.length > 4096) as Uint8Array;
    const probe = secret.subarray(100, 164);
    store = SqliteStore.open({ path, key });
    await store.write([del('sessions', 'peer')]);
    for (let i = 0; i < STORE_CHECKPOINT_EVERY; i++) await store.write([put('contacts', `filler ${i}`, Uint8Array.of(i & 255))]);
    for (const file of [path, `${path}-wal`]) if (existsSync(file)) expect(contains(readFileSync(file), probe)).toBe(false);
    await store.close();
    expect(contains(readFileSync(path), probe)).toBe(false);
  });
});
