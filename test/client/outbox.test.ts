/**
 * The outbox's admission and its answers (spec/client.md §5.4, §5.5), in
 * process: slots are bounded per mailbox and in all and handed out in call
 * order, mailboxes taking turns; a request that timed out still hears its
 * late answer; a send whose every attempt times out at a relay that stored
 * it settles on the first late `ok` (under overload it never settled); a
 * crash before a finished entry's deletion is written shows nothing twice.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { ClientError, isClientError } from '../../src/client/errors.js';
import { Admission, type Slot } from '../../src/client/messaging/admission.js';
import type { LateAnswer, RelayApi, RelayHandlers, RelayRecipient } from '../../src/client/transport/relay-api.js';
import { RequestTable } from '../../src/client/transport/requests.js';
import type { WebSocketLike } from '../../src/client/transport/websocket.js';
import { toHex, type Bytes } from '../../src/crypto/index.js';
import { generateIdentityKeyPair, encodeIdentityKeyPair } from '../../src/identity/index.js';
import { OUTBOX_IN_FLIGHT_MAX, OUTBOX_WINDOW } from '../../src/constants.js';
import { MemoryStore, NAMESPACES, put, type Namespace } from '../../src/store/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { MemoryRelayHub } from './memory-relay.js';

const held = (s: Slot | Promise<Slot>): Slot => {
  if (s instanceof Promise) throw new Error('expected a slot at once');
  return s;
};

describe('admission (client.md §5.5)', () => {
  it('bounds slots per mailbox and in all; waiting sends get slots in call order, mailboxes in turn', async () => {
    const a = new Admission({ perMailbox: 2, total: 3 });
    const first = [held(a.acquire('m1')), held(a.acquire('m1'))];
    const order: string[] = [];
    const w1 = a.acquire('m1');
    const w2 = a.acquire('m1');
    expect(w1).toBeInstanceOf(Promise);
    void (w1 as Promise<Slot>).then(() => order.push('m1#3'));
    void (w2 as Promise<Slot>).then(() => order.push('m1#4'));
    const other = held(a.acquire('m2')); // total 3 of 3
    const w3 = a.acquire('m2');
    void (w3 as Promise<Slot>).then(() => order.push('m2#2'));
    expect(a.counts()).toMatchObject({ held: 3, waiting: 3, peakHeld: 3, peakHeldMailbox: 2 });
    first[0]?.release();
    first[0]?.release(); // idempotent
    await Promise.resolve();
    expect(order).toEqual(['m1#3']);
    other.release();
    await Promise.resolve();
    expect(order).toEqual(['m1#3', 'm2#2']); // m1 is at its own bound: m2 takes the free slot
    first[1]?.release();
    await Promise.resolve();
    expect(order).toEqual(['m1#3', 'm2#2', 'm1#4']);
    expect(a.counts()).toMatchObject({ held: 3, waiting: 0, peakHeld: 3, peakHeldMailbox: 2 });
  });

  it('rejects every waiting send when the client closes', async () => {
    const a = new Admission({ perMailbox: 1, total: 1 });
    held(a.acquire('m'));
    const waiting = a.acquire('m') as Promise<Slot>;
    a.rejectWaiting(new ClientError('CLOSED', 'closed'));
    await expect(waiting).rejects.toSatisfy((e: unknown) => isClientError(e, 'CLOSED'));
    expect(a.counts().waiting).toBe(0);
  });
});

describe('late answers (client.md §5.4)', () => {
  it('a request that timed out hears its late answer, until its connection is gone', async () => {
    const table = new RequestTable(5);
    const ws = { send: () => undefined } as unknown as WebSocketLike;
    const heard: string[] = [];
    const first = table.send(ws, { type: 'ack', ids: [1] }, (a) => heard.push(`1:${a}`));
    await expect(first).rejects.toSatisfy((e: unknown) => isClientError(e, 'TIMEOUT'));
    table.answer({ type: 'ok', id: 1, result: { re: 'ack' } });
    table.answer({ type: 'ok', id: 1, result: { re: 'ack' } }); // heard once
    const second = table.send(ws, { type: 'ack', ids: [2] }, (a) => heard.push(`2:${a}`));
    await expect(second).rejects.toSatisfy((e: unknown) => isClientError(e, 'TIMEOUT'));
    table.failAll(new ClientError('NOT_CONNECTED', 'lost'));
    table.answer({ type: 'ok', id: 2, result: { re: 'ack' } });
    expect(heard).toEqual(['1:ok']);
  });

  it('a send whose every attempt times out at a relay that stored it settles once, on the first late ok', async () => {
    const hub = new MemoryRelayHub();
    const alice = await open(hub, 1, (inner) => timingOut(inner));
    const bob = await open(hub, 2);
    const added = alice.next('contact-added');
    await bob.acceptInvite((await alice.createInvite()).text);
    const { contact } = await added;
    attempts.length = 0;
    const sent: unknown[] = [];
    alice.on('sent', (e) => sent.push(e));
    const got = bob.next('message');
    const content = await alice.send(contact.id, { type: 'text', text: 'late' });
    // Settled by the late answer: no envelope was sent twice (each attempt timed out; retries resend the same bytes).
    expect(attempts.length).toBeGreaterThan(0);
    expect(new Set(attempts.map((a) => toHex(a))).size).toBe(attempts.length);
    expect(sent.filter((e) => toHex((e as { id: Bytes }).id) === toHex(content.id)).length).toBe(1);
    await got;
    await Promise.all([alice.close(), bob.close()]);
  });
});

describe('in flight (client.md §5.5)', () => {
  it('sends to five contacts at once keep at most OUTBOX_WINDOW in flight per mailbox and OUTBOX_IN_FLIGHT_MAX in all', async () => {
    const hub = new MemoryRelayHub();
    // A slow relay once `hold` is set: it answers no send until released.
    let hold = Promise.resolve();
    let release = (): void => undefined;
    const alice = await open(hub, 10, (api) => {
      const send = api.send.bind(api);
      api.send = async (to, data) => { await hold; await send(to, data); };
      return api;
    });
    const contacts: string[] = [];
    const others: Client[] = [];
    for (let i = 0; i < 5; i++) {
      const other = await open(hub, 11 + i);
      const added = alice.next('contact-added');
      await other.acceptInvite((await alice.createInvite()).text);
      contacts.push((await added).contact.id);
      others.push(other);
    }
    hold = new Promise<void>((resolve) => { release = resolve; });
    const sends = contacts.flatMap((id) => Array.from({ length: 10 }, (_, i) => alice.send(id, { type: 'text', text: `m${i}` })));
    while (alice.outboxCounts().entries < 50) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20)); // every pump asked for has drained
    const counts = alice.outboxCounts();
    expect(counts.inFlight).toBe(OUTBOX_IN_FLIGHT_MAX); // 5 × 8 would be 40
    expect(counts.peakInFlightMailbox).toBe(OUTBOX_WINDOW);
    release();
    await Promise.all(sends);
    expect(alice.outboxCounts()).toMatchObject({ peakInFlight: OUTBOX_IN_FLIGHT_MAX, inFlight: 0, entries: 0 });
    await Promise.all([alice, ...others].map((c) => c.close()));
  });
});

describe('lazy deletion of finished entries (client.md §5.4)', () => {
  it('a crash before the deletion is written resends the envelope, and the recipient drops it: nothing shown twice', async () => {
    const hub = new MemoryRelayHub();
    const alice = await open(hub, 3);
    const bob = await open(hub, 4);
    const added = alice.next('contact-added');
    await bob.acceptInvite((await alice.createInvite()).text);
    const { contact } = await added;
    const shown: string[] = [];
    bob.on('message', (m) => shown.push((m.content.body as { text?: string }).text ?? ''));
    const first = bob.next('message');
    await alice.send(contact.id, { type: 'text', text: 'once' });
    await first;
    // The crash: Alice's disk as it is right after the send settled, its deletion not yet written.
    const disk = await snapshot(storeOf.get(alice) as MemoryStore);
    expect(disk.filter((e) => e.namespace === 'outbox').length).toBeGreaterThan(0);
    await alice.close();
    expect((await (storeOf.get(alice) as MemoryStore).list('outbox')).length).toBe(0); // close writes it
    const again = await open(hub, 3, (r) => r, disk);
    const next = bob.next('message');
    await again.send(contact.id, { type: 'text', text: 'after' });
    await next;
    expect(shown).toEqual(['once', 'after']);
    await Promise.all([again.close(), bob.close()]);
  });
});

async function snapshot(store: MemoryStore): Promise<{ namespace: Namespace; key: string; value: Bytes }[]> {
  const out: { namespace: Namespace; key: string; value: Bytes }[] = [];
  for (const namespace of NAMESPACES) for (const e of await store.list(namespace)) out.push({ namespace, ...e });
  return out;
}

/** Sends of the patched connection: the relay stores each one, its answer comes only after the TIMEOUT. */
const attempts: Bytes[] = [];

