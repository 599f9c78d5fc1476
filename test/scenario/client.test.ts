/**
 * End to end against a real relay process: invitations, 1:1 both ways,
 * blocking, a client restarted mid-conversation from its durable store, a
 * relay restart, a lost network, an identity-key change.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { isClientError } from '../../src/client/errors.js';
import { befriend, openClient, startRelayProcess, tempDir, text, type RelayProcess } from './helpers.js';
import { until } from '../until.js';

const tmp = tempDir('parley-scenario-');
let relay: RelayProcess;
const open: Client[] = [];

async function client(name: string, dir = join(tmp.dir, name)): Promise<Client> {
  const c = await openClient(dir, relay.url, name);
  open.push(c);
  return c;
}

beforeAll(async () => {
  relay = await startRelayProcess(join(tmp.dir, 'relay'));
}, 30_000);

afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await relay?.stop();
  tmp.remove();
});

describe('client ↔ relay process', () => {
  it('invitation, 1:1 both ways, block', async () => {
    const alice = await client('alice1');
    const bob = await client('bob1');
    const { bAtA, aAtB } = await befriend(alice, bob);
    expect(alice.safetyNumber(bAtA)).toBe(bob.safetyNumber(aAtB));
    const got = bob.next('message');
    await alice.send(bAtA, { type: 'text', text: 'hello over a real relay' });
    expect(text(await got)).toBe('hello over a real relay');
    const back = alice.next('message');
    await bob.send(aAtB, { type: 'reaction', target: (await got).content.id, emoji: '👍', remove: false });
    expect((await back).content.body.type).toBe('reaction');
    await alice.block(bAtA);
    await expect(bob.send(aAtB, { type: 'text', text: 'still there?' })).rejects.toSatisfy(
      (e: unknown) => isClientError(e, 'RELAY_ERROR') && e.details['relayCode'] === 'TOKEN_REFUSED',
    );
  });

  it('restart of a client mid-conversation from its durable store loses nothing and repeats nothing', async () => {
    const alice = await client('alice2');
    const bobDir = join(tmp.dir, 'bob2');
    let bob = await client('bob2', bobDir);
    const { bAtA, aAtB } = await befriend(alice, bob);
    const m1 = bob.next('message');
    await alice.send(bAtA, { type: 'text', text: 'm1' });
    await m1;
    await bob.close();
    for (const t of ['m2', 'm3', 'm4']) await alice.send(bAtA, { type: 'text', text: t });
    const seen: string[] = [];
    bob = await openClient(bobDir, relay.url, 'bob2', (c) => c.on('message', (m) => seen.push(text(m))));
    open.push(bob);
    // A marker after the backlog: everything before it has been processed once it arrives.
    const marker = bob.next('message', (m) => text(m) === 'marker');
    await alice.send(bAtA, { type: 'text', text: 'marker' });
    await marker;
    expect(seen).toEqual(['m2', 'm3', 'm4', 'marker']);
    expect((await bob.messages()).map(text)).toEqual(['m1', 'm2', 'm3', 'm4', 'marker']);
    const reply = alice.next('message');
    await bob.send(aAtB, { type: 'text', text: 'back again' });
    expect(text(await reply)).toBe('back again');
  });

  it('relay restart and lost network: clients reconnect by themselves and the outbox goes out', async () => {
    const alice = await client('alice3');
    const bob = await client('bob3');
    const { bAtA } = await befriend(alice, bob);
    const seen: string[] = [];
    bob.on('message', (m) => seen.push(text(m)));

    alice.interruptConnection();
    bob.interruptConnection();
    const first = bob.next('message', (m) => text(m) === 'after a network loss');
    await alice.send(bAtA, { type: 'text', text: 'after a network loss' });
    await first;

    const dataDir = join(tmp.dir, 'relay');
    const port = relay.port;
    await relay.stop();
    const pending = alice.send(bAtA, { type: 'text', text: 'sent while the relay was down' });
    const second = bob.next('message', (m) => text(m) === 'sent while the relay was down');
    relay = await startRelayProcess(dataDir, port);
    await pending;
    await second;
    expect(seen).toEqual(['after a network loss', 'sent while the relay was down']);
  }, 30_000);

  it('identity-key change: a verified contact that reinstalls needs re-approval before we send', async () => {
    const alice = await client('alice4');
    const bob = await client('bob4');
    const { bAtA } = await befriend(alice, bob);
    await alice.setVerified(bAtA);
    await bob.close();
    const newBob = await client('bob4-reinstalled');
    const changed = alice.next('identity-changed');
    const { text: invite } = await alice.createInvite({ forContact: bAtA });
    await newBob.acceptInvite(invite);
    expect((await changed).wasVerified).toBe(true);
    await expect(alice.send(bAtA, { type: 'text', text: 'x' })).rejects.toSatisfy((e: unknown) => isClientError(e, 'IDENTITY_CHANGED'));
    await alice.approveIdentity(bAtA);
    const got = newBob.next('message');
    await alice.send(bAtA, { type: 'text', text: 'welcome back' });
    expect(text(await got)).toBe('welcome back');
  });

  it('a group over the relay: one fan-out per message, a removed member reads nothing after', async () => {
    const alice = await client('alice5');
    const bob = await client('bob5');
    const carol = await client('carol5');
    const { bAtA } = await befriend(alice, bob);
    const { bAtA: cAtA } = await befriend(alice, carol);
    const got = new Map<Client, string[]>([[alice, []], [bob, []], [carol, []]]);
    for (const [c, list] of got) c.on('message', (m) => list.push(text(m)));
    const g = await alice.createGroup('five', [bAtA, cAtA]);
    for (const c of [alice, bob, carol]) await until(() => c.groups().some((x) => x.id === g.id && x.ready));
    await alice.sendToGroup(g.id, { type: 'text', text: 'g1' });
    await carol.sendToGroup(g.id, { type: 'text', text: 'g2' });
    await until(() => got.get(bob)!.includes('g1') && got.get(bob)!.includes('g2') && got.get(carol)!.includes('g1') && got.get(alice)!.includes('g2'));
    const removed = carol.next('group-change', (e) => e.change === 'removed');
    await alice.removeMember(g.id, cAtA);
    await removed;
    // Alice and Bob replaced their group tokens: wait until each knows the other's new one.
    await until(() => bob.group(g.id).members.length === 2 && bob.group(g.id).ready && alice.group(g.id).ready);
    await bob.sendToGroup(g.id, { type: 'text', text: 'g3' });
    await until(() => got.get(alice)!.includes('g3'));
    expect(got.get(carol)).toEqual(['g1']);
    expect(got.get(bob)).toEqual(['g1', 'g2']);
  }, 30_000);
});

