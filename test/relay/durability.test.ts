/**
 * Durability (relay.md §8): kill -9 of the relay process mid-load, restart on
 * the same data dir — every envelope acknowledged to its sender is delivered,
 * none twice to a client whose ack was confirmed. SIGTERM drains cleanly.
 */
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair, systemRandom } from '../../src/crypto/index.js';
import { CLOSE_GOING_AWAY } from '../../relay/close-codes.js';
import { TestClient } from './client.js';
import { bytesOf, onCleanup, tempDir, textOf } from './harness.js';
import { DATABASE_URL, dropSchema, testSchema } from './postgres.js';
import { spawnRelay, UNTHROTTLED } from './process.js';

/** Where the relay process keeps its state: a SQLite data dir, or a PostgreSQL schema (dropped after the test). */
const backends: Array<[string, () => { dir: string; flags: string[] }]> = [
  ['sqlite', () => ({ dir: tempDir(), flags: UNTHROTTLED })],
  ['sqlite thread', () => ({ dir: tempDir(), flags: [...UNTHROTTLED, '--sqlite-thread', 'on'] })],
  ['postgres', () => {
    const schema = testSchema();
    onCleanup(() => dropSchema(schema));
    return { dir: tempDir(), flags: [...UNTHROTTLED, '--store', DATABASE_URL, '--postgres-schema', schema] };
  }],
];

/** Bob receives and acks everything; returns the set of messages whose ack the relay confirmed. */
function autoAck(bob: TestClient, seen: string[], confirmed: Set<string>): void {
  let handled = 0;
  const loop = async (): Promise<void> => {
    for (;;) {
      const all = await bob.waitFor('deliver', handled + 1).catch(() => undefined);
      if (all === undefined) return;
      const batch = all.slice(handled);
      handled = all.length;
      for (const d of batch) seen.push(textOf(d.data));
      bob.request({ type: 'ack', ids: batch.map((d) => d.eid) })
        .then(() => { for (const d of batch) confirmed.add(textOf(d.data)); }, () => undefined);
    }
  };
  void loop();
}

describe.each(backends)('relay durability (%s)', (_, backend) => {
  it('kill -9 mid-load: every envelope acked to its sender is delivered after restart, none twice after a confirmed ack', async () => {
    const { dir, flags } = backend();
    const first = await spawnRelay(dir, flags);
    const identity = generateEd25519KeyPair(systemRandom);
    const bob = await TestClient.login(first.url, identity);
    const ref = await bob.invite();
    const seenBefore: string[] = [];
    const ackedBefore = new Set<string>();
    autoAck(bob, seenBefore, ackedBefore);
    const alice = await TestClient.connect(first.url);
    const sent = new Set<string>();
    let killed = false;
    const sends = Array.from({ length: 3000 }, (_, i) => {
      const text = `msg-${i}-${'x'.repeat(64)}`;
      return alice.request({ type: 'send', ...ref, data: bytesOf(text) }).then(() => {
        sent.add(text);
        if (!killed && sent.size >= 500) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }, () => undefined);
    });
    await first.exited;
    await Promise.allSettled(sends);
    expect(killed).toBe(true);
    expect(sent.size).toBeLessThan(3000); // the kill really happened mid-load
    const acked = new Set(ackedBefore);
    bob.close();
    alice.close();

    const second = await spawnRelay(dir, flags);
    try {
      const bob2 = await TestClient.login(second.url, identity);
      autoAck(bob2, [], new Set()); // keeps the relay pushing past its unacknowledged-delivery bound
      const alice2 = await TestClient.connect(second.url);
      await alice2.request({ type: 'send', ...ref, data: bytesOf('marker') });
      // Read the client's own delivery list, not the ack loop's copy: that loop may not
      // have run yet when the marker arrives, and waiting for one more delivery then hangs.
      const hasMarker = (): boolean => bob2.deliveries().some((d) => textOf(d.data) === 'marker');
      while (!hasMarker()) await bob2.waitFor('deliver', bob2.deliveries().length + 1);
      const seenAfter = bob2.deliveries().map((d) => textOf(d.data));
      const delivered = new Set([...seenBefore, ...seenAfter]);
      const lost = [...sent].filter((t) => !delivered.has(t));
      expect(lost).toEqual([]);
      const twice = seenAfter.filter((t) => acked.has(t));
      expect(twice).toEqual([]);
      expect(new Set(seenAfter).size).toBe(seenAfter.length);
      bob2.close();
      alice2.close();
    } finally {
      second.child.kill('SIGKILL');
      await second.exited;
    }
  });

  it('SIGTERM drains: sockets close with 1001, exit 0, every send acknowledged before the drain is delivered after restart', async () => {
    const { dir, flags } = backend();
    const relay = await spawnRelay(dir, flags);
    const identity = generateEd25519KeyPair(systemRandom);
    const bob = await TestClient.login(relay.url, identity);
    const ref = await bob.invite();
    bob.close();
    const alice = await TestClient.connect(relay.url);
    const ok = new Set<string>();
    let signalled = false;
    const sends = Array.from({ length: 1000 }, (_, i) => alice.request({ type: 'send', ...ref, data: bytesOf(`m${i}`) }).then(() => {
      ok.add(`m${i}`);
      if (!signalled) {
        signalled = true;
        relay.child.kill('SIGTERM');
      }
    }, () => undefined));
    await expect(alice.closed).resolves.toMatchObject({ code: CLOSE_GOING_AWAY });
    await expect(relay.exited).resolves.toEqual({ code: 0, signal: null });
    void sends;

    const again = await spawnRelay(dir, flags);
    try {
      const bob2 = await TestClient.login(again.url, identity);
      const seen: string[] = [];
      autoAck(bob2, seen, new Set());
      const alice2 = await TestClient.connect(again.url);
      await alice2.request({ type: 'send', ...ref, data: bytesOf('marker') });
      // As above: wait on the client's own delivery list, never on the ack loop's copy (it may lag one delivery).
      const delivered = (): string[] => bob2.deliveries().map((d) => textOf(d.data));
      while (!delivered().includes('marker')) await bob2.waitFor('deliver', bob2.deliveries().length + 1);
      expect(ok.size).toBeGreaterThan(0);
      expect([...ok].filter((t) => !delivered().includes(t))).toEqual([]);
      bob2.close();
      alice2.close();
    } finally {
      again.child.kill('SIGKILL');
      await again.exited;
    }
  });
});
