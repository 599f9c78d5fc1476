/**
 * Groups with linked devices (client.md §10.6) against a real relay process: three accounts of two devices each
 * (linked without the channel, devices-helpers.ts) in one group. Every device is a member with its own sender key
 * and gets each post exactly once (a sibling's as outgoing). A device its account revokes is excluded at once by
 * a member that accepts the new list — while both admins are offline — so it reads nothing that member posts
 * afterwards; the admin removes it once back; a device linked later is added by the admin and reads later posts.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import type { MessageEvent } from '../../src/client/events.js';
import type { RelayRecipient } from '../../src/client/transport/relay-api.js';
import { equalBytes, toHex, type Bytes } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import { groupDecrypt, roleOf } from '../../src/group/index.js';
import { decodeRelayEnvelope } from '../../src/wire/client/relay-envelope.js';
import { befriend, openInFile, relayPerFile } from '../scenario/helpers.js';
import { until } from '../relay/harness.js';
import { contextOf, linkWithoutChannel, revokeWithoutChannel, textOf } from './devices-helpers.js';
import { rotate } from '../../src/client/groups/rotation.js';
import { commitGroup } from '../../src/client/groups/state.js';
import { withExcluded } from '../../src/client/groups/exclusion.js';

const file = relayPerFile('parley-group-devices-');

interface Device { readonly name: string; client: Client; readonly got: MessageEvent[] }

async function device(name: string): Promise<Device> {
  const d: Device = { name, client: await openInFile(file, name), got: [] };
  listen(d);
  return d;
}

function listen(d: Device): void {
  d.client.on('message', (m) => { if (m.group !== undefined) d.got.push(m); });
}

/** Closes a device and opens it again on the same store (its mailbox kept what arrived meanwhile). */
async function reopen(d: Device): Promise<void> {
  const client = await openInFile(file, d.name);
  d.client = client;
  listen(d);
}

const key = (d: Device): Bytes => d.client.identityKey;
const texts = (d: Device, outgoing = false): string[] => d.got.filter((m) => (m.outgoing === true) === outgoing).map(textOf);
const groupOf = (d: Device, id: string) => contextOf(d.client).groups.find(id);
const isMember = (d: Device, id: string, member: Device): boolean => {
  const g = groupOf(d, id);
  return g !== undefined && roleOf(g.session.group, key(member)) !== null;
};
const ready = (ds: readonly Device[], id: string) => () => ds.every((d) => groupOf(d, id) !== undefined && d.client.group(id).ready);

/** Every pair of devices of different accounts has the other's address (each announced itself). */
function addressesKnown(ds: readonly Device[]): boolean {
  return ds.every((a) => ds.every((b) => {
    if (a === b) return true;
    const ctx = contextOf(a.client);
    const contact = ctx.contacts.byDeviceKey(key(b));
    if (contact === undefined) return ctx.account?.siblings.some((s) => equalBytes(s.key, key(b)) && s.token !== undefined) === true;
    if (equalBytes(contact.identityKey, key(b))) return contact.token !== undefined;
    return contact.devices?.some((x) => equalBytes(x.key, key(b)) && x.token !== undefined) === true;
  }));
}

/** Records the group envelopes (relay envelope bytes) `d` uploads, with their recipients. */
function captureFanouts(d: Device): { to: readonly RelayRecipient[]; data: Bytes }[] {
  const out: { to: readonly RelayRecipient[]; data: Bytes }[] = [];
  const api = contextOf(d.client).relay;
  const fanout = api.fanout.bind(api);
  api.fanout = (to, data) => {
    out.push({ to, data });
    return fanout(to, data);
  };
  return out;
}

