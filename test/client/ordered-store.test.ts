/**
 * With an ordered store (spec/client.md §5.1, the SQLite store), neither a
 * send nor a delivered message holds the client's lane while its batch
 * becomes durable — the next send is encrypted, the next envelope decrypted,
 * and committed meanwhile — yet an envelope leaves, and a message is reported
 * (and acknowledged), only once its own batch is durable. The store here
 * holds every batch's promise until the test releases it, as a slow fsync
 * would; what it stores, reads see.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import type { Bytes } from '../../src/crypto/index.js';
import { encodeIdentityKeyPair, generateIdentityKeyPair } from '../../src/identity/index.js';
import { MemoryStore, put, type Namespace, type Store, type StoreEntry, type StoreWrite } from '../../src/store/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { MemoryRelayHub } from './memory-relay.js';

/** Applies a batch at once (reads see it) and resolves it when released, in order; counts batches. */
class HeldStore implements Store {
  readonly ordered = true;
  readonly #inner = new MemoryStore();
  #held: (() => void)[] | undefined;
  #onWrite: (() => void) | undefined;
  /** The namespaces of each batch written while held. */
  readonly heldBatches: Namespace[][] = [];

  get(namespace: Namespace, key: string): Promise<Bytes | undefined> {
    return this.#inner.get(namespace, key);
  }

  list(namespace: Namespace): Promise<readonly StoreEntry[]> {
    return this.#inner.list(namespace);
  }

  async write(batch: readonly StoreWrite[]): Promise<void> {
    await this.#inner.write(batch);
    if (this.#held === undefined) return;
    this.heldBatches.push(batch.map((w) => w.namespace));
    this.#onWrite?.();
    await new Promise<void>((resolve) => this.#held?.push(resolve));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  hold(): void {
    this.#held = [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const resolve of held) resolve();
  }

  /** Resolves once `count` batches held commit a session record with an outbox entry (a send's batch, send.ts). */
  untilSends(count: number): Promise<void> {
    return this.#until((b) => b.includes('sessions') && b.includes('outbox'), count);
  }

  /** Resolves once `count` batches held commit a received message (a delivery's batch, receive.ts). */
  untilReceived(count: number): Promise<void> {
    return this.#until((b) => b.includes('messages'), count);
  }

  #until(kind: (batch: readonly Namespace[]) => boolean, count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => { if (this.heldBatches.filter(kind).length >= count) resolve(); };
      this.#onWrite = check;
      check();
    });
  }
}

async function open(hub: MemoryRelayHub, seed: number, store: HeldStore): Promise<Client> {
  const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(seed)));
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  const client = await Client.open({ relay: 'ws://relay.test', store, transport: hub.transport(identity.publicKey) });
  await client.ready();
  return client;
}

/** Lets every pending callback run a few times over (nothing here waits on a timer). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function pair() {
  const hub = new MemoryRelayHub();
  const [aliceStore, bobStore] = [new HeldStore(), new HeldStore()];
  const alice = await open(hub, 1, aliceStore);
  const bob = await open(hub, 2, bobStore);
  const added = alice.next('contact-added');
  await bob.acceptInvite((await alice.createInvite()).text);
  const { contact } = await added;
  const received: string[] = [];
  bob.on('message', (m) => received.push(m.content.body.type === 'text' ? m.content.body.text : '?'));
  const warm = bob.next('message');
  await alice.send(contact.id, { type: 'text', text: 'warm-up' });
  await warm;
  return { alice, bob, aliceStore, bobStore, bobAtAlice: contact.id, received };
}

describe('an ordered store: a send does not wait in the lane for its batch to be durable', () => {
  it('two sends are both committed before either is durable; neither leaves before its batch is durable', async () => {
    const { alice, bob, aliceStore, bobAtAlice, received } = await pair();
    aliceStore.hold();
    const sends = [alice.send(bobAtAlice, { type: 'text', text: 'one' }), alice.send(bobAtAlice, { type: 'text', text: 'two' })];
    await aliceStore.untilSends(2);
    await settle();
    expect(received).toEqual(['warm-up']);
    const both = new Promise<void>((resolve) => bob.on('message', () => { if (received.length === 3) resolve(); }));
    aliceStore.release();
    await Promise.all(sends);
    await both;
    expect(received).toEqual(['warm-up', 'one', 'two']);
    await Promise.all([alice.close(), bob.close()]);
  });
});

describe('an ordered store: a delivered message does not wait in the lane for its batch to be durable', () => {
  it('two messages are both decrypted and committed before either is durable; neither is reported before its batch is durable', async () => {
    const { alice, bob, bobStore, bobAtAlice, received } = await pair();
    bobStore.hold();
    await alice.send(bobAtAlice, { type: 'text', text: 'one' });
    await alice.send(bobAtAlice, { type: 'text', text: 'two' });
    await bobStore.untilReceived(2);
    await settle();
    expect(received).toEqual(['warm-up']);
    const both = new Promise<void>((resolve) => bob.on('message', () => { if (received.length === 3) resolve(); }));
    bobStore.release();
    await both;
    expect(received).toEqual(['warm-up', 'one', 'two']);
    await Promise.all([alice.close(), bob.close()]);
  });
});
