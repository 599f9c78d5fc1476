/**
 * Linking a device at the client level (spec/client.md §10.4, §10.5), two or
 * more real Clients over a real relay process: the new device N offers, the
 * primary E links it through the relay's link mailboxes (relay.md §14), then
 * N chats with a third client C; a rejected SAS installs nothing; a linked
 * device may not link or revoke; the ninth device is refused; a revoked
 * device receives nothing C sends once C processed the revocation.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { isClientError } from '../../src/client/errors.js';
import { linkOfferToString } from '../../src/client/linking/offer-text.js';
import { equalBytes, systemRandom, toHex } from '../../src/crypto/index.js';
import { createLinkOffer } from '../../src/linking/index.js';
import { MAX_DEVICES_PER_ACCOUNT } from '../../src/constants.js';
import type { RelayRequest } from '../../src/wire/relay-frames.js';
import { befriend, openInFile, openRecordingClient, relayPerFile, text } from '../scenario/helpers.js';
import { linkThroughChannel as link } from './devices-helpers.js';

const file = relayPerFile('parley-linking-');
let n = 0;

/** A client named `name` on the file's relay, in a store of its own (a name may be opened more than once). */
const open = (name: string): Promise<Client> => openInFile(file, `${name}-${n++}`, name);

const code = (e: unknown): string | undefined => (isClientError(e) ? e.code : undefined);

