/**
 * A channel end to end (spec/client.md §6.6): the real Client as the account, a real relay process (durable
 * SQLite, rate limits raised as in the e2e bench), and `n` subscribers.
 *
 * - post: from `sendToGroup` until every subscriber's mailbox has pushed the post to it (the fan-out in
 *   requests of at most RELAY_MAX_FANOUT, stored and delivered). The subscribers are lightweight — relay
 *   connections (an identity, a group token) that count and acknowledge deliveries — and the channel is
 *   written into the account's store with its sender key counted as held by all (test/scenario/channel-fixture.ts).
 * - subscription: a real Client subscribes through the channel invitation, from `subscribe` until its
 *   `joined` event: the contact handshake, the request, the account's signed change over the full state, its
 *   welcome, roster and sender key, each a pairwise message.
 *
 * Wall time on this machine, medians. `npx tsx bench/channel-relay.ts [subscribers]` runs it alone (default 100).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../src/client/client.js';
import { systemRandom } from '../src/crypto/index.js';
import { loadOrCreateKeyFile, nodeWebSocketFactory, SqliteStore } from '../src/node/index.js';
import { writeChannelFixture, type ChannelReader } from '../test/scenario/channel-fixture.js';
import { startRelayProcess } from '../demo/harness.js';
import { RELAY_FLAGS } from './e2e-relay.js';
import { TestClient } from '../test/relay/client.js';
import { medianOf } from './harness.js';


const POSTS = 5;
const SUBSCRIPTIONS = 3;
const BATCH = 100;

export interface ChannelRelayRow {
  readonly subscribers: number;
  /** Median ms from sendToGroup until every subscriber received the post. */
  readonly post: number;
  /** Median ms from subscribe until joined. */
  readonly subscribe: number;
}

async function open(dir: string, url: string, name: string): Promise<Client> {
  mkdirSync(dir, { recursive: true });
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const c = await Client.open({ relay: url, store, webSocket: nodeWebSocketFactory, displayName: name, backoff: { baseMs: 20, maxMs: 300 } });
  await c.ready();
  return c;
}

/** `n` relay connections with a group token each; they count deliveries (at most the relay's maxUnacked, 500, unacknowledged). */
export async function lightweight(url: string, n: number): Promise<{ clients: TestClient[]; readers: ChannelReader[] }> {
  const clients: TestClient[] = [];
  const readers: ChannelReader[] = [];
  for (let at = 0; at < n; at += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, n - at) }, async (_, k) => {
      const c = await TestClient.login(url);
      const ref = await c.invite();
      clients[at + k] = c;
      readers[at + k] = { identityKey: c.identity.publicKey, mailbox: ref.mailbox, token: ref.token };
    }));
  }
  return { clients, readers };
}

async function until(f: () => boolean): Promise<void> {
  while (!f()) await new Promise((r) => setTimeout(r, 2));
}

export async function runChannelRelayBench(log: (line: string) => void, n = 1_000): Promise<ChannelRelayRow> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-channel-relay-'));
  const relay = await startRelayProcess(join(dir, 'relay'), undefined, [...RELAY_FLAGS, '--max-connections-per-address', String(n + 100)]);
  const clients: Client[] = [];
  let subs: TestClient[] = [];
  try {
    log(`  channel end to end, ${n.toLocaleString('en-US')} subscribers: connecting them`);
    const light = await lightweight(relay.url, n);
    subs = light.clients;
    const accountDir = join(dir, 'account');
    await (await open(accountDir, relay.url, 'account')).close();
    const store = SqliteStore.open({ path: join(accountDir, 'store.db'), key: loadOrCreateKeyFile(join(accountDir, 'store.key')) });
    const id = await writeChannelFixture(store, light.readers, systemRandom, 'news').finally(() => store.close());
    const account = await open(accountDir, relay.url, 'account');
    clients.push(account);
    const posts: number[] = [];
    for (let p = 1; p <= POSTS; p++) {
      const start = performance.now();
      await account.sendToGroup(id, { type: 'text', text: `issue ${p}` });
      await until(() => subs.every((c) => c.deliveries().length >= p));
      posts.push(performance.now() - start);
    }
    const { text: invite } = await account.createChannelInvite(id);
    const subscribes: number[] = [];
    for (let s = 0; s < SUBSCRIPTIONS; s++) {
      const c = await open(join(dir, `s${s}`), relay.url, `s${s}`);
      clients.push(c);
      const joined = c.next('group-change', (e) => e.change === 'joined' && e.group === id);
      const start = performance.now();
      await c.subscribe(invite);
      await joined;
      subscribes.push(performance.now() - start);
    }
    return { subscribers: n, post: medianOf(posts).median, subscribe: medianOf(subscribes).median };
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const s of subs) s.close();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function channelRelaySection(row: ChannelRelayRow): string {
  return `| subscribers | post, until every subscriber's mailbox delivered it | subscription, from \`subscribe\` until \`joined\` |
|---|---|---|
| ${row.subscribers.toLocaleString('en-US')} | ${row.post.toFixed(0)} ms | ${row.subscribe.toFixed(0)} ms |

Wall time, median of ${POSTS} posts and ${SUBSCRIPTIONS} subscriptions (bench/channel-relay.ts): the real Client as the account and a real relay process (SQLite, rate limits raised: ${RELAY_FLAGS.join(' ')}). The subscribers who read the posts are relay connections counting their deliveries (a real Client each would not fit this machine); the channel with them is written into the account's store, its sender key counted as held by all. The subscriptions are real Clients joining that channel.`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 100);
  console.log(channelRelaySection(await runChannelRelayBench((l) => process.stderr.write(`${l}\n`), n)));
}
