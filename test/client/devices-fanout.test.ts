/**
 * Linked devices, sending (client.md §10.3) against a real relay process: after linking (without the channel,
 * devices-helpers.ts) a message to the account reaches each of its devices once, a message from one device
 * reaches the contact once and every sibling as `outgoing`, with one `sent` event per message.
 */
import { describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../src/client/events.js';
import { contactPeers } from '../../src/client/devices/index.js';
import { sendPayload } from '../../src/client/messaging/send.js';
import { equalBytes, systemRandom, toHex } from '../../src/crypto/index.js';
import { generateIdentityKeyPair } from '../../src/identity/index.js';
import { encodeContactEntry } from '../../src/wire/client/contact-entry.js';
import { encodeContent, newContent } from '../../src/wire/client/content.js';
import { encodePayload } from '../../src/wire/client/payload.js';
import { befriend, openInFile, relayPerFile } from '../scenario/helpers.js';
import { until } from '../relay/harness.js';
import { contextOf, linkWithoutChannel, textOf, untilContactLists, inbox } from './devices-helpers.js';

const file = relayPerFile('parley-devices-fanout-');

const texts = (got: readonly MessageEvent[], outgoing = false): string[] => got.filter((m) => (m.outgoing === true) === outgoing).map(textOf);

describe('linked devices: fan-out and sent-message sync', () => {
  it('every device of the recipient and every other device of the sender gets each message exactly once', async () => {
    const alice = await openInFile(file, 'alice');
    const bob = await openInFile(file, 'bob');
    const { bAtA, aAtB } = await befriend(alice, bob);
    const alice2 = await openInFile(file, 'alice-2');
    const [atAlice, atAlice2, atBob] = [inbox(alice), inbox(alice2), inbox(bob)];
    const devicesChanged = bob.next('devices-changed');
    await linkWithoutChannel(alice, alice2);
    const changed = await devicesChanged;
    expect(changed.self).toBe(false);
    expect(changed.contact?.id).toBe(aAtB);
    expect(changed.added).toEqual([toHex(alice2.identityKey)]);
    await untilContactLists(bob, alice.identityKey, [alice.identityKey, alice2.identityKey]);
    // Bob reaches alice-2 once its announcement arrived; alice-2 has Bob as a contact from the entries.
    await until(() => contextOf(bob).contacts.get(aAtB)?.devices?.some((d) => d.token !== undefined) === true);
    const bobAtAlice2 = alice2.contacts().find((c) => toHex(c.identityKey) === toHex(bob.identityKey));
    expect(bobAtAlice2).toBeDefined();

    await bob.send(aAtB, { type: 'text', text: 'to both' });
    await until(() => atAlice.length >= 1 && atAlice2.length >= 1);

    const sent: string[] = [];
    alice.on('sent', (e) => sent.push(toHex(e.id)));
    const m1 = await alice.send(bAtA, { type: 'text', text: 'from alice-1' });
    await until(() => atBob.length >= 1 && atAlice2.length >= 2);
    expect(sent).toEqual([toHex(m1.id)]);

    await alice2.send(bobAtAlice2!.id, { type: 'text', text: 'from alice-2' });
    await until(() => atBob.length >= 2 && atAlice.length >= 2);
    // A marker round: whatever was still on its way has arrived once it has.
    await bob.send(aAtB, { type: 'text', text: 'marker' });
    await until(() => atAlice.length >= 3 && atAlice2.length >= 3);

    expect(texts(atBob)).toEqual(['from alice-1', 'from alice-2']);
    expect(atBob.every((m) => m.from.id === aAtB)).toBe(true);
    expect(texts(atAlice)).toEqual(['to both', 'marker']);
    expect(texts(atAlice, true)).toEqual(['from alice-2']);
    expect(atAlice.find((m) => m.outgoing)?.from.id).toBe(bAtA);
    expect(texts(atAlice2)).toEqual(['to both', 'marker']);
    expect(texts(atAlice2, true)).toEqual(['from alice-1']);
    expect(atAlice2.find((m) => m.outgoing)?.from.id).toBe(bobAtAlice2!.id);
    // Stored too: the sync is in alice-2's history as outgoing.
    expect((await alice2.messages({ contact: bobAtAlice2!.id })).filter((m) => m.outgoing).map(textOf)).toEqual(['from alice-1']);

    // A contact is no sibling: a sync or contact-sync from Bob is discarded (client.md §10.2).
    const b = contextOf(bob);
    const toAlice = contactPeers(b.contacts.get(aAtB)!).find((p) => equalBytes(p.identityKey, alice.identityKey))!;
    const forged = encodeContent(newContent({ type: 'text', text: 'forged sync' }, b.random, Date.now()));
    await sendPayload(b, toAlice, encodePayload({ type: 'sync', to: bob.identityKey, content: forged }), 'internal');
    const entry = { accountKey: generateIdentityKeyPair(systemRandom).publicKey, relay: file.relay.url, devices: [], verified: true, blocked: false };
    await sendPayload(b, toAlice, encodePayload({ type: 'contact-sync', entry: encodeContactEntry(entry) }), 'internal');
    await bob.send(aAtB, { type: 'text', text: 'marker 2' });
    await until(() => atAlice.some((m) => textOf(m) === 'marker 2'));
    expect(atAlice.map(textOf)).not.toContain('forged sync');
    expect(alice.contacts().length).toBe(1);
  }, 60_000);
});
