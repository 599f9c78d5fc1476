/**
 * A channel with more readers than one relay fan-out may name (spec/client.md §6.6, §5.1): the real Client,
 * as the account, posts once to 1,100 subscribers through a real relay process, and every subscriber's mailbox
 * receives that post exactly once (counted, never timed: a second post, delivered in order after any copy of
 * the first, closes the count). The outbox's retry of a later fan-out request is covered by
 * test/client/channel-fanout.test.ts.
 *
 * The subscribers are lightweight: relay-level mailboxes (an identity, a registered group token) that count
 * their deliveries. The account's channel — 1,100 readers holding its sender key — is written into its store
 * as the client would have written it, so the file costs one client and 1,100 sockets instead of 1,100 clients
 * and 1,100 pairwise handshakes (subscription itself is covered by channel.test.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemRandom, toHex } from '../../src/crypto/index.js';
import { loadOrCreateKeyFile, SqliteStore } from '../../src/node/index.js';
import { until } from '../until.js';
import { writeChannelFixture, type ChannelReader } from './channel-fixture.js';
import { TestClient } from '../relay/client.js';
import { openClient, relayPerFile } from './helpers.js';

const SUBSCRIBERS = 1_100;
/** Subscribers connecting at once (their sockets stay open; the relay allows them from one address). */
const BATCH = 100;

const file = relayPerFile('parley-channel-scale-', [
  '--memory', '--max-connections-per-address', String(SUBSCRIBERS + 50), '--address-rate', '1000000', '--address-burst', '1000000',
]);
const { tmp, open } = file;

async function subscribers(url: string): Promise<{ client: TestClient; entry: ChannelReader }[]> {
  const out: { client: TestClient; entry: ChannelReader }[] = [];
  for (let at = 0; at < SUBSCRIBERS; at += BATCH) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, SUBSCRIBERS - at) }, async () => {
      const client = await TestClient.login(url);
      const ref = await client.invite();
      return { client, entry: { identityKey: client.identity.publicKey, mailbox: ref.mailbox, token: ref.token } };
    }))));
  }
  return out;
}

/** Writes the account's channel (its sender key held by every reader) into its closed store. */
async function writeChannel(dir: string, readers: readonly ChannelReader[]): Promise<string> {
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  try {
    return await writeChannelFixture(store, readers, systemRandom, 'news');
  } finally {
    await store.close();
  }
}

describe('a channel beyond one fan-out (real relay)', () => {
  it('"a post to a channel of 1,100 subscribers reaches every subscriber exactly once"', async () => {
    const subs = await subscribers(file.relay.url);
    const dir = join(tmp.dir, 'account');
    await (await openClient(dir, file.relay.url, 'account')).close(); // creates the account and learns its mailbox
    const id = await writeChannel(dir, subs.map((s) => s.entry));

    const account = await openClient(dir, file.relay.url, 'account');
    open.push(account);
    expect(account.group(id)).toMatchObject({ mode: 'channel', ready: true });
    expect(account.group(id).members).toHaveLength(SUBSCRIBERS + 1);
    await account.sendToGroup(id, { type: 'text', text: 'to every subscriber' });
    await account.sendToGroup(id, { type: 'text', text: 'closing the count' });
    // A mailbox delivers in order: once the second post is there, any copy of the first came before it.
    await until(() => subs.every((s) => s.client.deliveries().length >= 2), 20_000);

    const [first, second] = subs[0]!.client.deliveries().map((d) => toHex(d.data));
    expect(subs.filter((s) => s.client.deliveries().map((d) => toHex(d.data)).join() !== [first, second].join())).toEqual([]);
    expect(first).not.toBe(second);
    expect(account.outboxCounts()).toMatchObject({ entries: 0, held: 0 });
    for (const s of subs) s.client.close();
  }, 60_000);
});
