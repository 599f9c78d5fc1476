/**
 * A contact's device list ahead of ours (FUTURE_EPOCH, spec/client.md §10.2)
 * is followed through the relay's directory; a fetch that a lost connection
 * cuts off is no conflict (it says nothing about the directory) and is redone
 * after the next authentication, from the announcement kept in the store
 * (`account/follow/<account key hex>`). On the relay double, whose directory
 * is a stub here. Fails on a client that reported the cut-off fetch as a
 * withheld list (`device-list-conflict FUTURE_EPOCH`) and stayed behind.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { announce, commitOwnList } from '../../src/client/devices/index.js';
import { ClientError } from '../../src/client/errors.js';
import type { DeviceListConflictEvent } from '../../src/client/events.js';
import type { Bytes } from '../../src/crypto/index.js';
import { encodeDeviceList, openDeviceList } from '../../src/identity/index.js';
import { until } from '../relay/harness.js';
import { befriend } from '../scenario/helpers.js';
import { contextOf, hubDevice, linkWithoutChannel, nextList } from './devices-helpers.js';
import { MemoryRelayHub } from './memory-relay.js';
import { FOLLOW_PREFIX } from '../../src/wire/client/pending-follow.js';



/** A directory of `lists` at `client`'s relay connection; `cut` fetches fail first, as a dropped socket fails them. */
function directory(client: Client, lists: Bytes[], cut = 0): { fetches: number } {
  const seen = { fetches: 0 };
  contextOf(client).relay.fetchDeviceLists = async (_account: Bytes, since?: number) => {
    seen.fetches++;
    if (seen.fetches <= cut) throw new ClientError('NOT_CONNECTED', 'the connection dropped (test)');
    return lists.filter((l) => openDeviceList(l).version > (since ?? 0));
  };
  return seen;
}

const versionAt = (client: Client, account: Bytes): number | undefined => {
  const list = contextOf(client).contacts.byAccountKey(account)?.deviceList;
  return list === undefined ? undefined : openDeviceList(list).version;
};

describe('following a device list ahead of ours (client.md §10.2)', () => {
  it('a fetch cut off by a lost connection is no conflict, stays pending in the store, and is redone after the reconnection', async () => {
    const hub = new MemoryRelayHub();
    const [alice, bob, alice2] = [await hubDevice(hub, 'Alice'), await hubDevice(hub, 'Bob'), await hubDevice(hub, 'Alice 2')];
    await befriend(alice, bob);
    const lists: Bytes[] = [];
    directory(alice2, lists);
    await linkWithoutChannel(alice, alice2);
    const account = contextOf(alice).identity.publicKey;
    await until(() => versionAt(bob, account) === 1);
    const conflicts: DeviceListConflictEvent[] = [];
    bob.on('device-list-conflict', (e) => conflicts.push(e));

    // Alice signs two lists and announces only the second: Bob must fetch the first from the directory.
    const p = contextOf(alice);
    for (let i = 0; i < 2; i++) {
      const bytes = encodeDeviceList(nextList(p, {}));
      lists.push(bytes);
      await commitOwnList(p, bytes);
    }
    const fetched = directory(bob, lists, 1);
    await announce(p);
    await until(() => fetched.fetches === 1);
    await until(async () => (await contextOf(bob).store.list('account')).some((e) => e.key.startsWith(FOLLOW_PREFIX)));
    expect(versionAt(bob, account)).toBe(1);

    bob.interruptConnection();
    await until(() => versionAt(bob, account) === 3);
    await until(async () => !(await contextOf(bob).store.list('account')).some((e) => e.key.startsWith(FOLLOW_PREFIX)));
    expect(conflicts).toEqual([]);
    await Promise.all([alice.close(), bob.close(), alice2.close()]);
  });
});
