/**
 * The `group-ready` event (spec/client.md §6.2) on the relay double: fired
 * once each time a group turns ready — `group(id).ready` is true when it
 * fires and was false before — never again while the group stays ready (posts
 * and later rosters change nothing), again after a removal once the rotated
 * tokens are known, and not at open for a group stored ready.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import type { Bytes } from '../../src/crypto/index.js';
import { encodeIdentityKeyPair, generateIdentityKeyPair } from '../../src/identity/index.js';
import { MemoryStore, put, type Store } from '../../src/store/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { until } from '../relay/harness.js';
import { befriend } from '../scenario/helpers.js';
import { MemoryRelayHub } from './memory-relay.js';

let seed = 180;

/** A store that survives `close()`: a restart keeps the disk. */
function durable(store: Store): Store {
  return { get: (n, k) => store.get(n, k), list: (n) => store.list(n), write: (b) => store.write(b), close: async () => undefined };
}

interface Person {
  readonly client: Client;
  readonly store: Store;
  readonly identityKey: Bytes;
  /** Every group-ready event, with `group(id).ready` as the listener saw it. */
  readonly ready: { group: string; readyThen: boolean }[];
}

async function open(hub: MemoryRelayHub, store: Store, identityKey: Bytes, name: string): Promise<Person> {
  const client = await Client.open({ relay: 'ws://relay.test', store, transport: hub.transport(identityKey), displayName: name });
  const ready: Person['ready'] = [];
  client.on('group-ready', (e) => ready.push({ group: e.group, readyThen: client.group(e.group).ready }));
  await client.ready();
  return { client, store, identityKey, ready };
}

async function person(hub: MemoryRelayHub, name: string): Promise<Person> {
  const store = durable(new MemoryStore());
  const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(seed++)));
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  return open(hub, store, identity.publicKey, name);
}

const count = (p: Person, id: string): number => p.ready.filter((e) => e.group === id).length;

/** Every member posts once and every other member receives every post: traffic that re-stages the group everywhere. */
async function everyonePosts(people: readonly Person[], id: string, tag: string): Promise<void> {
  const got = people.map(() => new Set<string>());
  const offs = people.map((p, i) => p.client.on('message', (m) => {
    if (m.group === id && m.content.body.type === 'text') got[i]!.add(m.content.body.text);
  }));
  for (const [i, p] of people.entries()) await p.client.sendToGroup(id, { type: 'text', text: `${tag} ${i}` });
  await until(() => got.every((s, i) => s.size === people.length - 1 && !s.has(`${tag} ${i}`)));
  for (const off of offs) off();
}

describe('group-ready', () => {
  it('fires once per member when a new group turns ready, not again on posts, again after a removal, not at reopen', async () => {
    const hub = new MemoryRelayHub();
    const [alice, bob, carol] = [await person(hub, 'Alice'), await person(hub, 'Bob'), await person(hub, 'Carol')];
    const { bAtA: bobId } = await befriend(alice.client, bob.client);
    const { bAtA: carolId } = await befriend(alice.client, carol.client);
    const group = await alice.client.createGroup('lunch', [bobId, carolId]);
    expect(group.ready).toBe(false);
    expect(count(alice, group.id)).toBe(0);
    const everyone = [alice, bob, carol];
    // The event is what the app waits on: each member gets it, with the group ready when it fires.
    await Promise.all(everyone.map((p) => until(() => count(p, group.id) === 1)));
    for (const p of everyone) expect(p.ready).toEqual([{ group: group.id, readyThen: true }]);

    await everyonePosts(everyone, group.id, 'first');
    await everyonePosts(everyone, group.id, 'second');
    for (const p of everyone) expect(count(p, group.id)).toBe(1);

    // A removal rotates the remaining members' tokens: not ready, then ready again once each has the other's new token.
    const removed = carol.client.next('group-change', (e) => e.change === 'removed');
    await alice.client.removeMember(group.id, carolId);
    await removed;
    await Promise.all([alice, bob].map((p) => until(() => count(p, group.id) === 2)));
    await everyonePosts([alice, bob], group.id, 'after removal');
    expect(alice.ready).toEqual([{ group: group.id, readyThen: true }, { group: group.id, readyThen: true }]);
    expect(bob.ready).toEqual(alice.ready);
    expect(count(carol, group.id)).toBe(1);

    // Reopened with the group stored ready: no event at open, nor on the next posts.
    await bob.client.close();
    const bob2 = await open(hub, bob.store, bob.identityKey, 'Bob');
    expect(bob2.client.group(group.id).ready).toBe(true);
    await everyonePosts([alice, bob2], group.id, 'after reopen');
    expect(bob2.ready).toEqual([]);
    expect(count(alice, group.id)).toBe(2);
    await Promise.all([alice.client.close(), bob2.client.close(), carol.client.close()]);
  });

  it('a channel: ready alone at creation, not ready when a subscriber joins, ready again once its token arrives', async () => {
    const hub = new MemoryRelayHub();
    const [admin, reader] = [await person(hub, 'Admin'), await person(hub, 'Reader')];
    const news = await admin.client.createGroup('news', [], { channel: true });
    expect(news.ready).toBe(true);
    expect(admin.ready).toEqual([{ group: news.id, readyThen: true }]); // before createGroup resolved

    const { text: link } = await admin.client.createChannelInvite(news.id);
    const ready = admin.client.next('group-ready', (e) => e.group === news.id);
    await reader.client.subscribe(link);
    await ready;
    expect(admin.ready).toEqual([{ group: news.id, readyThen: true }, { group: news.id, readyThen: true }]);
    await until(() => count(reader, news.id) === 1);
    const issue = reader.client.next('message', (m) => m.group === news.id);
    await admin.client.sendToGroup(news.id, { type: 'text', text: 'issue 1' });
    await issue;
    expect(count(admin, news.id)).toBe(2);
    expect(reader.ready).toEqual([{ group: news.id, readyThen: true }]);
    await Promise.all([admin.client.close(), reader.client.close()]);
  });
});
