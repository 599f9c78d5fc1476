/**
 * Linked devices and invitations (client.md §10.2, §10.3) against a real relay process: a linked device that
 * accepts or issues an invitation makes a contact keyed by its own device key at the other side; its
 * announcement re-keys that contact to the account, its siblings learn the contact (contact-sync) and announce
 * themselves, and from then on the contact reaches every device of the account and each device syncs to the others.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { contactPeers } from '../../src/client/devices/index.js';
import { equalBytes, toHex } from '../../src/crypto/index.js';
import { until } from '../relay/harness.js';
import { befriend, openInFile, relayPerFile } from '../scenario/helpers.js';
import { contextOf, linkWithoutChannel, textOf, inbox } from './devices-helpers.js';

const file = relayPerFile('parley-devices-contacts-');

/** Waits until `client` holds a contact of `account` that it reaches on `n` devices; returns its id. */
async function untilReaches(client: Client, account: Uint8Array, n: number): Promise<string> {
  const ctx = contextOf(client);
  await until(() => {
    const c = ctx.contacts.byAccountKey(account);
    return c !== undefined && contactPeers(c).length === n;
  });
  return ctx.contacts.byAccountKey(account)!.id;
}

describe('linked devices: contacts made on a linked device', () => {
  it('accepting an invitation on a linked device: the inviter re-keys it to the account, the primary learns the contact', async () => {
    const alice = await openInFile(file, 'alice');
    const alice2 = await openInFile(file, 'alice-2');
    await linkWithoutChannel(alice, alice2);
    const carol = await openInFile(file, 'carol');
    const added = alice.next('contact-added');
    await befriend(carol, alice2); // carol invites, alice-2 accepts
    expect(equalBytes((await added).contact.identityKey, carol.identityKey)).toBe(true);

    const aliceAtCarol = await untilReaches(carol, alice.identityKey, 2);
    const carolAtAlice = await untilReaches(alice, carol.identityKey, 1);
    const carolAtAlice2 = await untilReaches(alice2, carol.identityKey, 1);
    expect(carol.contacts().length).toBe(1);
    expect(toHex(carol.contact(aliceAtCarol).previousIdentityKey!)).toBe(toHex(alice2.identityKey));

    const [atAlice, atAlice2, atCarol] = [inbox(alice), inbox(alice2), inbox(carol)];
    await carol.send(aliceAtCarol, { type: 'text', text: 'hello account' });
    await alice.send(carolAtAlice, { type: 'text', text: 'from alice-1' });
    await alice2.send(carolAtAlice2, { type: 'text', text: 'from alice-2' });
    await until(() => atCarol.length >= 2 && atAlice.length >= 2 && atAlice2.length >= 2);
    expect(atCarol.map(textOf).sort()).toEqual(['from alice-1', 'from alice-2']);
    expect(atCarol.every((m) => m.from.id === aliceAtCarol)).toBe(true);
    expect(atAlice.map((m) => `${m.outgoing === true ? 'out' : 'in'} ${textOf(m)}`).sort()).toEqual(['in hello account', 'out from alice-2']);
    expect(atAlice2.map((m) => `${m.outgoing === true ? 'out' : 'in'} ${textOf(m)}`).sort()).toEqual(['in hello account', 'out from alice-1']);
  }, 90_000);

  it('an invitation issued by a linked device: the acceptor ends up with the account, reaching both devices', async () => {
    const erin = await openInFile(file, 'erin');
    const erin2 = await openInFile(file, 'erin-2');
    await linkWithoutChannel(erin, erin2);
    const dave = await openInFile(file, 'dave');
    const added = erin.next('contact-added');
    const { bAtA: daveAtErin2 } = await befriend(erin2, dave); // erin-2 invites, dave accepts
    expect(equalBytes((await added).contact.identityKey, dave.identityKey)).toBe(true);
    const erinAtDave = await untilReaches(dave, erin.identityKey, 2);
    const daveAtErin = await untilReaches(erin, dave.identityKey, 1);

    const [atErin, atErin2, atDave] = [inbox(erin), inbox(erin2), inbox(dave)];
    await dave.send(erinAtDave, { type: 'text', text: 'hi erin' });
    await erin.send(daveAtErin, { type: 'text', text: 'hi dave' });
    await until(() => atErin.length >= 1 && atErin2.length >= 2 && atDave.length >= 1);
    expect(atDave.map(textOf)).toEqual(['hi dave']);
    expect(atErin.map(textOf)).toEqual(['hi erin']);
    expect(atErin2.map((m) => `${m.outgoing === true ? 'out' : 'in'} ${textOf(m)}`).sort()).toEqual(['in hi erin', 'out hi dave']);
    expect(erin2.contact(daveAtErin2).identityKey).toEqual(dave.identityKey);
  }, 90_000);

  it('an invitation from a listed device of an account we know: the same contact, one more device reached', async () => {
    const gina = await openInFile(file, 'gina');
    const hank = await openInFile(file, 'hank');
    const { aAtB: ginaAtHank } = await befriend(gina, hank);
    const gina2 = await openInFile(file, 'gina-2');
    await linkWithoutChannel(gina, gina2);
    await untilReaches(hank, gina.identityKey, 2);
    // gina-2 invites hank, who knows gina's account already (no contact-added on either side: nobody is new).
    const accepted = await hank.acceptInvite((await gina2.createInvite()).text);
    expect(accepted.id).toBe(ginaAtHank);
    expect(hank.contacts().map((c) => c.id)).toEqual([ginaAtHank]);
    expect(toHex(hank.contact(ginaAtHank).identityKey)).toBe(toHex(gina.identityKey));
    expect(gina2.contacts().filter((c) => equalBytes(c.identityKey, hank.identityKey)).length).toBe(1);
    const [atGina, atGina2] = [inbox(gina), inbox(gina2)];
    await hank.send(ginaAtHank, { type: 'text', text: 'still one contact' });
    await until(() => atGina.length >= 1 && atGina2.length >= 1);
    expect([...atGina, ...atGina2].map(textOf)).toEqual(['still one contact', 'still one contact']);
  }, 90_000);

  it('a contact verified against a device key, re-keyed to its account: an identity change (sending waits for approval)', async () => {
    const ivan = await openInFile(file, 'ivan');
    const ivan2 = await openInFile(file, 'ivan-2');
    const judy = await openInFile(file, 'judy');
    const { aAtB: judyAtIvan2, bAtA: ivan2AtJudy } = await befriend(judy, ivan2); // before ivan-2 is linked
    void judyAtIvan2;
    await judy.setVerified(ivan2AtJudy);
    const changed = judy.next('identity-changed');
    await linkWithoutChannel(ivan, ivan2); // ivan-2 announces itself to judy with ivan's list
    const e = await changed;
    expect(e.wasVerified).toBe(true);
    expect(toHex(e.previousIdentityKey)).toBe(toHex(ivan2.identityKey));
    expect(toHex(e.contact.identityKey)).toBe(toHex(ivan.identityKey));
    expect(judy.contact(ivan2AtJudy)).toMatchObject({ verified: false, changed: true });
    await expect(judy.send(ivan2AtJudy, { type: 'text', text: 'x' })).rejects.toMatchObject({ code: 'IDENTITY_CHANGED' });
  }, 90_000);
});
