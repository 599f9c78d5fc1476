/**
 * The notice to a revoked device is owed (spec/client.md §10.5): the commit
 * that drops the device keeps its address in the account record's `rv` until
 * the relay took the new list for it, so a notice a lost connection cut off
 * is sent after the primary's next authentication and the device still
 * learns it was revoked. On the relay double. Fails on a primary that sent
 * the notice once, in memory: the device never emitted `revoked`.
 */
import { describe, expect, it } from 'vitest';
import { equalBytes, type Bytes } from '../../src/crypto/index.js';
import { until } from '../relay/harness.js';
import { contextOf, cutBundleFetch, hubDevice, linkWithoutChannel, revokeWithoutChannel } from './devices-helpers.js';
import { MemoryRelayHub } from './memory-relay.js';




describe('the notice to a revoked device (client.md §10.5)', () => {
  it('cut off by a lost connection, is owed in the account record and sent after the next authentication', async () => {
    const hub = new MemoryRelayHub();
    const [primary, second] = [await hubDevice(hub, 'Primary'), await hubDevice(hub, 'Second')];
    await linkWithoutChannel(primary, second);
    const revoked: unknown[] = [];
    second.on('revoked', (e) => revoked.push(e));

    // Its session was dropped with it, so the notice starts a fresh one: the bundle fetch is what the cut hits.
    cutBundleFetch(primary, contextOf(second).mailbox as Bytes);
    await revokeWithoutChannel(primary, second);
    const p = contextOf(primary);
    expect(p.account?.untold?.map((u) => equalBytes(u.key, contextOf(second).identity.publicKey))).toEqual([true]);
    expect(revoked).toEqual([]);

    primary.interruptConnection();
    await until(() => revoked.length === 1);
    await until(() => p.account?.untold === undefined);
    await Promise.all([primary.close(), second.close()]);
  });
});
