/**
 * `npm run bench`: Parley (pure @noble and node:crypto providers) side by side
 * with @signalapp/libsignal-client and @privacyresearch/libsignal-protocol-typescript
 * in one process run, then the post-quantum ratchet's figures (bench/pq-ratchet.ts:
 * version 3 against version 2 sessions, beside libsignal-client's SPQR), then the
 * relay beside a bare `ws` forwarder, then the relay
 * under attack (bench/attack.ts), then a message end to end, client → relay →
 * client, each in its own process (bench/e2e.ts), then files, then linked devices
 * (bench/linked-devices.ts). Prints the tables and writes
 * bench/RESULTS.md. About 3 minutes on 2 cores, plus 3–4.5 for the end-to-end section.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { ATTACK_MS, attackMethod, attackTable, runAttackBench } from './attack.js';
import { bundleSection, measureBundle } from './bundle-size.js';
import { channelSection, runChannelBench } from './channel.js';
import { channelRelaySection, runChannelRelayBench } from './channel-relay.js';
import { measureInterleaved, type Prepare, type Rate } from './harness.js';
import { runE2eBench } from './e2e.js';
import { filesSection, FILE_SIZES_MIB, runFilesBench } from './files.js';
import { filesGroupSection, runFilesGroupBench } from './files-group.js';
import type { E2eRun } from './e2e-plan.js';
import { e2eMethod, e2eTables } from './e2e-report.js';
import { LINKED_DEVICES_HEADING, runLinkedDevicesBench } from './linked-devices.js';
import { linkedDevicesSection } from './linked-devices-report.js';
import { machine } from './machine.js';
import { MESSAGE_SIZE, type Peer } from './peer.js';
import { libsignalClientPeer } from './peers/libsignal-client.js';
import { lspTsPeer } from './peers/lsp-ts.js';
import { parleyPeers } from './peers/parley.js';
import { pqRatchetSection, runPqRatchetBench } from './pq-ratchet.js';
import { runProviderBench, type ProviderRow } from './provider.js';
import { BARE_LOAD, CLUSTER_LOAD, runRelayBench, RELAY_LOAD, type RelayResults } from './relay.js';
import { clusterMethod, clusterTable } from './relay-cluster.js';
import { markdownTable, resultsTable, type Ratio, type Row } from './report.js';

const PARLEY_NOBLE = 'Parley (noble)';
const PARLEY_NODE = 'Parley (node)';
const GROUP_SIZES = [10, 100, 1000] as const;
const REPS = 5;

const RATIOS: readonly Ratio[] = [
  { name: 'Parley node / libsignal-client', numerator: PARLEY_NODE, denominator: 'libsignal-client' },
  { name: 'Parley noble / libsignal-client', numerator: PARLEY_NOBLE, denominator: 'libsignal-client' },
  { name: 'Parley noble / lsp-ts', numerator: PARLEY_NOBLE, denominator: 'lsp-ts' },
];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Rotations per repetition for the sender-cost workload: about 200 pairwise encryptions, at least 2 rotations. */
function rotations(members: number): number {
  return Math.max(2, Math.round(200 / members));
}

interface Workload {
  readonly label: string;
  readonly kind: Row['kind'];
  readonly prepare: (peer: Peer) => Prepare | undefined;
}

const WORKLOADS: readonly Workload[] = [
  { label: 'session setup /s', kind: 'rate', prepare: (p) => p.sessionSetup?.(p.sizes.sessions) },
  { label: `1:1 one-way msgs/s (${MESSAGE_SIZE} B)`, kind: 'rate', prepare: (p) => p.oneWay?.(p.sizes.oneWay, MESSAGE_SIZE) },
  { label: `1:1 ping-pong msgs/s (${MESSAGE_SIZE} B)`, kind: 'rate', prepare: (p) => p.pingPong?.(p.sizes.pingPong, MESSAGE_SIZE) },
  {
    label: `group enc+dec msgs/s (${MESSAGE_SIZE} B)`, kind: 'rate',
    prepare: (p) => (p.sizes.group > 0 ? p.groupMessages?.(p.sizes.group, MESSAGE_SIZE) : undefined),
  },
  ...GROUP_SIZES.map((n): Workload => ({
    label: `group sender cost, ${n.toLocaleString('en-US')} members`, kind: 'ms',
    prepare: (p) => p.groupSenderCost?.(n, rotations(n)),
  })),
];

/** Each workload measured for every implementation that has it, repetitions interleaved across implementations. */
async function protocolRows(peers: readonly (readonly [string, Peer])[], missingParley: string | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  for (const w of WORKLOADS) {
    const prepares = new Map<string, Prepare>();
    for (const [column, peer] of peers) {
      const prepare = w.prepare(peer);
      if (prepare !== undefined) prepares.set(column, prepare);
    }
    log(`  ${w.label}: ${[...prepares.keys()].join(', ')}`);
    const cells = new Map<string, Rate | string>(await measureInterleaved(prepares, { warmups: 1, reps: REPS }));
    if (missingParley !== undefined) {
      for (const column of [PARLEY_NOBLE, PARLEY_NODE]) if (!cells.has(column)) cells.set(column, 'not yet available');
    }
    rows.push({ label: w.label, kind: w.kind, cells });
  }
  return rows;
}

