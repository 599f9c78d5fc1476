/**
 * Linked devices without the linking channel (client.md §10): the primary signs the next list naming the new
 * device (src/identity), publishes it, commits it with the token it issued for the device; the device installs
 * the account (the primary's contact entries, the primary as sibling) and both announce. What the linking flow
 * (§10.4) does after its SAS, so fan-out, sync and revocation are tested on their own.
 */
import { expect } from 'vitest';
import { Client } from '../../src/client/client.js';
import type { ClientContext } from '../../src/client/context.js';
import { ClientError } from '../../src/client/errors.js';
import type { MessageEvent } from '../../src/client/events.js';
import { accountWrite } from '../../src/client/devices/account.js';
import { announce, commitOwnList, contactEntries, installAccount, ownList, tellRevoked } from '../../src/client/devices/index.js';
import { contextOf } from '../../src/client/internals.js';
import { equalBytes, toHex, type Bytes } from '../../src/crypto/index.js';
import { encodeDeviceList, encodeIdentityKeyPair, generateIdentityKeyPair, openDeviceList, signDeviceList, type DeviceList } from '../../src/identity/index.js';
import { MemoryStore, put } from '../../src/store/index.js';
import { seededRandom } from '../../src/testing/index.js';
import type { SiblingRecord } from '../../src/wire/client/account.js';
import { until } from '../relay/harness.js';
import type { MemoryRelayHub } from './memory-relay.js';

export { contextOf };

/** The next list of the primary's account with `add` (a device key) or without `remove`, signed, not yet published. */
export function nextList(primary: ClientContext, change: { add?: Bytes; remove?: Bytes }): DeviceList {
  const known = ownList(primary) ?? null;
  const now = Date.now();
  let devices = known?.devices ?? [{ id: 1, key: primary.identity.publicKey, createdAt: now }];
  if (change.add !== undefined) devices = [...devices, { id: primary.account?.nextId ?? 2, key: change.add, createdAt: now }];
  if (change.remove !== undefined) devices = devices.filter((d) => !equalBytes(d.key, change.remove as Bytes));
  return signDeviceList({ account: primary.identity, previous: known, devices, createdAt: now });
}

/** Links `device` (a fresh Client) to `primary`'s account; resolves once both sides and the primary's contacts took the list. */
export async function linkWithoutChannel(primary: Client, device: Client): Promise<void> {
  const p = contextOf(primary);
  const n = contextOf(device);
  await primary.ready();
  await device.ready();
  const list = nextList(p, { add: n.identity.publicKey });
  const bytes = encodeDeviceList(list);
  await p.relay.publishDeviceList?.(bytes);
  const token = p.random(32);
  await p.relay.registerToken(token);
  await commitOwnList(p, bytes, { added: [{ key: n.identity.publicKey, ourToken: token }] });
  const self: SiblingRecord = { key: p.identity.publicKey, mailbox: p.mailbox as Bytes, token };
  const others = (p.account?.siblings ?? []).filter((s) => !equalBytes(s.key, n.identity.publicKey)).map((s) => ({
    key: s.key, ...(s.mailbox !== undefined && s.token !== undefined && { mailbox: s.mailbox, token: s.token }),
  }));
  const id = list.devices.find((d) => equalBytes(d.key, n.identity.publicKey))?.id as number;
  await installAccount(n, { accountKey: p.identity.publicKey, deviceId: id, list: bytes, contacts: contactEntries(p), siblings: [self, ...others] });
  await announce(n);
  await announce(p);
  // The primary reaches the new device once its announcement arrived.
  await until(() => p.account?.siblings.some((s) => equalBytes(s.key, n.identity.publicKey) && s.token !== undefined) === true);
}

/**
 * Revokes `device` from `primary`'s account (publish, commit, announce, tell the revoked device), as revokeDevice
 * does; `tell: false` leaves the revoked device unaware (it ignores the news): the primary's record forgets that it
 * owes the notice, so no later authentication sends it either.
 */
export async function revokeWithoutChannel(primary: Client, device: Client, { tell = true } = {}): Promise<void> {
  const p = contextOf(primary);
  const key = contextOf(device).identity.publicKey;
  const list = nextList(p, { remove: key });
  const bytes = encodeDeviceList(list);
  await p.relay.publishDeviceList?.(bytes);
  await commitOwnList(p, bytes);
  if (!tell) {
    const { untold: _, ...record } = p.account!;
    await p.lane.run(async () => {
      await p.store.write([accountWrite(record)]);
      p.account = record;
    });
  }
  await announce(p);
  if (tell) await tellRevoked(p);
}

/** Waits until `client` accepted a list of contact `account` that names exactly `devices`. */
export async function untilContactLists(client: Client, account: Bytes, devices: readonly Bytes[]): Promise<void> {
  const ctx = contextOf(client);
  const want = devices.map(toHex).sort().join();
  await until(() => {
    const list = ctx.contacts.byAccountKey(account)?.deviceList;
    return list !== undefined && openDeviceList(list).devices.map((d) => toHex(d.key)).sort().join() === want;
  });
}

/** Every message event `client` emits from now on. */
export function inbox(client: Client): MessageEvent[] {
  const got: MessageEvent[] = [];
  client.on('message', (m) => got.push(m));
  return got;
}

/** Text of a message event. */
export function textOf(m: { content: { body: unknown } }): string {
  return (m.content.body as { text?: string }).text ?? '';
}

/** The whole linking flow (client.md §10.4): both screens show one six-digit SAS and both users confirm. */
export async function linkThroughChannel(primary: Client, fresh: Client): Promise<{ id: number }> {
  const offering = await fresh.offerLink();
  const linking = await primary.linkDevice(offering.text);
  expect(await offering.sas).toBe(linking.sas);
  expect(linking.sas).toMatch(/^\d{6}$/);
  const [device] = await Promise.all([linking.confirm(), offering.confirm()]);
  return device;
}

let hubSeed = 200;

/** A fresh Client on the relay double (MemoryStore, an identity from a seed of this file's counter), ready. */
export async function hubDevice(hub: MemoryRelayHub, name: string): Promise<Client> {
  const store = new MemoryStore();
  const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(hubSeed++)));
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  const client = await Client.open({ relay: 'ws://relay.test', store, transport: hub.transport(identity.publicKey), displayName: name });
  await client.ready();
  return client;
}

/** The connection's next bundle fetch for `mailbox` fails as a dropped socket makes it fail; the rest go through. */
export function cutBundleFetch(client: Client, mailbox: Bytes): void {
  const relay = contextOf(client).relay;
  const real = relay.fetchBundle.bind(relay);
  let cut = false;
  relay.fetchBundle = async (to) => {
    if (cut || !equalBytes(to.mailbox, mailbox)) return real(to);
    cut = true;
    throw new ClientError('NOT_CONNECTED', 'the connection dropped (test)');
  };
}
