/**
 * A channel post beyond one relay fan-out, against the relay double (spec/client.md §5.4, §5.5): the outbox
 * sends it in requests of at most RELAY_MAX_FANOUT recipients; a request after the first that gets no answer
 * costs only its own recipients and the later ones a retry (each reader's mailbox holds the post once); a
 * request refused for good ends only its recipients, one send-failed each; and posts to one group take
 * backpressure slots of that group (at most OUTBOX_QUEUE_PER_MAILBOX in the outbox, more wait). Counts, never times.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { ClientError } from '../../src/client/errors.js';
import type { RelayApi } from '../../src/client/transport/relay-api.js';
import { OUTBOX_QUEUE_PER_MAILBOX, RELAY_MAX_FANOUT } from '../../src/constants.js';
import { sha256, toHex, type Bytes } from '../../src/crypto/index.js';
import { encodeIdentityKeyPair, generateIdentityKeyPair } from '../../src/identity/index.js';
import { MemoryStore, put } from '../../src/store/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { writeChannelFixture, type ChannelReader } from '../scenario/channel-fixture.js';
import { MemoryRelayHub } from './memory-relay.js';

const READERS = 2 * RELAY_MAX_FANOUT + 50;

/** `n` readers: mailboxes at the hub with a group token each, never connected (their queues count deliveries). */
function readers(hub: MemoryRelayHub, n: number, random: (k: number) => Bytes): ChannelReader[] {
  return Array.from({ length: n }, () => {
    const identityKey = random(32);
    const token = random(32);
    hub.mailboxOf(identityKey).tokens.add(toHex(sha256(token)));
    return { identityKey, mailbox: sha256(identityKey).subarray(0, 16), token };
  });
}

/** The account, its channel written into its store, its transport's fanout replaced by `fanout`. */
async function account(hub: MemoryRelayHub, seed: number, fanout: (real: RelayApi['fanout'], call: number) => RelayApi['fanout']) {
  const random = seededRandom(new Uint8Array(32).fill(seed));
  const store = new MemoryStore();
  const identity = generateIdentityKeyPair(random);
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  const subs = readers(hub, READERS, random);
  const id = await writeChannelFixture(store, subs, random);
  const base = hub.transport(identity.publicKey);
  let calls = 0;
  const client = await Client.open({
    relay: 'ws://relay.test', store, random,
    transport: (handlers) => {
      const api = base(handlers);
      const real = api.fanout.bind(api);
      api.fanout = (to, data) => fanout(real, ++calls)(to, data);
      return api;
    },
  });
  await client.ready();
  const held = (): number[] => subs.map((s) => hub.mailboxes.get(toHex(s.mailbox))?.queue.length ?? 0);
  return { client, id, held, calls: () => calls };
}

describe('channel fan-out beyond RELAY_MAX_FANOUT (relay double)', () => {
  it('a later request without an answer retries only its recipients and those after it: every reader holds the post once', async () => {
    const hub = new MemoryRelayHub();
    const sizes: number[] = [];
    const a = await account(hub, 0x41, (real, call) => (to, data) => {
      sizes.push(to.length);
      if (call === 2) return Promise.reject(new ClientError('TIMEOUT', 'no answer'));
      return real(to, data);
    });
    const sent: unknown[] = [];
    const failed: unknown[] = [];
    a.client.on('sent', (e) => sent.push(e));
    a.client.on('send-failed', (e) => failed.push(e));
    await a.client.sendToGroup(a.id, { type: 'text', text: 'issue 1' });
    expect(sizes).toEqual([RELAY_MAX_FANOUT, RELAY_MAX_FANOUT, RELAY_MAX_FANOUT, READERS - 2 * RELAY_MAX_FANOUT]);
    expect(a.held().filter((n) => n !== 1)).toEqual([]);
    expect([sent.length, failed.length]).toEqual([1, 0]);
    await a.client.close();
  });

  it('a later request refused for good ends its recipients only (one send-failed each); the post is sent', async () => {
    const hub = new MemoryRelayHub();
    const a = await account(hub, 0x42, (real, call) => (to, data) =>
      (call === 2 ? Promise.reject(new ClientError('RELAY_ERROR', 'refused', { relayCode: 'BAD_FRAME' })) : real(to, data)));
    const failed: string[] = [];
    a.client.on('send-failed', (e) => failed.push(e.code));
    await a.client.sendToGroup(a.id, { type: 'text', text: 'issue 1' });
    const held = a.held();
    // The first request's readers (in member order) hold it once; the others never got it.
    expect([held.filter((n) => n === 1).length, held.filter((n) => n === 0).length]).toEqual([RELAY_MAX_FANOUT, READERS - RELAY_MAX_FANOUT]);
    expect(failed.length).toBe(READERS - RELAY_MAX_FANOUT);
    expect(new Set(failed)).toEqual(new Set(['BAD_FRAME']));
    expect(a.calls()).toBe(2);
    await a.client.close();
  });

  it('posts to one group wait for its slots: at most OUTBOX_QUEUE_PER_MAILBOX in the outbox, all delivered once', async () => {
    const hub = new MemoryRelayHub();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => { open = resolve; });
    const a = await account(hub, 0x43, (real) => async (to, data) => {
      await gate;
      return real(to, data);
    });
    const posts = Array.from({ length: OUTBOX_QUEUE_PER_MAILBOX + 8 }, (_, i) => a.client.sendToGroup(a.id, { type: 'text', text: `p${i}` }));
    while (a.client.outboxCounts().waiting < 8) await new Promise((r) => setTimeout(r, 5));
    expect(a.client.outboxCounts()).toMatchObject({ held: OUTBOX_QUEUE_PER_MAILBOX, waiting: 8 });
    open();
    await Promise.all(posts);
    expect(a.held().filter((n) => n !== OUTBOX_QUEUE_PER_MAILBOX + 8)).toEqual([]);
    expect(a.client.outboxCounts()).toMatchObject({ held: 0, waiting: 0, entries: 0, peakHeldMailbox: OUTBOX_QUEUE_PER_MAILBOX });
    await a.client.close();
  });
});
