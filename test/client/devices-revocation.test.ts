/**
 * Linked devices, revocation and list conflicts as peers see them (client.md §10.2, §10.5) against a real relay
 * process: once a contact accepted the list without a device it sends nothing more to it and drops what it
 * still sends; the sender's other devices stop syncing to it; a relay that serves an old list, or withholds the
 * lists between the one a peer knows and the one announced, is detected (device-list-conflict) and the known
 * list kept; once the relay serves the missing lists the peer follows them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import type { DeviceListConflictEvent } from '../../src/client/events.js';
import { contactPeers, ownList } from '../../src/client/devices/index.js';
import { sendPayload } from '../../src/client/messaging/send.js';
import { equalBytes, toHex, type Bytes } from '../../src/crypto/index.js';
import { encodeDeviceList, generateIdentityKeyPair, signDeviceList } from '../../src/identity/index.js';
import { encodePayload } from '../../src/wire/client/payload.js';
import type { RelayRequest } from '../../src/wire/relay-frames.js';
import { del } from '../../src/store/index.js';
import { systemRandom } from '../../src/crypto/index.js';
import { until } from '../relay/harness.js';
import { befriend, openInFile, openRecordingClient, relayPerFile } from '../scenario/helpers.js';
import { contextOf, linkWithoutChannel, revokeWithoutChannel, textOf, untilContactLists, inbox } from './devices-helpers.js';

const file = relayPerFile('parley-devices-revocation-');

/** Mailboxes (hex) a client's `send` requests went to, from now on. */
function recorder(): { onRequest: (r: RelayRequest) => void; mailboxes: string[] } {
  const mailboxes: string[] = [];
  return { mailboxes, onRequest: (r) => { if (r.type === 'send') mailboxes.push(toHex(r.mailbox)); } };
}

async function recording(name: string, rec: ReturnType<typeof recorder>): Promise<Client> {
  const c = await openRecordingClient(join(file.tmp.dir, name), file.relay.url, name, rec.onRequest);
  file.open.push(c);
  return c;
}

