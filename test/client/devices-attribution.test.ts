/**
 * A device belongs to one account only, with its own consent (client.md §10.2), and a revoked device learns it
 * (§10.5) — against a real relay process.
 *
 * A list is signed by its account alone and may name any public key: a hostile account M can sign and announce a
 * list naming B's device B2. C attributes B2 to B (B's list names it and B2 vouched for B by announcing itself),
 * never to M: B2's messages stay B's, nothing C sends to M goes to B2, C's group view never counts B2 under M,
 * and C reports the claim (`device-list-conflict`, `DEVICE_CLAIMED`). M dropping B2 again takes nothing from B.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import type { DeviceListConflictEvent } from '../../src/client/events.js';
import { accountOf, announce, commitOwnList, contactPeers } from '../../src/client/devices/index.js';
import { isClientError } from '../../src/client/errors.js';
import { toHex, type Bytes } from '../../src/crypto/index.js';
import { encodeDeviceList } from '../../src/identity/index.js';
import type { RelayRequest } from '../../src/wire/relay-frames.js';
import { until } from '../relay/harness.js';
import { befriend, openInFile, openRecordingClient, relayPerFile } from '../scenario/helpers.js';
import { contextOf, inbox, linkWithoutChannel, nextList, textOf } from './devices-helpers.js';

const file = relayPerFile('parley-devices-attribution-');

/** Mailboxes (hex) a client's `send` and `fanout` requests went to, from now on. */
function recorder(): { onRequest: (r: RelayRequest) => void; mailboxes: string[] } {
  const mailboxes: string[] = [];
  return {
    mailboxes,
    onRequest: (r) => {
      if (r.type === 'send') mailboxes.push(toHex(r.mailbox));
      if (r.type === 'fanout') for (const x of r.to) mailboxes.push(toHex(x.mailbox));
    },
  };
}

async function recording(name: string, rec: ReturnType<typeof recorder>): Promise<Client> {
  const c = await openRecordingClient(join(file.tmp.dir, name), file.relay.url, name, rec.onRequest);
  file.open.push(c);
  return c;
}

/** Mallory signs, publishes and commits her next list with or without `key` (no consent asked), then announces it. */
async function malloryLists(mallory: Client, change: { add?: Bytes; remove?: Bytes }): Promise<void> {
  const m = contextOf(mallory);
  const bytes = encodeDeviceList(nextList(m, change));
  await m.relay.publishDeviceList?.(bytes);
  await commitOwnList(m, bytes, change.add === undefined ? {} : { added: [{ key: change.add }] });
  await announce(m);
}

