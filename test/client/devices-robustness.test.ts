/**
 * Robustness of a contact's linked devices (spec/client.md §10.1–§10.3), on the relay double: an announcement
 * the primary's newer list overtook still records its device's address (§10.2), two contacts one list proves to
 * be one account become one (§10.1), and an announcement a lost connection cut off is owed to that peer and made
 * after the next authentication (§10.3 "Announcing"). Each case fails on a client without its rule.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { announce, commitOwnList, contactEntries, contactPeers, installAccount, siblingPeers } from '../../src/client/devices/index.js';
import type { DeviceListConflictEvent } from '../../src/client/events.js';
import { equalBytes, toHex, type Bytes } from '../../src/crypto/index.js';
import { encodeDeviceList, encodeIdentityKeyPair, generateIdentityKeyPair, openDeviceList } from '../../src/identity/index.js';
import { MemoryStore, put, type Store } from '../../src/store/index.js';
import { seededRandom } from '../../src/testing/index.js';
import type { SiblingRecord } from '../../src/wire/client/account.js';
import { decodeTokenRecord } from '../../src/wire/client/records.js';
import { until } from '../relay/harness.js';
import { befriend } from '../scenario/helpers.js';
import { contextOf, cutBundleFetch, inbox, linkWithoutChannel, nextList, textOf } from './devices-helpers.js';
import { MemoryRelayHub } from './memory-relay.js';

let seed = 140;

/** A store that survives `close()`: a restart keeps the disk. */
function durable(store: Store): Store {
  return { get: (n, k) => store.get(n, k), list: (n) => store.list(n), write: (b) => store.write(b), close: async () => undefined };
}

interface Device {
  client: Client;
  readonly store: Store;
  readonly name: string;
}

async function reopen(hub: MemoryRelayHub, d: Device): Promise<Client> {
  const identityKey = contextOf(d.client).identity.publicKey;
  const client = await Client.open({ relay: 'ws://relay.test', store: d.store, transport: hub.transport(identityKey), displayName: d.name });
  await client.ready();
  return client;
}

async function device(hub: MemoryRelayHub, name: string): Promise<Device> {
  const store = durable(new MemoryStore());
  const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(seed++)));
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  const client = await Client.open({ relay: 'ws://relay.test', store, transport: hub.transport(identity.publicKey), displayName: name });
  await client.ready();
  return { client, store, name };
}

/**
 * Links `device` to `primary`'s account as linkWithoutChannel does, but the new device announces itself to its
 * siblings only: its announcement to the contacts is still on its way. Resolves with the list that linked it.
 */
async function linkQuietly(primary: Client, fresh: Client): Promise<Bytes> {
  const p = contextOf(primary);
  const n = contextOf(fresh);
  const list = nextList(p, { add: n.identity.publicKey });
  const bytes = encodeDeviceList(list);
  const token = p.random(32);
  await p.relay.registerToken(token);
  await commitOwnList(p, bytes, { added: [{ key: n.identity.publicKey, ourToken: token }] });
  const self: SiblingRecord = { key: p.identity.publicKey, mailbox: p.mailbox as Bytes, token };
  const others = (p.account?.siblings ?? []).filter((s) => !equalBytes(s.key, n.identity.publicKey) && s.mailbox !== undefined && s.token !== undefined);
  const deviceId = list.devices.find((d) => equalBytes(d.key, n.identity.publicKey))!.id;
  await installAccount(n, { accountKey: p.identity.publicKey, deviceId, list: bytes, contacts: contactEntries(p), siblings: [self, ...others] });
  await announce(n, siblingPeers(n));
  await announce(p);
  await until(() => p.account?.siblings.some((s) => equalBytes(s.key, n.identity.publicKey) && s.token !== undefined) === true);
  return bytes;
}


const reaches = (client: Client, contactId: string, key: Bytes): boolean =>
  contactPeers(contextOf(client).contacts.get(contactId)!).some((p) => equalBytes(p.identityKey, key));

