/**
 * Splits a client process's V8 .cpuprofile into function groups (issue 18's
 * "what bounds it"): crypto by purpose (sealed sender, ratchet, at-rest
 * sealing of the SQLite store), codecs, ratchet and session logic, client
 * logic, the store and its thread, socket and ws, GC. Start-up (module
 * loading) and idle time are reported apart; the shares are of the rest.
 *
 *   PARLEY_E2E_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx bench/e2e-ab.ts . - node sqlite 1 300 1000 1000
 *   npx tsx bench/profile-client.ts /tmp/prof/<file>.cpuprofile
 *
 * One group per sample: its stack is walked from the innermost frame out and
 * the first frame that matches names the group; a crypto frame is then
 * attributed to the first caller below it that names a purpose.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

type Match = (fn: string, url: string) => boolean;

const GROUPS: ReadonlyArray<readonly [string, Match]> = [
  ['GC', (fn) => fn === '(garbage collector)'],
  ['idle', (fn) => fn === '(idle)'],
  ['start-up (module loading)', (_, url) => url.startsWith('node:internal/modules') || url.includes('/node_modules/tsx/')],
  ['bench harness and IPC', (_, url) => url.includes('/bench/') || url.includes('child_process')],
  // Opening blocks on the worker's start (thread, addon, and under tsx its transform): not per message.
  ['store open: waiting for the worker to start', (fn) => fn === 'callSync'],
  ['store thread messages', (fn, url) => fn === 'postMessage' || fn === 'receiveMessageOnPort' || url.startsWith('node:internal/worker') || url.includes('/src/node/sqlite-thread')],
  ['SQLite (worker thread)', (_, url) => url.includes('better-sqlite3') || url.includes('/src/node/sqlite-worker')],
  ['crypto', (fn, url) => url.includes('@noble') || url.includes('/src/crypto/') || url.startsWith('node:internal/crypto') || fn === 'diffieHellman'],
  ['store: tags, packing, filter (SQLite store)', (_, url) => /\/src\/node\/(sqlite-store|sqlite-messages|key-filter)/.test(url)],
  ['store: MemoryStore and checks', (_, url) => url.includes('/src/store/')],
  ['socket I/O', (fn, url) => /^(writev|writeBuffer|writeUtf8String|onStreamRead)$/.test(fn) || /^node:(net|internal\/stream_base_commons)/.test(url)],
  ['ws framing', (_, url) => url.includes('/node_modules/ws/')],
  ['msgpack and wire codecs', (_, url) => url.includes('@msgpack') || url.includes('/src/wire/')],
  ['ratchet, session, handshake (not crypto)', (_, url) => /\/src\/(ratchet|session|handshake|identity|group)\//.test(url)],
  ['client: transport', (_, url) => url.includes('/src/client/transport/')],
  ['client: logic (lane, outbox, inbound, events)', (_, url) => url.includes('/src/client/')],
  ['other JS', (_, url) => url.startsWith('file:')],
];

/** Who a crypto frame works for: the first caller that matches. */
const PURPOSES: ReadonlyArray<readonly [string, Match]> = [
  ['crypto: at-rest sealing and tags (SQLite store)', (_, url) => url.includes('/src/node/sqlite-store')],
  ['crypto: sealed sender (X25519, HKDF, AEAD)', (_, url) => url.includes('/src/session/sealed-sender')],
  ['crypto: ratchet and session (KDF chains, header and body AEAD, ML-KEM)', (_, url) => /\/src\/(ratchet|session)\//.test(url)],
  ['crypto: prekeys and identity (account set-up)', (_, url) => /\/src\/(identity|handshake|client\/account)\//.test(url)],
];

const APART = ['idle', 'start-up (module loading)', 'store open: waiting for the worker to start'];

export function clientShares(profile: Profile): { busyMs: number; rows: Array<[string, number]>; apart: Array<[string, number]> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frameOf = (id: number): ProfileNode['callFrame'] | undefined => byId.get(id)?.callFrame;
  const shares = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    let group = 'native and node internals, unattributed';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = frameOf(cur);
      const hit = f === undefined ? undefined : GROUPS.find(([, m]) => m(f.functionName, f.url));
      if (hit === undefined) continue;
      group = hit[0];
      if (group === 'crypto') {
        group = 'crypto: other';
        for (let up = parent.get(cur); up !== undefined; up = parent.get(up)) {
          const g = frameOf(up);
          const purpose = g === undefined ? undefined : PURPOSES.find(([, m]) => m(g.functionName, g.url));
          if (purpose !== undefined) {
            group = purpose[0];
            break;
          }
        }
      }
      break;
    }
    shares.set(group, (shares.get(group) ?? 0) + dt);
  });
  const apart = APART.map((g): [string, number] => [g, (shares.get(g) ?? 0) / 1000]);
  for (const g of APART) shares.delete(g);
  const busy = [...shares.values()].reduce((a, b) => a + b, 0);
  const rows = [...shares.entries()].map(([g, v]): [string, number] => [g, v / busy]).sort((a, b) => b[1] - a[1]);
  return { busyMs: busy / 1000, rows, apart };
}

const [file] = process.argv.slice(2);
if (file !== undefined) {
  const { busyMs, rows, apart } = clientShares(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const out = [`busy ${busyMs.toFixed(0)} ms (${apart.map(([g, ms]) => `${g} ${ms.toFixed(0)} ms`).join(', ')} apart)`];
  for (const [g, share] of rows) out.push(`${(100 * share).toFixed(1).padStart(5)}%  ${g}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
