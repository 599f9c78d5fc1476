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
import { privateRedis, REDIS_URL, testPrefix } from './redis.js';
import { attackerAddress } from './adversary/attacks.js';

/** Closes `c` after the test. */
function track(c: TestClient): TestClient {
  onCleanup(() => c.close());
  return c;
}

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

  it('budgets hold across nodes (Redis): an address connected to all three gets one budget, not three', async () => {
    const schema = sharedSchema();
    const prefix = testPrefix();
    const flags = ['--store', DATABASE_URL, '--postgres-schema', schema, '--redis', REDIS_URL, '--redis-prefix', prefix,
      '--address-burst', '20', '--address-rate', '1'];
    const nodes = await Promise.all([0, 1, 2].map(() => spawnRelay(tempDir(), flags)));
    onCleanup(async () => { for (const n of nodes) { n.child.kill('SIGKILL'); await n.exited; } });
    const conns = await Promise.all(nodes.map(async (n) => track(await TestClient.connect(n.url, undefined, attackerAddress(0)))));
    const answers = await Promise.all(conns.flatMap((c) => Array.from({ length: 30 }, () =>
      c.raw({ type: 'bundle', mailbox: systemRandom(16), token: systemRandom(16) }))));
    const codes = answers.map((a) => (a.type === 'ok' ? 'ok' : a.code));
    expect(codes.filter((c) => c === 'TOKEN_REFUSED').length).toBeLessThanOrEqual(25); // 20 + at most a few seconds at 1/s
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(65);
  });

  it('a Redis restart under load loses nothing: every acknowledged envelope is delivered across nodes', async () => {
    const schema = sharedSchema();
    const redis = await privateRedis();
    const flags = [...UNTHROTTLED, '--store', DATABASE_URL, '--postgres-schema', schema, '--redis', redis.url, '--redis-prefix', testPrefix(redis.url)];
    const [a, b] = await Promise.all([spawnRelay(tempDir(), flags), spawnRelay(tempDir(), flags)]);
    onCleanup(async () => { for (const n of [a, b]) { n.child.kill('SIGKILL'); await n.exited; } });
    const bob = track(await TestClient.login(a.url));
    const ref = await bob.invite();
    const alice = track(await TestClient.connect(b.url));
    const refused: string[] = [];
    let acked = 0;
    for (let i = 0; i < 300; i++) {
      if (i === 100) await redis.kill();
      if (i === 200) await redis.start();
      const o = await alice.raw({ type: 'send', ...ref, data: bytesOf(`m${i}`) });
      if (o.type === 'ok') acked++;
      else refused.push(o.code);
    }
    expect(refused).toEqual([]);
    expect(acked).toBe(300);
    await until(() => new Set(bob.deliveries().map((d) => textOf(d.data))).size === 300);
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
  });
});

