/**
 * Several relay nodes on one PostgreSQL schema (relay.md §8.3): a recipient
 * connected to one node receives what senders store through the others,
 * woken by LISTEN/NOTIFY, each envelope once; and when the node holding its
 * connection is killed, it reconnects to another and loses nothing that was
 * acknowledged to a sender.
 */
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair, systemRandom } from '../../src/crypto/index.js';
import { TestClient } from './client.js';
import { bytesOf, connect, login, onCleanup, relay, tempDir, textOf, until } from './harness.js';
import { DATABASE_URL, dropSchema, testSchema } from './postgres.js';
import { spawnRelay, UNTHROTTLED } from './process.js';

function sharedSchema(): string {
  const schema = testSchema();
  onCleanup(() => dropSchema(schema));
  return schema;
}

describe('relay nodes sharing PostgreSQL', () => {
  it('delivers across three nodes, each envelope once, to recipients connected anywhere', async () => {
    const schema = sharedSchema();
    const nodes = await Promise.all([0, 1, 2].map(() => relay({ postgres: { url: DATABASE_URL, schema } })));
    const recipients = await Promise.all(nodes.map((n) => login(n.url)));
    const refs = await Promise.all(recipients.map((r) => r.invite()));
    const senders = await Promise.all(nodes.map((n) => connect(n.url)));
    for (const [s, sender] of senders.entries()) {
      for (const [r, ref] of refs.entries()) {
        for (let i = 0; i < 5; i++) await sender.request({ type: 'send', ...ref, data: bytesOf(`from ${s} to ${r} #${i}`) });
      }
    }
    for (const [r, recipient] of recipients.entries()) {
      const got = (await recipient.waitFor('deliver', 15)).map((d) => textOf(d.data));
      expect(got.sort()).toEqual([0, 1, 2].flatMap((s) => [0, 1, 2, 3, 4].map((i) => `from ${s} to ${r} #${i}`)).sort());
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // a late duplicate push would show up here
    for (const recipient of recipients) expect(recipient.deliveries()).toHaveLength(15);
  });

  it('kill -9 of the node holding the recipient: it reconnects to another node and receives every acknowledged envelope', async () => {
    const schema = sharedSchema();
    const flags = [...UNTHROTTLED, '--store', DATABASE_URL, '--postgres-schema', schema];
    const [a, b] = await Promise.all([spawnRelay(tempDir(), flags), spawnRelay(tempDir(), flags)]);
    onCleanup(async () => { b.child.kill('SIGKILL'); await b.exited; });
    const identity = generateEd25519KeyPair(systemRandom);
    const bob = await TestClient.login(a.url, identity);
    const ref = await bob.invite();
    const alice = await TestClient.connect(b.url);
    const acked: string[] = [];
    for (let i = 0; i < 200; i++) {
      await alice.request({ type: 'send', ...ref, data: bytesOf(`m${i}`) });
      acked.push(`m${i}`);
      if (i === 100) a.child.kill('SIGKILL');
    }
    await a.exited;
    bob.close();
    const again = await TestClient.login(b.url, identity);
    onCleanup(() => again.close());
    const delivered = (): Set<string> => new Set(again.deliveries().map((d) => textOf(d.data)));
    await until(() => acked.every((t) => delivered().has(t)));
    expect(new Set(again.deliveries().map((d) => d.eid)).size).toBe(again.deliveries().length);
    alice.close();
  });
});