function relayRows(results: RelayResults): Row[] {
  const kb = (r: Rate): Rate => ({ ...r, median: r.median / 1024, min: r.min / 1024, max: r.max / 1024 });
  const pick = (f: (r: RelayResults['relay']) => Rate): Map<string, Rate | string> =>
    new Map<string, Rate | string>([['relay', f(results.relay)], ['bare ws', f(results.bare)]]);
  return [
    { label: 'pipelined msgs/s, 100 B', kind: 'rate', cells: pick((r) => r.throughput100) },
    { label: 'pipelined msgs/s, 1 KiB', kind: 'rate', cells: pick((r) => r.throughput1k) },
    { label: 'unpipelined round trip p50', kind: 'value', unit: 'ms', cells: pick((r) => r.latencyP50) },
    { label: 'unpipelined round trip p99', kind: 'value', unit: 'ms', cells: pick((r) => r.latencyP99) },
    { label: `RSS per idle connection (${RELAY_LOAD.idleConnections.toLocaleString('en-US')} conns)`, kind: 'value', unit: 'KB', cells: pick((r) => kb(r.rssPerConnection)) },
  ];
}

function providerTable(rows: readonly ProviderRow[]): string {
  const fmt = (r: Rate): string => `${Math.round(r.median).toLocaleString('en-US')} (${Math.round(r.min).toLocaleString('en-US')}–${Math.round(r.max).toLocaleString('en-US')})`;
  return markdownTable(
    ['operation (ops/s)', 'noble', 'node:crypto', 'node / noble'],
    rows.map((r) => [r.op, fmt(r.noble), fmt(r.node), `${(r.node.median / r.noble.median).toFixed(1)}×`]),
  );
}

