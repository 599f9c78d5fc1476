/**
 * A sibling's announcement that the primary's next list overtook (spec/client.md
 * §10.2, a `device` of our own account): the primary keeps its list, reports
 * STALE_EPOCH — not EPOCH_FORK, it signed that list itself — and records the
 * sibling's address, since the list it keeps still names the sibling. On the
 * relay double. Fails on a primary that called it a fork and dropped the
 * address: the sibling then got none of its account's messages until it
 * announced itself again (seen in bench/linked-devices.ts: a sender's first
 * linked device missed every sent-message sync).
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { announce, commitOwnList, contactEntries, installAccount, siblingPeers } from '../../src/client/devices/index.js';
import type { DeviceListConflictEvent } from '../../src/client/events.js';
import { equalBytes, type Bytes } from '../../src/crypto/index.js';
import { encodeDeviceList, generateIdentityKeyPair } from '../../src/identity/index.js';
import { seededRandom } from '../../src/testing/index.js';
import type { SiblingRecord } from '../../src/wire/client/account.js';
import { until } from '../relay/harness.js';
import { contextOf, hubDevice, nextList } from './devices-helpers.js';
import { MemoryRelayHub } from './memory-relay.js';



/** The primary commits the next list naming `key`, with the token it registered for that device. */
async function listDevice(primary: Client, key: Bytes): Promise<Bytes> {
  const p = contextOf(primary);
  const bytes = encodeDeviceList(nextList(p, { add: key }));
  const token = p.random(32);
  await p.relay.registerToken(token);
  await commitOwnList(p, bytes, { added: [{ key, ourToken: token }] });
  return bytes;
}

describe("a sibling's announcement the primary's next list overtook", () => {
  it('is STALE_EPOCH at the primary, which records the sibling’s address and reaches it', async () => {
    const hub = new MemoryRelayHub();
    const [primary, first] = [await hubDevice(hub, 'Primary'), await hubDevice(hub, 'First')];
    const p = contextOf(primary);
    const n = contextOf(first);

    // The first device installs the account, but its announcement is still on its way when the primary links the next.
    const list = await listDevice(primary, n.identity.publicKey);
    const self: SiblingRecord = { key: p.identity.publicKey, mailbox: p.mailbox as Bytes, token: p.account!.siblings[0]!.ourToken! };
    const id = p.account!.nextId - 1;
    await installAccount(n, { accountKey: p.identity.publicKey, deviceId: id, list, contacts: contactEntries(p), siblings: [self] });
    await listDevice(primary, generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(99))).publicKey);

    const conflicts: DeviceListConflictEvent[] = [];
    primary.on('device-list-conflict', (e) => conflicts.push(e));
    await announce(n, siblingPeers(n));
    await until(() => siblingPeers(p).some((s) => equalBytes(s.identityKey, n.identity.publicKey)));
    expect([...new Set(conflicts.map((c) => c.reason))]).toEqual(['STALE_EPOCH']); // once per announcement made (owed ones too)
    await Promise.all([primary.close(), first.close()]);
  });
});
