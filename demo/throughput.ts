/**
 * Client throughput through a local relay (not a test): messages/s end to end
 * (encrypt → seal → relay → unseal → decrypt → store → ack) for 1:1 and for
 * a 100-member group. `npx tsx demo/throughput.ts [messages]`.
 *
 * The relay runs in-process on SQLite (a temp dir) with its rate limits
 * raised; clients use MemoryStore (the SQLite store adds one fsync'd
 * transaction per message, measured separately below).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay } from '../relay/server.js';
import { Client } from '../src/client/client.js';
import { loadOrCreateKeyFile, nodeCryptoProvider, nodeWebSocketFactory, SqliteStore } from '../src/node/index.js';
import { useCryptoProvider } from '../src/crypto/index.js';
import { MemoryStore, type Store } from '../src/store/index.js';

const N = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'parley-throughput-'));
const limits = {
  connectionRate: 1e6, connectionBurst: 1e6, addressRate: 1e6, addressBurst: 1e6, mailboxRate: 1e6, mailboxBurst: 1e6, mailboxMaxEnvelopes: 1e6,
  maxUnacked: 1000, maxInFlight: 1000,
};

async function open(url: string, name: string, store: Store = new MemoryStore()): Promise<Client> {
  const c = await Client.open({ relay: url, store, webSocket: nodeWebSocketFactory, displayName: name });
  await c.ready();
  return c;
}

async function befriend(a: Client, b: Client): Promise<string> {
  const added = a.next('contact-added');
  await b.acceptInvite((await a.createInvite()).text);
  return (await added).contact.id;
}

async function oneToOne(url: string, label: string, stores?: [Store, Store]): Promise<void> {
  const alice = await open(url, 'alice', stores?.[0]);
  const bob = await open(url, 'bob', stores?.[1]);
  const bobId = await befriend(alice, bob);
  await alice.send(bobId, { type: 'text', text: 'warm-up' });
  let received = 0;
  const all = new Promise<void>((resolve) => bob.on('message', () => { if (++received === N) resolve(); }));
  const t0 = performance.now();
  const window = 200;
  for (let i = 0; i < N; i += window) {
    await Promise.all(Array.from({ length: Math.min(window, N - i) }, (_, j) => alice.send(bobId, { type: 'text', text: `message ${i + j}` })));
  }
  await all;
  const s = (performance.now() - t0) / 1000;
  console.log(`${label}: ${N} messages in ${s.toFixed(2)} s = ${(N / s).toFixed(0)} msg/s (sent pipelined, ${window} in flight)`);
  await Promise.all([alice.close(), bob.close()]);
}

async function group(url: string, members: number, messages: number): Promise<void> {
  const admin = await open(url, 'admin');
  const people: Client[] = [];
  const ids: string[] = [];
  for (let i = 0; i < members; i++) {
    const p = await open(url, `m${i}`);
    ids.push(await befriend(admin, p));
    people.push(p);
  }
  const g = await admin.createGroup('bench', ids);
  const until = async (f: () => boolean): Promise<void> => { while (!f()) await new Promise((r) => setTimeout(r, 20)); };
  for (const p of [admin, ...people]) await until(() => p.groups().some((x) => x.id === g.id && x.ready));
  let delivered = 0;
  const target = members * (messages + 1);
  const all = new Promise<void>((resolve) => { for (const p of people) p.on('message', () => { if (++delivered === target) resolve(); }); });
  const tw = performance.now();
  await admin.sendToGroup(g.id, { type: 'text', text: 'warm-up (distributes the sender key to every member)' });
  const warm = (performance.now() - tw) / 1000;
  const t0 = performance.now();
  const window = 50;
  for (let i = 0; i < messages; i += window) {
    await Promise.all(Array.from({ length: Math.min(window, messages - i) }, (_, j) => admin.sendToGroup(g.id, { type: 'text', text: `group message ${i + j}` })));
  }
  await all;
  const s = (performance.now() - t0) / 1000;
  console.log(`group of ${members + 1}: first send with ${members} distributions ${warm.toFixed(2)} s; then ${messages} messages in ${s.toFixed(2)} s = ${(messages / s).toFixed(1)} msg/s sent, ${(messages * members / s).toFixed(0)} decryptions/s delivered (all clients in one process)`);
  await Promise.all([admin, ...people].map((c) => c.close()));
}

async function main(): Promise<void> {
  const relay = await startRelay({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'relay'), logLevel: 'silent', limits });
  try {
    await oneToOne(relay.url, '1:1, noble provider, MemoryStore');
    const key = loadOrCreateKeyFile(join(dir, 'k'));
    await oneToOne(relay.url, '1:1, noble provider, encrypted SqliteStore', [SqliteStore.open({ path: join(dir, 'a.db'), key }), SqliteStore.open({ path: join(dir, 'b.db'), key })]);
    useCryptoProvider(nodeCryptoProvider);
    await oneToOne(relay.url, '1:1, node crypto provider, MemoryStore');
    await group(relay.url, 99, Math.max(50, Math.floor(N / 10)));
  } finally {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
