/**
 * The client's orchestration against an in-process relay double: contacts by
 * invitation, 1:1 delivery exactly once, restart from the store, crash
 * between commit and ack, self-healing, tampering, blocking, identity changes.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import type { Contact } from '../../src/wire/client/contact.js';
import { isClientError } from '../../src/client/errors.js';
import { generateIdentityKeyPair } from '../../src/identity/index.js';
import { encodeIdentityKeyPair } from '../../src/identity/index.js';
import { MemoryStore, put, type Store } from '../../src/store/index.js';
import { type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { MemoryRelayHub } from './memory-relay.js';

const RELAY = 'ws://relay.test';
let seed = 1;

async function identityStore(): Promise<{ store: Store; key: Bytes }> {
  const store = new MemoryStore();
  const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(seed++)));
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  return { store, key: identity.publicKey };
}

async function open(hub: MemoryRelayHub, name: string, existing?: { store: Store; key: Bytes }): Promise<{ client: Client; store: Store; key: Bytes }> {
  const s = existing ?? await identityStore();
  const client = await Client.open({ relay: RELAY, store: durable(s.store), transport: hub.transport(s.key), displayName: name });
  await client.ready();
  return { client, ...s };
}

/** Alice invites, Bob accepts; returns each side's contact for the other. */
async function connect(a: Client, b: Client): Promise<{ bobAtAlice: Contact; aliceAtBob: Contact }> {
  const added = a.next('contact-added');
  const { text } = await a.createInvite();
  const aliceAtBob = await b.acceptInvite(text);
  const { contact: bobAtAlice } = await added;
  return { bobAtAlice, aliceAtBob };
}

/** A store wrapper whose store survives `close()` (a restart keeps the disk). */
function durable(store: Store): Store {
  return { get: (n, k) => store.get(n, k), list: (n) => store.list(n), write: (b) => store.write(b), close: async () => undefined };
}