describe('linked devices: robustness of a contact account (client.md §10)', () => {
  it("an announcement overtaken by the primary's newer list still records the device's address (STALE_EPOCH)", async () => {
    const hub = new MemoryRelayHub();
    const [bob, bob2, bob3, carol] = [await device(hub, 'bob'), await device(hub, 'bob-2'), await device(hub, 'bob-3'), await device(hub, 'carol')];
    const { aAtB: bobAtCarol } = await befriend(bob.client, carol.client);
    const first = await linkQuietly(bob.client, bob2.client); // version 1: Bob and Bob-2; Bob-2's announcement to Carol not sent yet
    await linkWithoutChannel(bob.client, bob3.client); // version 2 reaches Carol first
    const c = contextOf(carol.client);
    await until(() => reaches(carol.client, bobAtCarol, bob3.client.identityKey));
    expect(reaches(carol.client, bobAtCarol, bob2.client.identityKey)).toBe(false);

    // Bob-2's announcement carries the list it held when it sent it: version 1.
    const stale = carol.client.next('device-list-conflict', (e: DeviceListConflictEvent) => e.reason === 'STALE_EPOCH');
    const added: string[] = [];
    carol.client.on('devices-changed', (e) => added.push(...e.added));
    const n = contextOf(bob2.client);
    const current = n.account!;
    n.account = { ...current, list: first };
    await announce(n, contactPeers(n.contacts.byAccountKey(carol.client.identityKey)!));
    n.account = current;
    await stale; // emitted after the envelope's batch was committed
    expect(added).toEqual([toHex(bob2.client.identityKey)]);
    expect(openDeviceList(c.contacts.get(bobAtCarol)!.deviceList!).version).toBe(2); // the newer list is kept
    expect(reaches(carol.client, bobAtCarol, bob2.client.identityKey)).toBe(true);
    await Promise.all([bob, bob2, bob3, carol].map((d) => d.client.close()));
  }, 30_000);

  it('two contacts of one account become one once a list proves it: both devices, one history, the old id resolving', async () => {
    const hub = new MemoryRelayHub();
    const [erin, frank, frank2] = [await device(hub, 'erin'), await device(hub, 'frank'), await device(hub, 'frank-2')];
    const { aAtB: frankAtErin } = await befriend(frank.client, erin.client);
    const { aAtB: frank2AtErin } = await befriend(frank2.client, erin.client); // Erin knows frank-2 alone, by its device key
    const atErin = inbox(erin.client);
    await frank2.client.send(frank2.client.contacts()[0]!.id, { type: 'text', text: 'before the link' });
    await until(() => atErin.some((m) => textOf(m) === 'before the link'));

    // Another account's list naming frank-2 merges nothing: frank-2 never vouched for it.
    const mergedIds: string[] = [];
    erin.client.on('contact-merged', (e) => mergedIds.push(e.from));
    const mallory = await device(hub, 'mallory');
    const { aAtB: malloryAtErin } = await befriend(mallory.client, erin.client);
    const m = contextOf(mallory.client);
    await commitOwnList(m, encodeDeviceList(nextList(m, { add: frank2.client.identityKey })), { added: [{ key: frank2.client.identityKey }] });
    await announce(m);
    await until(() => contextOf(erin.client).contacts.get(malloryAtErin)?.deviceList !== undefined);
    expect(erin.client.contacts()).toHaveLength(3);
    expect(mergedIds).toEqual([]);

    const merged = erin.client.next('contact-merged');
    await linkWithoutChannel(frank.client, frank2.client);
    expect(await merged).toMatchObject({ from: frank2AtErin, into: { id: frankAtErin } });
    expect(erin.client.contacts().map((c) => c.id).sort()).toEqual([frankAtErin, malloryAtErin].sort());
    expect(erin.client.contact(frank2AtErin).id).toBe(frankAtErin);
    expect(reaches(erin.client, frankAtErin, frank.client.identityKey) && reaches(erin.client, frankAtErin, frank2.client.identityKey)).toBe(true);
    const history = await erin.client.messages({ contact: frankAtErin });
    expect(history.filter((m) => textOf(m) === 'before the link').map((m) => m.from)).toEqual([frankAtErin]);

    // The id the app held reaches both devices, and still resolves after a restart.
    const [atFrank, atFrank2] = [inbox(frank.client), inbox(frank2.client)];
    await erin.client.send(frank2AtErin, { type: 'text', text: 'to both' });
    await until(() => atFrank.some((m) => textOf(m) === 'to both') && atFrank2.some((m) => textOf(m) === 'to both'));
    await erin.client.close();
    erin.client = await reopen(hub, erin);
    expect(erin.client.contacts().map((c) => c.id).sort()).toEqual([frankAtErin, malloryAtErin].sort());
    expect(erin.client.contact(frank2AtErin).id).toBe(frankAtErin);
    expect((await erin.client.messages({ contact: frank2AtErin })).map(textOf)).toContain('before the link');
    // Blocking by the old id blocks the account's contact and revokes the token issued to the merged one too.
    const tokensBound = async (): Promise<(string | undefined)[]> => (await contextOf(erin.client).store.list('tokens')).map((t) => decodeTokenRecord(t.value).contact);
    expect(await tokensBound()).toContain(frank2AtErin);
    expect((await erin.client.block(frank2AtErin)).id).toBe(frankAtErin);
    expect(await tokensBound()).not.toContain(frank2AtErin);
    await Promise.all([erin, frank, frank2, mallory].map((d) => d.client.close()));
  }, 30_000);

  it('an announcement a lost connection cut off stays owed to that peer and is made after the restart', async () => {
    const hub = new MemoryRelayHub();
    const [bob, bob2, carol] = [await device(hub, 'bob'), await device(hub, 'bob-2'), await device(hub, 'carol')];
    const { aAtB: bobAtCarol } = await befriend(bob.client, carol.client);
    const errors: unknown[] = [];
    bob2.client.on('error', (e) => errors.push(e.error));
    // Bob-2's announcement to Carol needs her bundle (a first session): that fetch falls into a lost connection.
    cutBundleFetch(bob2.client, contextOf(carol.client).mailbox as Bytes);
    await linkWithoutChannel(bob.client, bob2.client); // the announcement to Bob, the sibling, goes through
    const key = bob2.client.identityKey;
    expect(reaches(carol.client, bobAtCarol, key)).toBe(false);
    const record = contextOf(bob2.client).account!;
    expect(record.owedToAll).toBeUndefined();
    expect(record.owed?.map(toHex)).toEqual([toHex(carol.client.identityKey)]); // owed to Carol only, durably
    expect(errors).toEqual([]); // a lost connection is no error: the work waits for the next one

    await bob2.client.close();
    bob2.client = await reopen(hub, bob2);
    await until(() => reaches(carol.client, bobAtCarol, key));
    await until(() => contextOf(bob2.client).account!.owed === undefined);
    await Promise.all([bob, bob2, carol].map((d) => d.client.close()));
  }, 30_000);
});