describe('linking a device (client level, real relay)', () => {
  it('links N to E, then N and C chat: C hears both devices of A, E sees what N sent (sync)', async () => {
    const e = await open('alice');
    const c = await open('carol');
    const { bAtA: carolAtAlice, aAtB: aliceAtCarol } = await befriend(e, c);
    const nClient = await open('alice-laptop');
    const carolSawDevices = c.next('devices-changed', (ev) => !ev.self && ev.added.includes(toHex(nClient.identityKey)));

    const offering = await nClient.offerLink();
    expect(offering.text.startsWith('parley-link:')).toBe(true);
    const linking = await e.linkDevice(offering.text);
    expect(await offering.sas).toBe(linking.sas);
    const [device, account] = await Promise.all([linking.confirm(), offering.confirm()]);

    expect(device).toMatchObject({ id: 2, key: toHex(nClient.identityKey), primary: false, self: false });
    expect(account).toMatchObject({ account: toHex(e.identityKey), deviceId: 2, contacts: 1, history: 0 });
    expect(await nClient.messages()).toEqual([]); // history is off unless asked for
    expect(e.devices().map((d) => [d.id, d.primary, d.self])).toEqual([[1, true, true], [2, false, false]]);
    expect(nClient.devices().map((d) => [d.id, d.primary, d.self])).toEqual([[1, true, false], [2, false, true]]);
    const carolAtN = nClient.contacts();
    expect(carolAtN.map((x) => toHex(x.identityKey))).toEqual([toHex(c.identityKey)]);
    await carolSawDevices;

    const eSync = e.next('message', (m) => m.outgoing === true);
    const atCarol = c.next('message');
    await nClient.send(carolAtN[0]!.id, { type: 'text', text: 'from the laptop' });
    const m = await atCarol;
    expect(text(m)).toBe('from the laptop');
    expect(m.from.id).toBe(aliceAtCarol);
    const synced = await eSync;
    expect(text(synced)).toBe('from the laptop');
    expect(synced.from.id).toBe(carolAtAlice);

    const atE = e.next('message', (x) => x.outgoing !== true);
    const atN = nClient.next('message', (x) => x.outgoing !== true);
    await c.send(aliceAtCarol, { type: 'text', text: 'to both of you' });
    expect(text(await atE)).toBe('to both of you');
    const heard = await atN;
    expect(text(heard)).toBe('to both of you');
    expect(heard.from.id).toBe(carolAtN[0]!.id);
  }, 180_000);

  it('with history: true, the new device stores the primary\'s 1:1 messages under its own contact ids', async () => {
    const e = await open('jo');
    const c = await open('kim');
    const { aAtB: joAtKim } = await befriend(e, c);
    for (const t of ['one', 'two']) {
      const got = e.next('message');
      await c.send(joAtKim, { type: 'text', text: t });
      await got;
    }
    const fresh = await open('jo-laptop');
    const offering = await fresh.offerLink();
    const linking = await e.linkDevice(offering.text, { history: true });
    expect(await offering.sas).toBe(linking.sas);
    const [, account] = await Promise.all([linking.confirm(), offering.confirm()]);
    expect(account.history).toBe(2);
    const kimAtLaptop = fresh.contacts()[0]!;
    const stored = await fresh.messages({ contact: kimAtLaptop.id });
    expect(stored.map(text)).toEqual(['one', 'two']);
    expect(stored.map((m) => m.receivedAt)).toEqual((await e.messages()).map((m) => m.receivedAt));
  }, 180_000);

  it('a rejected SAS installs nothing on either side', async () => {
    const e = await open('erin');
    const c = await open('cy');
    await befriend(e, c);
    const fresh = await open('erin-phone');
    const offering = await fresh.offerLink();
    const linking = await e.linkDevice(offering.text);
    await offering.sas;
    await Promise.all([offering.cancel(), linking.cancel()]); // the user saw different digits
    expect(await offering.confirm().catch(code)).toBe('LINK_FAILED');
    expect(await linking.confirm().catch(code)).toBe('LINK_FAILED');
    expect(fresh.contacts()).toEqual([]);
    expect(fresh.devices()).toHaveLength(1);
    expect(fresh.devices()[0]).toMatchObject({ primary: true, self: true });
    expect(e.devices()).toHaveLength(1);
    // The fresh device can still make a new offer and be linked.
    await link(e, fresh);
    expect(e.devices()).toHaveLength(2);
  }, 180_000);

  it('closing the client ends a link in progress: its SAS and confirm reject CLOSED', async () => {
    const fresh = await open('lee-phone');
    const offering = await fresh.offerLink();
    await fresh.close();
    expect(await offering.sas.catch(code)).toBe('CLOSED');
    expect(await offering.confirm().catch(code)).toBe('CLOSED');
  }, 180_000);

  it('a second party racing the primary with its own hello: the new device shows that party\'s SAS, not the primary\'s', async () => {
    const e = await open('ivy');
    const racer = await open('mallory');
    const fresh = await open('ivy-tablet');
    const offering = await fresh.offerLink();
    const raced = await racer.linkDevice(offering.text); // its hello is stored first: the new device takes it
    const linking = await e.linkDevice(offering.text);
    const sas = await offering.sas;
    expect(sas).toBe(raced.sas);
    expect(sas).not.toBe(linking.sas); // equal with probability 10^-6: the users see different digits and reject
    await Promise.all([offering.cancel(), linking.cancel(), raced.cancel()]);
    expect(fresh.contacts()).toEqual([]);
    expect(fresh.devices()).toHaveLength(1);
    expect(e.devices()).toHaveLength(1);
    expect(racer.devices()).toHaveLength(1);
  }, 180_000);

  it('a linked device can neither link nor revoke (NOT_PRIMARY); the ninth device is refused (DEVICE_LIMIT)', async () => {
    const e = await open('frank');
    const first = await open('frank-1');
    await link(e, first);
    const other = await open('frank-x');
    const offering = await other.offerLink();
    expect(await first.linkDevice(offering.text).catch(code)).toBe('NOT_PRIMARY');
    expect(await first.revokeDevice(1).catch(code)).toBe('NOT_PRIMARY');
    expect(await e.revokeDevice(1).catch(code)).toBe('NOT_ALLOWED');
    expect(await e.revokeDevice(99).catch(code)).toBe('UNKNOWN_DEVICE');
    await offering.cancel();
    expect(await e.linkDevice('parley-link:AAAA').catch(code)).toBe('INVALID_ARGUMENT');
    const elsewhere = createLinkOffer({ relayUrl: 'ws://another-relay.example', random: systemRandom }).offer;
    expect(await e.linkDevice(linkOfferToString(elsewhere)).catch(code)).toBe('INVALID_ARGUMENT');
    // Seven links on one connection of the primary: more than RELAY_LINK_MAX_LISTENS (4), since ended links' listens do not count.
    for (let i = e.devices().length; i < MAX_DEVICES_PER_ACCOUNT; i++) await link(e, await open(`frank-${i}`));
    expect(e.devices().map((d) => d.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const ninth = await open('frank-9');
    const refused = await ninth.offerLink();
    expect(await e.linkDevice(refused.text).catch(code)).toBe('DEVICE_LIMIT');
    await refused.cancel();
  }, 400_000);

  it('revoking: once C processed the new list, nothing C sends goes to the revoked device', async () => {
    const e = await open('gina');
    const requests: RelayRequest[] = [];
    const c = await openRecordingClient(join(file.tmp.dir, `hal-${n++}`), file.relay.url, 'hal', (r) => requests.push(r));
    file.open.push(c);
    const { aAtB: ginaAtHal } = await befriend(e, c);
    const laptop = await open('gina-laptop');
    const laptopKey = laptop.identityKey;
    const halKnowsLaptop = c.next('devices-changed', (ev) => ev.added.includes(toHex(laptopKey)));
    const { id } = await link(e, laptop);
    await halKnowsLaptop;
    // Hal reaches the laptop once it announced itself: a message to Gina arrives there.
    const first = laptop.next('message');
    await c.send(ginaAtHal, { type: 'text', text: 'before' });
    expect(text(await first)).toBe('before');
    const laptopMailbox = c.contact(ginaAtHal).devices?.find((d) => equalBytes(d.key, laptopKey))?.mailbox;
    expect(laptopMailbox).toBeDefined();

    const halSawRevocation = c.next('devices-changed', (ev) => ev.removed.includes(toHex(laptopKey)));
    const left = await e.revokeDevice(id);
    expect(left.map((d) => d.id)).toEqual([1]);
    await halSawRevocation;
    expect(c.contact(ginaAtHal).devices?.some((d) => equalBytes(d.key, laptopKey)) ?? false).toBe(false);

    let laptopHeard = 0;
    laptop.on('message', () => laptopHeard++);
    const atGina = e.next('message');
    const from = requests.length;
    await c.send(ginaAtHal, { type: 'text', text: 'after' });
    expect(text(await atGina)).toBe('after');
    const sentTo = requests.slice(from).flatMap((r) => (r.type === 'send' ? [r.mailbox] : r.type === 'fanout' ? r.to.map((t) => t.mailbox) : []));
    expect(sentTo.length).toBeGreaterThan(0);
    expect(sentTo.some((mb) => equalBytes(mb, laptopMailbox!))).toBe(false);
    expect(laptopHeard).toBe(0);
  }, 180_000);
});
