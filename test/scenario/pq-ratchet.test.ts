/**
 * The post-quantum ratchet where a user meets it (protocol.md §6.9), with real
 * Clients over a real relay process.
 *
 * - Sessions between current clients run version 3: after a conversation the
 *   session records on both phones are version 3 and have mixed two KEM steps
 *   (each side has sent an ML-KEM key once), so a later compromise of either
 *   phone heals against an adversary who breaks X25519 (§6.9.8; the healing
 *   itself is the property in test/property/pq-ratchet-healing.test.ts).
 * - What the relay sees does not tell which messages carry key material: every
 *   header has the same PQ block, so equal texts give equal envelope sizes.
 * - Negotiation: the initiator chooses. An app that turns the PQ ratchet off
 *   starts classic (version 2) sessions and a current client answers in kind;
 *   the same app still accepts a version 3 session a peer starts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { loadOrCreateKeyFile, SqliteStore } from '../../src/node/index.js';
import { decodeSessionRecord } from '../../src/session/index.js';
import type { RelayRequest } from '../../src/wire/relay-frames.js';
import { befriend, openInFile, openRecordingClient, relayPerFile, text } from './helpers.js';

const file = relayPerFile('parley-pq-');

/** The current session of every record in the client's store (read after the client closed). */
async function currentSessions(name: string): Promise<{ version: number; epoch: number }[]> {
  const dir = join(file.tmp.dir, name);
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  try {
    const entries = await store.list('sessions');
    return entries.flatMap((e) => {
      const current = decodeSessionRecord(e.value).current;
      return current === null ? [] : [{ version: current.ratchet.version, epoch: current.ratchet.pq?.epoch ?? -1 }];
    });
  } finally {
    await store.close();
  }
}

/** `turns` alternating texts of equal length, each answered before the next: a balanced conversation. */
async function converse(a: Client, aToB: string, b: Client, bToA: string, turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) {
    const [from, to, id] = i % 2 === 0 ? [a, b, aToB] : [b, a, bToA];
    const body = `turn ${String(i).padStart(3, '0')}`;
    const got = to.next('message', (m) => text(m) === body);
    await from.send(id, { type: 'text', text: body });
    await got;
  }
}

async function closeAll(...clients: Client[]): Promise<void> {
  for (const c of clients) {
    await c.close();
    file.open.splice(file.open.indexOf(c), 1);
  }
}

describe('post-quantum ratchet between current clients', () => {
  it('sessions run version 3, complete KEM steps on both sides, and look alike to the relay', async () => {
    const requests: RelayRequest[] = [];
    const alice = await openRecordingClient(join(file.tmp.dir, 'alice'), file.relay.url, 'alice', (r) => requests.push(r));
    file.open.push(alice);
    const bob = await openInFile(file, 'bob');
    const { bAtA, aAtB } = await befriend(alice, bob);
    await converse(alice, bAtA, bob, aAtB, 2); // the session's initial message and first answer
    const from = requests.length;
    // ~20 one-message round trips complete a step (§6.9.8): 90 turns = 45 round trips, two steps.
    await converse(alice, bAtA, bob, aAtB, 90);
    const sizes = new Set(requests.slice(from).flatMap((r) => (r.type === 'send' ? [r.data.length] : [])));
    await closeAll(alice, bob);

    const [onAlice, onBob] = [await currentSessions('alice'), await currentSessions('bob')];
    expect(onAlice).toHaveLength(1);
    expect(onBob).toHaveLength(1);
    for (const s of [...onAlice, ...onBob]) {
      expect(s.version).toBe(3);
      expect(s.epoch).toBeGreaterThanOrEqual(2);
    }
    // Texts of one length, receipts and acks: key chunks, ciphertext chunks and empty blocks all pad alike.
    expect([...sizes]).toHaveLength(1);
  });
});

describe('negotiation: the initiator chooses', () => {
  it('a client with the PQ ratchet off starts classic sessions, answered in kind; it still accepts version 3', async () => {
    const options = { pqRatchet: false };
    const carol = await openRecordingClient(join(file.tmp.dir, 'carol'), file.relay.url, 'carol', () => undefined, options);
    file.open.push(carol);
    const dave = await openInFile(file, 'dave');
    const erin = await openInFile(file, 'erin');
    // befriend(a, b): b accepts a's invitation and starts the session.
    const { bAtA: carolAtDave, aAtB: daveAtCarol } = await befriend(dave, carol); // Carol starts: version 2
    const { bAtA: erinAtCarol, aAtB: carolAtErin } = await befriend(carol, erin); // Erin starts: version 3
    await converse(carol, daveAtCarol, dave, carolAtDave, 4);
    await converse(carol, erinAtCarol, erin, carolAtErin, 4);
    await closeAll(carol, dave, erin);

    expect((await currentSessions('carol')).map((s) => s.version).sort()).toEqual([2, 3]);
    expect((await currentSessions('dave')).map((s) => s.version)).toEqual([2]);
    expect((await currentSessions('erin')).map((s) => s.version)).toEqual([3]);
  });
});