/** The end-to-end tables and their method, or why the section could not run. */
function e2eSection(run: E2eRun | string): string {
  if (typeof run === 'string') return `The end-to-end bench could not run: ${run}`;
  return `${e2eTables(run.results, 3)}\n\n${e2eMethod(run)}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const m = machine();
  log(`bench: ${m.cpu} (${m.cores} cores), Node ${m.node}`);

  log('crypto providers');
  const providerRows = await runProviderBench();
  log('browser bundle');
  const bundle = bundleSection(await measureBundle());

  const lsc = libsignalClientPeer();
  const lsp = lspTsPeer();
  const parley = await parleyPeers();
  const peers: (readonly [string, Peer])[] = [
    ...parley.peers.map((p) => [p.name, p] as const),
    ['libsignal-client', lsc],
    ['lsp-ts', lsp],
  ];
  log('protocol workloads');
  const rows = await protocolRows(peers, parley.missing);
  log('post-quantum ratchet');
  const pqRatchet = pqRatchetSection(await runPqRatchetBench(log));

  log('relay');
  const relay = await runRelayBench(log);
  const relayTableRows = relayRows(relay);

  log('relay under attack');
  const underAttack = attackTable(await runAttackBench(log));

  log('end to end: client → relay → client');
  const endToEnd = e2eSection(await runE2eBench(log).catch((e: unknown) => (e instanceof Error ? e.message : String(e))));

  log('channels: the account\'s costs');
  const channels = channelSection(runChannelBench(log));
  const channelsRelay = await runChannelRelayBench(log).then(channelRelaySection, (e: unknown) => `Could not run: ${e instanceof Error ? e.message : String(e)}`);

  log('files end to end');
  const files = filesSection(await runFilesBench(log).catch((e: unknown) => (e instanceof Error ? e.message : String(e))));
  const filesGroup = filesGroupSection(await runFilesGroupBench(log).catch((e: unknown) => (e instanceof Error ? e.message : String(e))));

  log('linked devices');
  const linkedDevices = await runLinkedDevicesBench(log).then(
    (r) => linkedDevicesSection(r, 'same run'), (e: unknown) => `Could not run: ${e instanceof Error ? e.message : String(e)}`,
  );
  const seconds = (performance.now() - started) / 1000;

  const columns = [PARLEY_NOBLE, PARLEY_NODE, 'libsignal-client', 'lsp-ts'];
  const protocolTable = resultsTable(rows, columns, RATIOS);
  const relayTable = resultsTable(relayTableRows, ['relay', 'bare ws'], [{ name: 'relay / bare ws', numerator: 'relay', denominator: 'bare ws' }]);
  const sizes = peers.map(([c, p]) => `| ${c} | ${p.version} | ${p.setupNote} | ${p.sizes.sessions} | ${p.sizes.oneWay.toLocaleString('en-US')} | ${p.sizes.pingPong.toLocaleString('en-US')} | ${p.sizes.group > 0 ? p.sizes.group.toLocaleString('en-US') : '–'} |`);

  const md = `# Parley benchmarks

Generated by \`npm run bench\` (bench/run.ts) — do not edit by hand.

- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}
- Node: ${m.node}
- Date: ${m.date}
- Run time: ${seconds.toFixed(0)} s; 1-minute load average ${m.loadAverage.toFixed(2)} at the start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end (on ${m.cores} cores: above ${m.cores} other processes competed for the CPU, and absolute figures drop; the interleaved ratios hold up better)

## Method

Every figure is the **median of ${REPS} timed repetitions after one untimed warm-up**, with the min–max of the repetitions in parentheses. All implementations run in the same process; for each workload their repetitions are interleaved (A, B, C, A, B, C, …) so that changes in machine load touch all of them alike. A repetition's preparation (key generation, bundles, building sessions) is outside the timed region; messages are ${MESSAGE_SIZE} bytes.

- **session setup**: the initiator processes a published bundle and encrypts a first message; the responder builds its session from it and decrypts it.
- **1:1 one-way**: an established session (first message answered) encrypts N messages, then the peer decrypts them in order.
- **1:1 ping-pong**: every message turns the direction, so each one is a DH ratchet step.
- **group enc+dec**: the sender encrypts with its sender key; one member decrypts.
- **group sender cost**: the sender's time per group message when it starts a fresh sender key: the distribution message encrypted 1:1 to every member, then one group message. The member sessions are one real session cloned to every member (the per-member cost does not depend on key values).

Workload sizes per repetition (slow peers run fewer operations; every figure is a per-second rate, so sizes only change precision):

| implementation | version | session setup | sessions | one-way msgs | ping-pong msgs | group msgs |
|---|---|---|---|---|---|---|
${sizes.join('\n')}
${parley.missing !== undefined ? `| Parley | – | ${parley.missing} | – | – | – | – |\n` : ''}
## Protocol (higher is better; ratios > 1× mean Parley is faster)

${protocolTable}

## Post-quantum ratchet: version 3 against version 2 sessions (issue 17; same run; bench/pq-ratchet.ts)

${pqRatchet}

## End to end: client → relay → client (same run)

${endToEnd}

## Relay (same run; ${RELAY_LOAD.pairs} sender→receiver pairs; per repetition ${RELAY_LOAD.messages.toLocaleString('en-US')} pipelined messages and ${RELAY_LOAD.roundTrips.toLocaleString('en-US')} round trips for the relay, ${BARE_LOAD.messages.toLocaleString('en-US')} and ${BARE_LOAD.roundTrips.toLocaleString('en-US')} for the faster bare forwarder; ${RELAY_LOAD.reps} repetitions)

${relayTable}

The relay (bench/relay-load.ts) runs with durable SQLite storage (synchronous=FULL, group commit), authenticated clients and delivery tokens; a message counts when it was stored, pushed to the connected recipient and acknowledged. The bare forwarder (bench/bare-ws.ts) routes a frame to the connection registered under its first bytes, with no auth, parsing or storage: the physical limit of \`ws\` on this machine. A round trip is A → B, B answers → A. RSS is the server process's growth over ${RELAY_LOAD.idleConnections.toLocaleString('en-US')} idle connections, measured on a fresh server process.

## Relay on PostgreSQL, one to three nodes (same run)

${typeof relay.cluster === 'string' ? `Could not run: ${relay.cluster}` : `${clusterTable(relay.cluster)}\n\n${clusterMethod(CLUSTER_LOAD)}`}

## Channels: the account's post and subscription costs (same run; bench/channel.ts)

${channels}

Through a real relay process, 1,000 subscribers (bench/channel-relay.ts):

${channelsRelay}

## Files end to end (same run; ${FILE_SIZES_MIB.join(' and ')} MiB; bench/files.ts)

${files}

A 10 MiB file posted to a 1,000-member group is one upload (bench/files-group.ts):

${filesGroup}

${LINKED_DEVICES_HEADING}

${linkedDevices}

## Relay under attack (same run; a fresh relay process per class, ${ATTACK_MS / 1000} s of attack each)

${underAttack}

${attackMethod()}

## Crypto providers (ops/s; the node provider takes an operation only where node:crypto is faster)

${providerTable(providerRows)}

## Browser bundle (Client + IndexedDbStore as a web app imports them; esbuild with code splitting, minified, gzip -9 per file; bench/bundle-size.ts)

${bundle}`;
  writeFileSync(new URL('./RESULTS.md', import.meta.url), md);
  process.stdout.write(`\n${protocolTable}\n\n${endToEnd}\n\n${relayTable}\n\n${underAttack}\n\n${providerTable(providerRows)}\n\nbench/RESULTS.md written (${seconds.toFixed(0)} s)\n`);
}

await main();
