/** RelayStore implementations (relay.md §8): group commit isolates a failing write; ids are never reused. */
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/crypto/index.js';
import { MemoryStore } from '../../relay/store/memory.js';
import { SqliteStore } from '../../relay/store/sqlite.js';
import type { RelayStore } from '../../relay/store/types.js';
import { tempDir } from './harness.js';

const stores: Array<[string, () => RelayStore]> = [['memory', () => new MemoryStore()], ['sqlite', () => new SqliteStore(tempDir())]];

describe.each(stores)('%s relay store', (_, make) => {
  it('rolls back only the failing write of a group commit', async () => {
    const s = make();
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

  it('never reuses a delivery id after acks and stores a fan-out once', async () => {
    const s = make();
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