describe('linked devices: revocation as seen by peers', () => {
  it('a revoked device gets nothing sent after the revocation was processed, and what it sends is dropped', async () => {
    const aliceRec = recorder();
    const bobRec = recorder();
    const alice = await recording('alice', aliceRec);
    const bob = await recording('bob', bobRec);
    const { bAtA, aAtB } = await befriend(alice, bob);
    const alice2 = await openInFile(file, 'alice-2');
    await linkWithoutChannel(alice, alice2);
    await untilContactLists(bob, alice.identityKey, [alice.identityKey, alice2.identityKey]);
    await until(() => contactPeers(contextOf(bob).contacts.get(aAtB)!).length === 2);
    const alice2Mailbox = toHex(contextOf(alice2).mailbox as Bytes);
    const [atBob, atAlice2] = [inbox(bob), inbox(alice2)];

    const bobSaw = bob.next('devices-changed');
    const aliceSaw = alice.next('devices-changed');
    // Not told (offline, or a stolen device ignoring the news): what it sends must still be dropped by peers.
    await revokeWithoutChannel(alice, alice2, { tell: false });
    expect((await aliceSaw)).toMatchObject({ self: true, added: [], removed: [toHex(alice2.identityKey)] });
    expect((await bobSaw)).toMatchObject({ self: false, added: [], removed: [toHex(alice2.identityKey)] });
    const bobCtx = contextOf(bob);
    expect(contactPeers(bobCtx.contacts.get(aAtB)!).map((p) => toHex(p.identityKey))).toEqual([toHex(alice.identityKey)]);
    expect(await bobCtx.store.get('sessions', toHex(alice2.identityKey))).toBeUndefined();

    // Neither the contact nor the sender's remaining device sends to the revoked one any more.
    bobRec.mailboxes.length = 0;
    aliceRec.mailboxes.length = 0;
    await bob.send(aAtB, { type: 'text', text: 'after revocation (bob)' });
    await alice.send(bAtA, { type: 'text', text: 'after revocation (alice)' });
    expect(bobRec.mailboxes).not.toContain(alice2Mailbox);
    expect(aliceRec.mailboxes).not.toContain(alice2Mailbox);

    // The revoked device still holds Bob's token and sends, on a session it starts anew (Bob dropped the old
    // one), so Bob can decrypt it: Bob drops it because no list it accepted names the sender, then takes the marker.
    const bobAtAlice2 = alice2.contacts().find((c) => equalBytes(c.identityKey, bob.identityKey))!;
    const a2 = contextOf(alice2);
    await a2.lane.run(async () => {
      await a2.store.write([del('sessions', toHex(bob.identityKey))]);
      a2.sessions.delete(toHex(bob.identityKey));
    });
    await alice2.send(bobAtAlice2.id, { type: 'text', text: 'from the revoked device' }).catch(() => undefined);
    await alice.send(bAtA, { type: 'text', text: 'marker' });
    await until(() => atBob.some((m) => textOf(m) === 'marker'));
    expect(atBob.map(textOf)).toEqual(['after revocation (alice)', 'marker']);
    expect(atAlice2.map(textOf)).not.toContain('after revocation (bob)');
    expect(atAlice2.map(textOf)).not.toContain('after revocation (alice)');
  }, 90_000);

  it('an old list (STALE_EPOCH) and withheld lists (FUTURE_EPOCH) are detected; the missing lists, once served, are followed', async () => {
    const alice = await openInFile(file, 'carol');
    const bob = await openInFile(file, 'dave');
    const { aAtB } = await befriend(alice, bob);
    const alice2 = await openInFile(file, 'carol-2');
    await linkWithoutChannel(alice, alice2);
    await untilContactLists(bob, alice.identityKey, [alice.identityKey, alice2.identityKey]);
    const v1 = contextOf(alice).account!.list!;
    await revokeWithoutChannel(alice, alice2);
    await untilContactLists(bob, alice.identityKey, [alice.identityKey]);
    const conflicts: DeviceListConflictEvent[] = [];
    bob.on('device-list-conflict', (e) => conflicts.push(e));

    // Version 1 again (what a relay serving an old list would hand out): older than the list Bob holds.
    const p = contextOf(alice);
    const aliceAtBob = p.contacts.byAccountKey(bob.identityKey)!;
    const stale = bob.next('device-list-conflict');
    await sendPayload(p, contactPeers(aliceAtBob)[0]!, encodePayload({ type: 'device', list: v1 }), 'internal');
    expect(await stale).toMatchObject({ account: toHex(alice.identityKey), reason: 'STALE_EPOCH' });
    expect((await stale).contact?.id).toBe(aAtB);

    // Version 4 announced while the relay serves nothing after version 2: Bob cannot follow it.
    const v2 = ownList(p)!;
    const v3 = signDeviceList({ account: p.identity, previous: v2, devices: v2.devices, createdAt: Date.now() });
    const extra = generateIdentityKeyPair(systemRandom).publicKey;
    const v4 = signDeviceList({ account: p.identity, previous: v3, devices: [...v3.devices, { id: 9, key: extra, createdAt: Date.now() }], createdAt: Date.now() });
    const withheld = bob.next('device-list-conflict', (e) => e.reason === 'FUTURE_EPOCH');
    await sendPayload(p, contactPeers(aliceAtBob)[0]!, encodePayload({ type: 'device', list: encodeDeviceList(v4) }), 'internal');
    expect((await withheld).account).toBe(toHex(alice.identityKey));
    await untilContactLists(bob, alice.identityKey, [alice.identityKey]);

    // The relay gets the lists in between; the same announcement is now followed to version 4.
    await p.relay.publishDeviceList?.(encodeDeviceList(v3));
    await p.relay.publishDeviceList?.(encodeDeviceList(v4));
    await sendPayload(p, contactPeers(aliceAtBob)[0]!, encodePayload({ type: 'device', list: encodeDeviceList(v4) }), 'internal');
    await untilContactLists(bob, alice.identityKey, [alice.identityKey, extra]);
    // Listed, but it never vouched for the account (client.md §10.2): not attributed to it until it announces itself.
    expect(contextOf(bob).contacts.byDeviceKey(extra)).toBeUndefined();
    expect(conflicts.map((c) => c.reason)).toEqual(['STALE_EPOCH', 'FUTURE_EPOCH']);
  }, 90_000);
});