describe('groups with linked devices', () => {
  it('each device a member with its own sender key; a revoked device is excluded at once, then removed; a new device is added', async () => {
    const [alice, bob, carol] = [await device('alice'), await device('bob'), await device('carol')];
    const bobAtAlice = (await befriend(alice.client, bob.client)).bAtA;
    const carolAtAlice = (await befriend(alice.client, carol.client)).bAtA;
    await befriend(bob.client, carol.client);
    const [alice2, bob2, carol2] = [await device('alice-2'), await device('bob-2'), await device('carol-2')];
    await linkWithoutChannel(alice.client, alice2.client);
    await linkWithoutChannel(bob.client, bob2.client);
    await linkWithoutChannel(carol.client, carol2.client);
    const all = [alice, alice2, bob, bob2, carol, carol2];
    await until(() => addressesKnown(all));

    // Creating the group adds every device of each member account, and the creator's sibling as an admin.
    const info = await alice.client.createGroup('devices', [bobAtAlice, carolAtAlice]);
    const id = info.id;
    expect([...info.members].sort()).toEqual([alice, bob, carol].map((d) => toHex(key(d))).sort());
    expect([...(info.devices[toHex(key(bob))] ?? [])].sort()).toEqual([bob, bob2].map((d) => toHex(key(d))).sort());
    expect(roleOf(groupOf(alice, id)!.session.group, key(alice2))).toBe('admin');
    await until(ready(all, id));

    // Every device posts once: each other device gets it exactly once (its siblings as outgoing).
    for (const d of all) await d.client.sendToGroup(id, { type: 'text', text: `hello from ${d.name}` });
    const accountOf = (d: Device): string => d.name.split('-')[0] as string;
    await until(() => all.every((d) => d.got.length >= all.length - 1));
    for (const d of all) await d.client.sendToGroup(id, { type: 'text', text: `marker ${d.name}` });
    await until(() => all.every((d) => d.got.length >= 2 * (all.length - 1)));
    for (const d of all) {
      const others = all.filter((o) => o !== d);
      const want = (sibling: boolean) => others.filter((o) => (accountOf(o) === accountOf(d)) === sibling).flatMap((o) => [`hello from ${o.name}`, `marker ${o.name}`]).sort();
      expect([...texts(d)].sort()).toEqual(want(false));
      expect([...texts(d, true)].sort()).toEqual(want(true));
    }
    // Six sender keys, one per device; alice holds the other five's chains.
    const senderKeys = all.map((d) => toHex(groupOf(d, id)!.session.senderKey!.signingKey.publicKey));
    expect(new Set(senderKeys).size).toBe(all.length);
    expect(new Set(groupOf(alice, id)!.session.receiverChains.map((c) => toHex(c.sender))).size).toBe(all.length - 1);

    // Both admins go offline; carol revokes carol-2. Bob (a member, not an admin) excludes it as soon as he accepts the list.
    await alice.client.close();
    await alice2.client.close();
    await revokeWithoutChannel(carol.client, carol2.client);
    await until(() => groupOf(bob, id)!.record.excluded?.some((k) => equalBytes(k, key(carol2))) === true);
    expect(isMember(bob, id, carol2)).toBe(true); // not removed: only an admin can do that
    expect(bob.client.group(id).devices[toHex(key(carol))]).toEqual([toHex(key(carol))]);
    expect(groupOf(bob, id)!.session.senderKey).toBeNull(); // dropped: the next post starts a fresh key

    const fanouts = captureFanouts(bob);
    const seenBy = carol.got.length;
    await bob.client.sendToGroup(id, { type: 'text', text: 'after the revocation' });
    await until(() => carol.got.length > seenBy);
    expect(textOf(carol.got.at(-1)!)).toBe('after the revocation');
    const post = fanouts.at(-1)!;
    const carol2Mailbox = toHex(contextOf(carol2.client).mailbox!);
    expect(post.to.map((r) => toHex(r.mailbox))).not.toContain(carol2Mailbox);
    // Even with the envelope in hand, carol-2's stored group session cannot open it: it never got bob's new key.
    const message = decodeRelayEnvelope(post.data).data;
    let refusal: unknown;
    try {
      groupDecrypt(groupOf(carol2, id)!.session, message);
    } catch (e) {
      refusal = e;
    }
    expect(isProtocolError(refusal, 'UNKNOWN_SENDER_KEY')).toBe(true);

    // The admins come back: the acting admin removes carol-2 with a signed change; everyone applies it.
    await reopen(alice);
    await reopen(alice2);
    const stayed = [alice, alice2, bob, bob2, carol];
    await until(() => stayed.every((d) => groupOf(d, id) !== undefined && !isMember(d, id, carol2)));
    await until(() => stayed.every((d) => groupOf(d, id)!.record.excluded === undefined));
    await until(ready(stayed, id)); // both admins rotated too, and each learned the other's new token
    await bob2.client.sendToGroup(id, { type: 'text', text: 'after the removal' });
    await until(() => [alice, alice2, carol].every((d) => texts(d).includes('after the removal')));

    // Carol links a new device: the admin adds it, and it reads what is posted afterwards.
    const carol3 = await device('carol-3');
    await linkWithoutChannel(carol.client, carol3.client);
    await until(() => groupOf(carol3, id) !== undefined);
    const now = [...stayed, carol3];
    await until(() => now.every((d) => isMember(d, id, carol3)));
    await until(ready(now, id));
    await bob.client.sendToGroup(id, { type: 'text', text: 'welcome carol-3' });
    await carol3.client.sendToGroup(id, { type: 'text', text: 'hi from carol-3' });
    await until(() => texts(carol3).includes('welcome carol-3') && texts(bob).includes('hi from carol-3') && texts(carol, true).includes('hi from carol-3'));
    expect(alice.client.group(id).devices[toHex(key(carol))]?.slice().sort()).toEqual([carol, carol3].map((d) => toHex(key(d))).sort());

    // The revoked device read nothing posted after its revocation reached the sender.
    expect(carol2.got.map(textOf).filter((t) => ['after the revocation', 'after the removal', 'welcome carol-3', 'hi from carol-3'].includes(t))).toEqual([]);
  }, 240_000);

  // Issue 16: after a removal every member rotates its group token (§6.3), and a sender that has not yet applied the
  // change (or received the roster) still holds a member's replaced token. The relay refuses a distribution sent on
  // it (TOKEN_REFUSED): the distribution is owed again, as to a member whose token is not known yet, and the post
  // goes to everyone else instead of failing; the member's new token brings the distribution.
  it('a sender-key distribution refused on a token its member already replaced is owed, and the post is not failed', async () => {
    const [admin, poster, rotated] = [await device('t-admin'), await device('t-poster'), await device('t-rotated')];
    const posterAtAdmin = (await befriend(admin.client, poster.client)).bAtA;
    const rotatedAtAdmin = (await befriend(admin.client, rotated.client)).bAtA;
    const id = (await admin.client.createGroup('rotation race', [posterAtAdmin, rotatedAtAdmin])).id;
    await until(ready([admin, poster, rotated], id));

    // The admin is offline, so the new token waits in its mailbox and the poster keeps the old one. The member
    // replaces its token at the relay exactly as a rotation does (its rotation epoch raised, then put back).
    await admin.client.close();
    const ctx = contextOf(rotated.client);
    const before = groupOf(rotated, id)!;
    const oldToken = before.record.token;
    ctx.groups.set(id, { ...before, record: { ...before.record, rotation: before.session.group.epoch + 1 } });
    await rotate(ctx, id);
    const after = groupOf(rotated, id)!;
    expect(equalBytes(after.record.token, oldToken)).toBe(false);
    await ctx.lane.run(() => commitGroup(ctx, id, { ...after, record: { ...after.record, rotation: before.record.rotation } }, []));
    const held = groupOf(poster, id)!.record.roster.find((e) => equalBytes(e.identityKey, key(rotated)))!;
    expect(equalBytes(held.token!, oldToken)).toBe(true);

    const failed: string[] = [];
    poster.client.on('send-failed', (e) => failed.push(e.recipient));
    await poster.client.sendToGroup(id, { type: 'text', text: 'on a replaced token' });
    expect(groupOf(poster, id)!.record.owed.map((o) => toHex(o.identityKey))).toEqual([toHex(key(rotated))]);
    expect(failed).toContain(toHex(contextOf(rotated.client).mailbox!)); // the post's fan-out to it: refused too

    // The admin comes back: its roster brings the new token, and with it the owed distribution; later posts reach it.
    await reopen(admin);
    await until(() => groupOf(poster, id)!.record.owed.length === 0);
    await poster.client.sendToGroup(id, { type: 'text', text: 'on the new token' });
    await until(() => texts(rotated).includes('on the new token') && texts(admin).includes('on the new token'));
    expect(texts(admin)).toContain('on a replaced token');
    expect(texts(rotated)).not.toContain('on a replaced token');
  }, 120_000);
  it('a revoked admin device that was not told cannot change the group for a member that excluded it', async () => {
    const [dan, erin, frank] = [await device('dan'), await device('erin'), await device('frank')];
    const erinAtDan = (await befriend(dan.client, erin.client)).bAtA;
    const dan2 = await device('dan-2');
    await linkWithoutChannel(dan.client, dan2.client);
    const frankAtDan2 = (await befriend(dan2.client, frank.client)).bAtA;
    await until(() => addressesKnown([dan, dan2, erin]));
    const { id } = await dan.client.createGroup('thief', [erinAtDan]);
    expect(roleOf(groupOf(dan, id)!.session.group, key(dan2))).toBe('admin'); // the creator's sibling is an admin
    await until(ready([dan, dan2, erin], id));

    // Dan is offline (no admin removes dan-2 yet); erin has excluded dan-2 — what accepting dan's list without it
    // does (§10.6) — and dan-2, a stolen device, was not told. Its signed change reaches erin: she must refuse it.
    await dan.client.close();
    const ctx = contextOf(erin.client);
    await ctx.lane.run(async () => {
      const next = withExcluded(ctx.groups.get(id), [key(dan2)], ctx.identity.publicKey);
      await commitGroup(ctx, id, next!, []);
    });
    const epoch = erin.client.group(id).epoch;
    const refused = erin.client.next('group-message-refused', (e) => e.group === id);
    await dan2.client.addMember(id, frankAtDan2);
    expect(isMember(dan2, id, frank)).toBe(true);
    // Its post comes after the change in erin's mailbox: once she refused the post, she has processed the change.
    await dan2.client.sendToGroup(id, { type: 'text', text: 'from the stolen device' });
    await refused;
    expect(isMember(erin, id, frank)).toBe(false);
    expect(erin.client.group(id).epoch).toBe(epoch);
    expect(texts(erin)).not.toContain('from the stolen device');
  }, 120_000);
});
