/**
 * The client's own share of the end-to-end cost (issue 18): two clients in
 * one process on MemoryStore, joined by the in-process relay double of the
 * client tests (test/client/memory-relay.ts) — no sockets, no IPC, no relay
 * process — sending unpipelined through the public Client API. What is left
 * is sender + receiver: sealing, the ratchet, the outbox, the lane, the store
 * and event delivery. `sqlite` puts each client on an encrypted SqliteStore in
 * a temp dir instead (its worker thread's CPU is counted: process.cpuUsage).
 * Run it under --cpu-prof to see how that splits:
 *
 *   npx tsx bench/e2e-client-path.ts [messages] [noble|node] [memory|sqlite]
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/e2e-client-path.ts 2000
 *   npx tsx bench/profile-summary.ts /tmp/prof/<file>.cpuprofile
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, nobleProvider, useCryptoProvider, type Store } from '../src/index.js';
import { generateIdentityKeyPair, encodeIdentityKeyPair } from '../src/identity/index.js';
import { nodeCryptoProvider, SqliteStore } from '../src/node/index.js';
import { MemoryStore, put } from '../src/store/index.js';
import { seededRandom } from '../src/testing/index.js';
import { MemoryRelayHub } from '../test/client/memory-relay.js';

const WARM_UP = 200;

const dir = process.argv[4] === 'sqlite' ? mkdtempSync(join(tmpdir(), 'parley-client-path-')) : undefined;

async function open(hub: MemoryRelayHub, seed: number): Promise<Client> {
  const store: Store = dir === undefined ? new MemoryStore() : SqliteStore.open({ path: join(dir, `${seed}.db`), key: new Uint8Array(32).fill(seed) });
  const identity = generateIdentityKeyPair(seededRandom(new Uint8Array(32).fill(seed)));
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  const client = await Client.open({ relay: 'ws://relay.test', store, transport: hub.transport(identity.publicKey) });
  await client.ready();
  return client;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 2000);
  const provider = process.argv[3] ?? 'node';
  useCryptoProvider(provider === 'noble' ? nobleProvider : nodeCryptoProvider);
  const hub = new MemoryRelayHub();
  const sender = await open(hub, 1);
  const receiver = await open(hub, 2);
  const added = sender.next('contact-added');
  await receiver.acceptInvite((await sender.createInvite()).text);
  const { contact } = await added;
  let arrived = 0;
  let all = (): void => undefined;
  const done = new Promise<void>((resolve) => { all = resolve; });
  receiver.on('message', () => { if (++arrived === WARM_UP + count) all(); });
  for (let i = 0; i < WARM_UP; i++) await sender.send(contact.id, { type: 'text', text: `warm-up ${i}` });
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) await sender.send(contact.id, { type: 'text', text: `m${i}` });
  await done;
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  process.stdout.write(`${provider} / ${dir === undefined ? 'MemoryStore' : 'SqliteStore'}: ${count} unpipelined messages, sender + receiver in one process: `
    + `${((used.user + used.system) / 1000 / count).toFixed(3)} ms CPU / msg, ${(wall / count).toFixed(3)} ms wall / msg\n`);
  await Promise.all([sender.close(), receiver.close()]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
