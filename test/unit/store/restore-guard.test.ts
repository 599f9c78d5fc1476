/**
 * Restore detection (spec/client.md §5.7): GuardedStore and FileRestoreGuard,
 * and why they are needed — a restored session record sends with message keys
 * (and nonces) already used, which the peer refuses as DUPLICATE_MESSAGE.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/crypto/index.js';
import { isProtocolError } from '../../../src/errors.js';
import { buildPreKeyBundle, createPreKeyState, generateIdentityKeyPair } from '../../../src/identity/index.js';
import { FileRestoreGuard } from '../../../src/node/index.js';
import { archiveCurrent, EMPTY_RECORD, sessionDecrypt, sessionEncrypt, startSession } from '../../../src/session/index.js';
import { GuardedStore, MemoryRestoreGuard, MemoryStore, NAMESPACES, isStoreError, put, type RestoreGuard } from '../../../src/store/index.js';
import { seededRandom } from '../../../src/testing/index.js';

async function copyOf(store: MemoryStore): Promise<MemoryStore> {
  const copy = new MemoryStore();
  for (const namespace of NAMESPACES) {
    const entries = await store.list(namespace);
    if (entries.length > 0) await copy.write(entries.map((e) => put(namespace, e.key, e.value)));
  }
  return copy;
}

describe('GuardedStore', () => {
  it('a copy taken before later session writes is found restored; the live store is not', async () => {
    const inner = new MemoryStore();
    const guard = new MemoryRestoreGuard();
    const first = await GuardedStore.open(inner, guard);
    expect(first.restored).toBe(false);
    await first.store.write([put('sessions', 'peer', utf8('s1'))]);
    const backup = await copyOf(inner);
    await first.store.write([put('sessions', 'peer', utf8('s2'))]);
    expect(await guard.read()).toBe(2);
    expect((await GuardedStore.open(inner, guard)).restored).toBe(false);
    expect((await GuardedStore.open(backup, guard)).restored).toBe(true);
  });

  it('only writes of session or group state advance the generation', async () => {
    const guard = new MemoryRestoreGuard();
    const { store } = await GuardedStore.open(new MemoryStore(), guard);
    await store.write([put('contacts', 'c', utf8('x')), put('seen', 'd', utf8('y'))]);
    expect(await guard.read()).toBe(0);
    await store.write([put('groups', 'g', utf8('z'))]);
    expect(await guard.read()).toBe(1);
  });

  it('a guard that fails to write stops the batch; a crash between guard and store reads as restored', async () => {
    const inner = new MemoryStore();
    let failing = false;
    let value = 0;
    const guard: RestoreGuard = {
      read: async () => value,
      write: async (g) => { if (failing) throw new Error('disk full'); value = g; },
    };
    const { store } = await GuardedStore.open(inner, guard);
    failing = true;
    await expect(store.write([put('sessions', 'p', utf8('a'))])).rejects.toThrow('disk full');
    expect(await inner.get('sessions', 'p')).toBeUndefined();
    value = 5; // as if the guard was written and the process died before the batch committed
    expect((await GuardedStore.open(inner, guard)).restored).toBe(true);
  });
});

describe('FileRestoreGuard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-guard-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads 0 before the first write, then what was written; a damaged file is CORRUPT', async () => {
    const guard = new FileRestoreGuard(join(dir, 'generation'));
    expect(await guard.read()).toBe(0);
    await guard.write(41);
    await guard.write(42);
    expect(await new FileRestoreGuard(join(dir, 'generation')).read()).toBe(42);
    writeFileSync(join(dir, 'generation'), 'forty-two\n');
    await expect(guard.read()).rejects.toSatisfy((e: unknown) => isStoreError(e, 'CORRUPT'));
  });
});

describe('why: a restored session repeats message keys', () => {
  it('sending on a restored record repeats a message number the peer refuses (DUPLICATE_MESSAGE); archiveCurrent makes the next send start anew', () => {
    const random = seededRandom(new Uint8Array(32).fill(9));
    const alice = generateIdentityKeyPair(random);
    const bob = generateIdentityKeyPair(random);
    const preKeys = createPreKeyState({ identity: bob, now: 0, random, oneTimePreKeys: 1, kemPreKeys: 1 });
    const backup = startSession({ record: EMPTY_RECORD, identity: alice, bundle: buildPreKeyBundle(preKeys, bob.publicKey), random });
    const first = sessionEncrypt(backup, utf8('before the restore'), random);
    const atBob = sessionDecrypt({ record: EMPTY_RECORD, identity: bob, preKeys, peer: alice.publicKey, message: first.message, random });
    // Alice's state is put back to `backup`: her next message takes the same chain key, message number and nonce.
    const again = sessionEncrypt(backup, utf8('after the restore'), random);
    let code: string | undefined;
    try {
      sessionDecrypt({ record: atBob.record, identity: bob, preKeys: atBob.preKeys, peer: alice.publicKey, message: again.message, random });
    } catch (e) { if (isProtocolError(e)) code = e.code; }
    expect(code).toBe('DUPLICATE_MESSAGE');
    const retired = archiveCurrent(backup);
    expect(retired.current).toBeNull();
    expect(retired.archived).toHaveLength(1);
    expect(() => sessionEncrypt(retired, utf8('x'), random)).toThrow(/NO_SESSION/);
  });
});