function timingOut(api: RelayApi): RelayApi {
  const send = api.send.bind(api);
  api.send = async (to: RelayRecipient, data: Bytes, late?: LateAnswer): Promise<void> => {
    attempts.push(data);
    await send(to, data);
    setTimeout(() => late?.('ok'), 1);
    throw new ClientError('TIMEOUT', 'the relay did not answer in time', { request: 'send' });
  };
  return api;
}

const storeOf = new Map<Client, MemoryStore>();

async function open(
  hub: MemoryRelayHub, seed: number, patch: (r: RelayApi) => RelayApi = (r) => r, disk?: readonly { namespace: Namespace; key: string; value: Bytes }[],
): Promise<Client> {
  const store = new MemoryStore();
  const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(seed)));
  if (disk === undefined) await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  else await store.write(disk.map((e) => put(e.namespace, e.key, e.value)));
  const transport = hub.transport(identity.publicKey);
  // The store outlives the client (a disk does): its close is not passed on.
  const kept = { get: store.get.bind(store), list: store.list.bind(store), write: store.write.bind(store), close: async () => undefined };
  const client = await Client.open({ relay: 'ws://relay.test', store: kept, transport: (h: RelayHandlers) => patch(transport(h)) });
  storeOf.set(client, store);
  await client.ready();
  return client;
}
