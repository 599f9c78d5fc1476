/**
 * One file to a large group (issue 14: "posting one 10 MiB file to a 1,000-member group is one upload"):
 * the real Client posts a file to a group of `n` members (itself included) through a real relay process
 * with its disk blob store, and the bench counts what went to the blob endpoints — grants (distinct upload
 * ids), PUT requests, bytes uploaded — beside the file's size and the blobs the relay holds afterwards.
 * The other members are lightweight (relay connections counting deliveries; the group is written into the
 * poster's store, test/scenario/channel-fixture.ts), so the time is until every member's mailbox has
 * pushed the pointer: one upload, then one fan-out of a small message.
 * `npx tsx bench/files-group.ts [members] [MiB]` runs it alone (default 1,000 and 10).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../src/client/client.js';
import { systemRandom, useCryptoProvider } from '../src/crypto/index.js';
import { loadOrCreateKeyFile, nodeCryptoProvider, nodeWebSocketFactory, SqliteStore } from '../src/node/index.js';
import { writeChannelFixture } from '../test/scenario/channel-fixture.js';
import { startRelayProcess } from '../demo/harness.js';
import { lightweight } from './channel-relay.js';
import { RELAY_FLAGS } from './e2e-relay.js';
import type { TestClient } from '../test/relay/client.js';

const MiB = 1024 * 1024;

export interface FilesGroupRow {
  readonly members: number;
  readonly fileBytes: number;
  /** Distinct upload ids the client PUT to: one per grant used. */
  readonly uploads: number;
  readonly puts: number;
  readonly bytesUploaded: number;
  /** Complete blobs on the relay's disk afterwards. */
  readonly blobsStored: number;
  /** ms from sendFile until it resolved (blob durable, pointer sent). */
  readonly sendMs: number;
  /** ms from sendFile until every other member's mailbox delivered the pointer. */
  readonly deliveredMs: number;
}

/** Counts the client's requests to the blob endpoints (the bench's own process: the Client uses the global fetch). */
function countUploads(): { stop: () => { uploads: number; puts: number; bytes: number } } {
  const real = globalThis.fetch;
  const ids = new Set<string>();
  let puts = 0;
  let bytes = 0;
  globalThis.fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (init?.method === 'PUT' && url.includes('/v1/uploads/')) {
      ids.add(url.slice(url.lastIndexOf('/') + 1));
      puts++;
      bytes += (init.body as Uint8Array).byteLength;
    }
    return real(input, init);
  };
  return { stop: () => { globalThis.fetch = real; return { uploads: ids.size, puts, bytes }; } };
}

async function until(f: () => boolean): Promise<void> {
  while (!f()) await new Promise((r) => setTimeout(r, 2));
}

export async function runFilesGroupBench(log: (line: string) => void, members = 1_000, mib = 10): Promise<FilesGroupRow> {
  useCryptoProvider(nodeCryptoProvider);
  const dir = mkdtempSync(join(tmpdir(), 'parley-files-group-'));
  const relayDir = join(dir, 'relay');
  const relay = await startRelayProcess(relayDir, undefined, [...RELAY_FLAGS, '--max-connections-per-address', String(members + 100)]);
  let others: TestClient[] = [];
  let poster: Client | undefined;
  try {
    log(`  file to a group of ${members.toLocaleString('en-US')}: connecting the members`);
    const light = await lightweight(relay.url, members - 1);
    others = light.clients;
    const posterDir = join(dir, 'poster');
    mkdirSync(posterDir, { recursive: true });
    const openPoster = async (): Promise<Client> => {
      const store = SqliteStore.open({ path: join(posterDir, 'store.db'), key: loadOrCreateKeyFile(join(posterDir, 'store.key')) });
      const c = await Client.open({ relay: relay.url, store, webSocket: nodeWebSocketFactory, displayName: 'poster' });
      await c.ready();
      return c;
    };
    await (await openPoster()).close();
    const store = SqliteStore.open({ path: join(posterDir, 'store.db'), key: loadOrCreateKeyFile(join(posterDir, 'store.key')) });
    const group = await writeChannelFixture(store, light.readers, systemRandom, 'team', 'group').finally(() => store.close());
    poster = await openPoster();
    const file = new Uint8Array(mib * MiB).map((_, i) => (i * 131) & 0xff);
    const counter = countUploads();
    const start = performance.now();
    await poster.sendFile(group, file, { name: 'report.bin', type: 'application/octet-stream' });
    const sendMs = performance.now() - start;
    await until(() => others.every((c) => c.deliveries().length >= 1));
    const deliveredMs = performance.now() - start;
    const sent = counter.stop();
    const blobsStored = readdirSync(join(relayDir, 'blobs')).filter((n) => n.endsWith('.blob')).length;
    const row = { members, fileBytes: file.length, uploads: sent.uploads, puts: sent.puts, bytesUploaded: sent.bytes, blobsStored, sendMs, deliveredMs };
    log(`  ${mib} MiB to ${members} members: ${row.uploads} upload (${row.puts} PUTs, ${row.bytesUploaded} B for a ${row.fileBytes} B file), ${row.blobsStored} blob stored; sent in ${sendMs.toFixed(0)} ms, delivered to all in ${deliveredMs.toFixed(0)} ms`);
    return row;
  } finally {
    await poster?.close().catch(() => undefined);
    for (const c of others) c.close();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function filesGroupSection(r: FilesGroupRow | string): string {
  if (typeof r === 'string') return `Could not run: ${r}`;
  return `| members | file | uploads (grants used) | PUT requests | bytes uploaded / file size | blobs stored | sendFile resolved | delivered to every member |
|---:|---:|---:|---:|---:|---:|---:|---:|
| ${r.members.toLocaleString('en-US')} | ${r.fileBytes / MiB} MiB | ${r.uploads} | ${r.puts} | ${(r.bytesUploaded / r.fileBytes).toFixed(4)} (${r.bytesUploaded.toLocaleString('en-US')} B) | ${r.blobsStored} | ${r.sendMs.toFixed(0)} ms | ${r.deliveredMs.toFixed(0)} ms |

One post of a file to a group (bench/files-group.ts): the real Client (node provider, SQLite store) sends it with \`sendFile\` through a real relay process (disk blob store, rate limits raised: ${RELAY_FLAGS.join(' ')}). The uploads and bytes are counted at the client's blob requests; the blobs stored on the relay's disk afterwards. The other members are relay connections counting deliveries of the pointer (the group is written into the poster's store), so the times are one upload plus one fan-out of a small message; wall time, one run.`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const members = Number(process.argv[2] ?? 1_000);
  const mib = Number(process.argv[3] ?? 10);
  console.log(filesGroupSection(await runFilesGroupBench((l) => process.stderr.write(`${l}\n`), members, mib)));
}