describe('linked devices: a device belongs to one account only with its own consent', () => {
  it("another account's list naming our device takes nothing: messages, sends, groups stay with its account", async () => {
    const carolRec = recorder();
    const carol = await recording('carol', carolRec);
    const bob = await openInFile(file, 'bob');
    const bob2 = await openInFile(file, 'bob-2');
    const mallory = await openInFile(file, 'mallory');
    const { aAtB: bobAtCarol } = await befriend(bob, carol);
    const { aAtB: malloryAtCarol } = await befriend(mallory, carol);
    await linkWithoutChannel(bob, bob2);
    const c = contextOf(carol);
    await until(() => contactPeers(c.contacts.get(bobAtCarol)!).length === 2);
    const bob2Key = bob2.identityKey;
    const bob2Mailbox = toHex(contextOf(bob2).mailbox as Bytes);

    // Mallory claims Bob's second device.
    const conflicts: DeviceListConflictEvent[] = [];
    carol.on('device-list-conflict', (e) => conflicts.push(e));
    const claimed = carol.next('device-list-conflict', (e) => e.reason === 'DEVICE_CLAIMED');
    await malloryLists(mallory, { add: bob2Key });
    expect(await claimed).toMatchObject({ account: toHex(mallory.identityKey), devices: [toHex(bob2Key)] });
    expect((await claimed).contact?.id).toBe(malloryAtCarol);
    // Carol took Mallory's list (it is hers to sign) but attributes Bob's device to Bob.
    await until(() => c.contacts.get(malloryAtCarol)?.deviceList !== undefined);
    expect(c.contacts.byDeviceKey(bob2Key)?.id).toBe(bobAtCarol);
    expect(toHex(accountOf(c, bob2Key)!)).toBe(toHex(bob.identityKey));
    expect(contactPeers(c.contacts.get(malloryAtCarol)!).map((p) => toHex(p.identityKey))).toEqual([toHex(mallory.identityKey)]);

    // What Bob's second device sends is Bob's.
    const atCarol = inbox(carol);
    const carolAtBob2 = bob2.contacts().find((x) => toHex(x.identityKey) === toHex(carol.identityKey))!;
    await bob2.send(carolAtBob2.id, { type: 'text', text: 'from bob-2' });
    await until(() => atCarol.some((m) => textOf(m) === 'from bob-2'));
    expect(atCarol.find((m) => textOf(m) === 'from bob-2')!.from.id).toBe(bobAtCarol);

    // Nothing Carol sends to Mallory goes to Bob's device; a group with both counts it under Bob only.
    carolRec.mailboxes.length = 0;
    await carol.send(malloryAtCarol, { type: 'text', text: 'to mallory' });
    expect(carolRec.mailboxes).not.toContain(bob2Mailbox);
    const group = await carol.createGroup('both', [malloryAtCarol, bobAtCarol]);
    expect(group.devices[toHex(mallory.identityKey)]).toEqual([toHex(mallory.identityKey)]);
    expect(group.devices[toHex(bob.identityKey)]?.slice().sort()).toEqual([toHex(bob.identityKey), toHex(bob2Key)].sort());

    // Mallory drops it again: Carol neither forgets her session with Bob's device nor shuts it out of the group.
    const session = await c.store.get('sessions', toHex(bob2Key));
    expect(session).toBeDefined();
    await malloryLists(mallory, { remove: bob2Key });
    const dropped = toHex(contextOf(mallory).account!.list!);
    await until(() => toHex(c.contacts.get(malloryAtCarol)!.deviceList!) === dropped);
    expect(await c.store.get('sessions', toHex(bob2Key))).toBeDefined();
    expect(carol.group(group.id).devices[toHex(bob.identityKey)]).toContain(toHex(bob2Key));
    carolRec.mailboxes.length = 0;
    await carol.sendToGroup(group.id, { type: 'text', text: 'to the group' });
    expect(carolRec.mailboxes).toContain(bob2Mailbox);
    expect(conflicts.every((e) => e.reason === 'DEVICE_CLAIMED')).toBe(true);
  }, 120_000);

  it('a device that made a contact of its own before it was linked is attributed to its account once it announces itself', async () => {
    const erin = await openInFile(file, 'erin');
    const frank = await openInFile(file, 'frank');
    const frank2 = await openInFile(file, 'frank-2');
    const { aAtB: frankAtErin } = await befriend(frank, erin);
    const { aAtB: frank2AtErin } = await befriend(frank2, erin); // Erin knows frank-2 alone, by its device key
    const conflicts: DeviceListConflictEvent[] = [];
    erin.on('device-list-conflict', (e) => conflicts.push(e));
    await linkWithoutChannel(frank, frank2);
    const e = contextOf(erin);
    await until(() => contactPeers(e.contacts.get(frankAtErin)!).length === 2);
    expect(e.contacts.byDeviceKey(frank2.identityKey)?.id).toBe(frankAtErin);
    const atErin = inbox(erin);
    const erinAtFrank2 = frank2.contacts().find((x) => toHex(x.identityKey) === toHex(erin.identityKey))!;
    await frank2.send(erinAtFrank2.id, { type: 'text', text: 'now as frank' });
    await until(() => atErin.some((m) => textOf(m) === 'now as frank'));
    expect(atErin.find((m) => textOf(m) === 'now as frank')!.from.id).toBe(frankAtErin);
    // The device-keyed contact was merged into Frank's (client.md §10.1): its id resolves there; no claim was reported.
    expect(e.contacts.get(frank2AtErin)?.id).toBe(frankAtErin);
    expect(erin.contacts().map((x) => x.id)).toEqual([frankAtErin]);
    expect(conflicts).toEqual([]);
  }, 90_000);

  it('a revoked device learns it: revoked event, sends and announcements refused, its store still readable', async () => {
    const alice = await openInFile(file, 'alice');
    const dave = await openInFile(file, 'dave');
    const { aAtB: aliceAtDave } = await befriend(alice, dave);
    const alice2Rec = recorder();
    const alice2 = await recording('alice-2', alice2Rec);
    await linkWithoutChannel(alice, alice2);
    const daveAtAlice2 = alice2.contacts().find((x) => toHex(x.identityKey) === toHex(dave.identityKey))!;
    const atAlice2 = inbox(alice2);
    await dave.send(aliceAtDave, { type: 'text', text: 'before' });
    await until(() => atAlice2.some((m) => textOf(m) === 'before'));

    const revoked = alice2.next('revoked');
    const id = alice.devices().find((d) => d.key === toHex(alice2.identityKey))!.id;
    await alice.revokeDevice(id);
    expect(await revoked).toMatchObject({ account: toHex(alice.identityKey), version: 2 });

    const refused = await alice2.send(daveAtAlice2.id, { type: 'text', text: 'after' }).then(() => undefined, (e: unknown) => e);
    expect(isClientError(refused, 'NOT_ALLOWED')).toBe(true);
    expect((refused as { details?: { reason?: string } }).details?.reason).toBe('REVOKED');
    alice2Rec.mailboxes.length = 0;
    await announce(contextOf(alice2));
    expect(alice2Rec.mailboxes).toEqual([]);
    expect((await alice2.messages({ contact: daveAtAlice2.id })).length).toBeGreaterThan(0);
    expect(alice2.contacts().length).toBe(1);

    // The store says so after a restart too.
    await alice2.close();
    const again = await openInFile(file, 'alice-2');
    const afterRestart = await again.send(daveAtAlice2.id, { type: 'text', text: 'after restart' }).then(() => undefined, (e: unknown) => e);
    expect(isClientError(afterRestart, 'NOT_ALLOWED')).toBe(true);
    expect((await again.messages({ contact: daveAtAlice2.id })).map(textOf)).toContain('before');
  }, 90_000);
});
