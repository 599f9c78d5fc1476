/**
 * Owed group work survives a lost connection and a restart (spec/client.md
 * §6.3 "Owed work"), on the relay double: each step that needs the relay is
 * kept in the group record until done and redone after the next
 * authentication. Each case cuts one step off the way a dropped socket or a
 * dead process does, and fails on a client that did the step once, in memory:
 * there the group never turned ready, or a member never got the sender key.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { ClientError } from '../../src/client/errors.js';
import { contextOf } from '../../src/client/internals.js';
import type { Bytes } from '../../src/crypto/index.js';
import { encodeIdentityKeyPair, generateIdentityKeyPair } from '../../src/identity/index.js';
import { MemoryStore, put, type Store } from '../../src/store/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { until } from '../relay/harness.js';
import { befriend } from '../scenario/helpers.js';
import { MemoryRelayHub } from './memory-relay.js';

let seed = 90;

/** A store that survives `close()`: a restart keeps the disk. */
function durable(store: Store): Store {
  return { get: (n, k) => store.get(n, k), list: (n) => store.list(n), write: (b) => store.write(b), close: async () => undefined };
}

interface Person {
  client: Client;
  readonly store: Store;
  readonly identityKey: Bytes;
  readonly name: string;
  readonly texts: string[];
}

async function open(hub: MemoryRelayHub, p: Omit<Person, 'client'>): Promise<Client> {
  const client = await Client.open({ relay: 'ws://relay.test', store: p.store, transport: hub.transport(p.identityKey), displayName: p.name });
  client.on('message', (m) => {
    if (m.content.body.type === 'text') p.texts.push(m.content.body.text);
  });
  await client.ready();
  return client;
}

async function person(hub: MemoryRelayHub, name: string): Promise<Person> {
  const store = durable(new MemoryStore());
  const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(seed++)));
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  const p = { store, identityKey: identity.publicKey, name, texts: [] };
  return { ...p, client: await open(hub, p) };
}

/** The next call of the connection's `method` fails as a dropped socket makes it fail; later calls go through. */
function cutOnce(client: Client, method: 'registerToken' | 'fetchBundle'): void {
  const relay = contextOf(client).relay as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const real = relay[method]!.bind(relay);
  let cut = false;
  relay[method] = async (...args: unknown[]) => {
    if (cut) return real(...args);
    cut = true;
    throw new ClientError('NOT_CONNECTED', 'the connection dropped (test)');
  };
}

const isReady = (p: Person, id: string): boolean => p.client.group(id).ready;

describe('owed group work (client.md §6.3)', () => {
  it('a welcome whose token registration fell into a lost connection: registered and told after the reconnection', async () => {
    const hub = new MemoryRelayHub();
    const [alice, bob] = [await person(hub, 'Alice'), await person(hub, 'Bob')];
    const { bAtA: bobId } = await befriend(alice.client, bob.client);
    cutOnce(bob.client, 'registerToken');
    const failed = bob.client.next('error');
    const { id } = await alice.client.createGroup('lunch', [bobId]);
    await failed; // Bob joined, but the relay never got his group token, nor Alice the member-token
    await until(() => bob.client.groups().some((g) => g.id === id));
    expect(isReady(alice, id)).toBe(false);

    const ready = alice.client.next('group-ready', (e) => e.group === id);
    bob.client.interruptConnection();
    await ready;
    await alice.client.sendToGroup(id, { type: 'text', text: 'reached' });
    await until(() => bob.texts.includes('reached'));
    await Promise.all([alice.client.close(), bob.client.close()]);
  });

  it('an admin that died before its roster broadcast: the broadcast is owed and made after the restart', async () => {
    const hub = new MemoryRelayHub();
    const [alice, bob, carol] = [await person(hub, 'Alice'), await person(hub, 'Bob'), await person(hub, 'Carol')];
    const { bAtA: bobId } = await befriend(alice.client, bob.client);
    const { bAtA: carolId } = await befriend(alice.client, carol.client);
    // The broadcast's timer never fires in this process: what a crash inside ROSTER_DELAY_MS does.
    contextOf(alice.client).groups.rosterDue.has = () => true; // every broadcast counts as scheduled already
    const { id } = await alice.client.createGroup('lunch', [bobId, carolId]);
    await until(() => isReady(alice, id)); // Alice has both tokens; Bob and Carol wait for each other's from her roster
    expect(isReady(bob, id) || isReady(carol, id)).toBe(false);

    await alice.client.close();
    alice.client = await open(hub, alice);
    await until(() => isReady(bob, id) && isReady(carol, id));
    await bob.client.sendToGroup(id, { type: 'text', text: 'from bob' });
    await until(() => carol.texts.includes('from bob') && alice.texts.includes('from bob'));
    await Promise.all([alice.client.close(), bob.client.close(), carol.client.close()]);
  });

  it('a sender-key distribution cut off by a lost connection stays owed and is delivered after the reconnection', async () => {
    const hub = new MemoryRelayHub();
    const [alice, bob, carol] = [await person(hub, 'Alice'), await person(hub, 'Bob'), await person(hub, 'Carol')];
    const { bAtA: bobId } = await befriend(alice.client, bob.client);
    const { bAtA: carolId } = await befriend(alice.client, carol.client);
    const { id } = await alice.client.createGroup('lunch', [bobId, carolId]);
    await until(() => [alice, bob, carol].every((p) => isReady(p, id)));

    // Bob and Carol are not contacts: Bob's first distribution to Carol opens a session, which needs her bundle.
    cutOnce(bob.client, 'fetchBundle');
    await expect(bob.client.sendToGroup(id, { type: 'text', text: 'cut off' })).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    expect(contextOf(bob.client).groups.get(id).record.owed.length).toBe(1);

    bob.client.interruptConnection();
    await until(() => contextOf(bob.client).groups.get(id).record.owed.length === 0);
    await bob.client.sendToGroup(id, { type: 'text', text: 'after the reconnection' });
    await until(() => carol.texts.includes('after the reconnection') && alice.texts.includes('after the reconnection'));
    await Promise.all([alice.client.close(), bob.client.close(), carol.client.close()]);
  });
});