describe('Client (relay double)', () => {
  it('contacts by invitation, then text both ways, each message exactly once', async () => {
    const hub = new MemoryRelayHub();
    const { client: alice } = await open(hub, 'Alice');
    const { client: bob } = await open(hub, 'Bob');
    const { bobAtAlice, aliceAtBob } = await connect(alice, bob);
    expect(bobAtAlice.name).toBe('Bob');
    expect(aliceAtBob.name).toBe('Alice');
    expect(alice.safetyNumber(bobAtAlice.id)).toBe(bob.safetyNumber(aliceAtBob.id));

    const gotBob = bob.next('message');
    const sent = await alice.send(bobAtAlice.id, { type: 'text', text: 'hi Bob' });
    const m = await gotBob;
    expect(m.content).toEqual(sent);
    expect(m.from.id).toBe(aliceAtBob.id);

    const gotAlice = alice.next('message');
    await bob.send(aliceAtBob.id, { type: 'text', text: 'hi Alice', replyTo: sent.id, quote: 'hi Bob' });
    expect((await gotAlice).content.body).toMatchObject({ type: 'text', text: 'hi Alice' });
    expect((await bob.messages()).map((x) => x.content.body)).toEqual([{ type: 'text', text: 'hi Bob' }]);
    await alice.close();
    await bob.close();
  });

  it('restart mid-conversation from the store, and a crash between commit and ack shows nothing twice', async () => {
    const hub = new MemoryRelayHub();
    const a = await open(hub, 'Alice');
    const b = await open(hub, 'Bob');
    const { bobAtAlice, aliceAtBob } = await connect(a.client, b.client);
    const bobStore = b.store;
    const received: string[] = [];
    b.client.on('message', (m) => received.push((m.content.body as { text: string }).text));
    await a.client.send(bobAtAlice.id, { type: 'text', text: 'one' });
    await b.client.next('message', () => received.length >= 1);
    // Bob "crashes": his client stops acking; Alice keeps sending to his mailbox.
    await b.client.close();
    const bob2store = durable(bobStore);
    await a.client.send(bobAtAlice.id, { type: 'text', text: 'two' });
    await a.client.send(bobAtAlice.id, { type: 'text', text: 'three' });
    const bob2 = await Client.open({ relay: RELAY, store: bob2store, transport: hub.transport(b.key) });
    const got2: string[] = [];
    bob2.on('message', (m) => got2.push((m.content.body as { text: string }).text));
    await bob2.next('message', () => got2.length >= 2);
    expect(got2).toEqual(['two', 'three']);
    // Redeliver everything the relay ever sent Bob (as after a crash before the ack): no event, no error.
    const lost = bob2.next('message-lost');
    const mb = hub.mailboxOf(b.key);
    for (const data of [...hub.seen]) hub.enqueue(mb, data);
    await a.client.send(bobAtAlice.id, { type: 'text', text: 'four' });
    await bob2.next('message');
    expect(got2).toEqual(['two', 'three', 'four']);
    void lost;
    await bob2.send(aliceAtBob.id, { type: 'text', text: 'after restart' });
    await a.client.next('message');
    await a.client.close();
    await bob2.close();
  });

  it('self-heals after lost session state and names the lost envelope; tampered envelopes are reported, not healed', async () => {
    const hub = new MemoryRelayHub();
    const a = await open(hub, 'Alice');
    const b = await open(hub, 'Bob');
    const { bobAtAlice, aliceAtBob } = await connect(a.client, b.client);
    await a.client.send(bobAtAlice.id, { type: 'text', text: 'one' });
    await b.client.next('message');
    // Bob loses his sessions (a restored backup without them).
    await b.client.close();
    await b.store.write((await b.store.list('sessions')).map((e) => ({ op: 'delete' as const, namespace: 'sessions' as const, key: e.key })));
    const bob2 = await Client.open({ relay: RELAY, store: durable(b.store), transport: hub.transport(b.key) });
    const lost = bob2.next('message-lost');
    await a.client.send(bobAtAlice.id, { type: 'text', text: 'lost one' });
    const l = await lost;
    expect(l.contact?.id).toBe(aliceAtBob.id);
    expect(l.reason).toBe('NO_SESSION');
    expect(l.envelope).toMatch(/^[0-9a-f]{64}$/);
    // Alice receives Bob's heal and adopts his new session; the conversation continues both ways.
    await new Promise((r) => setTimeout(r, 50));
    const m = bob2.next('message');
    await a.client.send(bobAtAlice.id, { type: 'text', text: 'after heal' });
    expect((await m).content.body).toMatchObject({ text: 'after heal' });
    const m2 = a.client.next('message');
    await bob2.send(aliceAtBob.id, { type: 'text', text: 'back' });
    expect((await m2).content.body).toMatchObject({ text: 'back' });

    const tampered = bob2.next('tampered');
    const mb = hub.mailboxOf(b.key);
    const forged = hub.seen[hub.seen.length - 2]!.slice();
    forged[forged.length - 3]! ^= 1;
    hub.enqueue(mb, forged);
    expect((await tampered).reason).toBe('DECRYPT_FAILED');
    await a.client.close();
    await bob2.close();
  });

  it('block revokes the token: the blocked contact can no longer reach us', async () => {
    const hub = new MemoryRelayHub();
    const { client: alice } = await open(hub, 'Alice');
    const { client: bob } = await open(hub, 'Bob');
    const { bobAtAlice, aliceAtBob } = await connect(alice, bob);
    await alice.block(bobAtAlice.id);
    await expect(bob.send(aliceAtBob.id, { type: 'text', text: 'spam' })).rejects.toSatisfy((e: unknown) => isClientError(e, 'RELAY_ERROR'));
    await expect(alice.send(bobAtAlice.id, { type: 'text', text: 'x' })).rejects.toSatisfy((e: unknown) => isClientError(e, 'BLOCKED'));
    await alice.close();
    await bob.close();
  });

  it('an identity change of a verified contact blocks sending until approved', async () => {
    const hub = new MemoryRelayHub();
    const { client: alice } = await open(hub, 'Alice');
    const { client: bob } = await open(hub, 'Bob');
    const { bobAtAlice } = await connect(alice, bob);
    await alice.setVerified(bobAtAlice.id);
    await bob.close();
    // Bob reinstalls: a new identity. Alice re-invites him through a token bound to his contact.
    const { client: newBob } = await open(hub, 'Bob');
    const changed = alice.next('identity-changed');
    const { text } = await alice.createInvite({ forContact: bobAtAlice.id });
    const aliceAtNewBob = await newBob.acceptInvite(text);
    const e = await changed;
    expect(e.contact.id).toBe(bobAtAlice.id);
    expect(e.wasVerified).toBe(true);
    await expect(alice.send(bobAtAlice.id, { type: 'text', text: 'x' })).rejects.toSatisfy((err: unknown) => isClientError(err, 'IDENTITY_CHANGED'));
    await alice.approveIdentity(bobAtAlice.id);
    const got = newBob.next('message');
    await alice.send(bobAtAlice.id, { type: 'text', text: 'welcome back' });
    expect((await got).from.id).toBe(aliceAtNewBob.id);
    expect(alice.contact(bobAtAlice.id).verified).toBe(false);
    await alice.close();
    await newBob.close();
  });
});
