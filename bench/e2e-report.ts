/**
 * The end-to-end bench's tables (bench/e2e.ts): one table per workload, a
 * row per provider / client store, failures as counts in their own column.
 * A workload that could not run at all shows why in its row.
 */
import type { E2eConfig, E2eResult, E2eRun, Failed } from './e2e-plan.js';
import { DEFAULT_LIMITS } from '../relay/config.js';
import { BISECTIONS, MAX_DOUBLINGS, PAIR_WARM_UP, SATURATION_P99_MS } from './e2e-load.js';
import { ARRIVAL_TIMEOUT_MS, MAX_LOST_IN_A_ROW } from './e2e-pair.js';
import { RELAY_FLAGS } from './e2e-relay.js';
import { machine } from './machine.js';
import type { GroupResult } from './e2e-group.js';
import type { LoadRun, Saturation } from './e2e-load.js';
import { failuresText, type Latency } from './e2e-measure.js';
import type { CatchUpResult, FirstContactResult, UnpipelinedResult } from './e2e-pair.js';
import { formatNumber, formatRate } from './harness.js';
import { markdownTable } from './report.js';
import { OUTBOX_IN_FLIGHT_MAX, OUTBOX_QUEUE_PER_MAILBOX } from '../src/constants.js';

const STORE_NAMES = { memory: 'MemoryStore', sqlite: 'encrypted SQLite' } as const;

export function configLabel(c: E2eConfig): string {
  return `${c.provider} / ${STORE_NAMES[c.store]}`;
}

const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : `${formatNumber(n)} ms`);
const count = (n: number): string => n.toLocaleString('en-US');

function isFailed<T>(v: T | Failed | undefined): v is Failed {
  return typeof v === 'object' && v !== null && 'failed' in v;
}

/** A row per config: `cells` for a result, the error (across the row) for a failed workload, nothing when not measured. */
function rows<T>(results: readonly E2eResult[], pick: (r: E2eResult) => T | Failed | undefined, width: number, cells: (v: T) => string[]): string[][] {
  return results.flatMap((r) => {
    const v = pick(r);
    if (v === undefined) return [];
    if (isFailed(v)) return [[configLabel(r.config), `failed: ${v.failed}`, ...Array.from({ length: width - 1 }, () => '')]];
    return [[configLabel(r.config), ...cells(v)]];
  });
}

const latencyCells = (l: Latency): string[] => [ms(l.p50), ms(l.p95), ms(l.p99)];

export function unpipelinedTable(results: readonly E2eResult[]): string {
  return markdownTable(
    ['provider / client store', 'latency p50', 'p95', 'p99', 'sender CPU / msg', 'receiver CPU / msg', 'relay CPU / msg', 'relay above idle', 'failures'],
    rows<UnpipelinedResult>(results, (r) => r.unpipelined, 8, (u) => [
      ...latencyCells(u.latency), `${formatRate(u.cpu.sender)} ms`, `${formatRate(u.cpu.receiver)} ms`, `${formatRate(u.cpu.relay)} ms`,
      `${formatRate(u.cpu.relayAboveIdle)} ms`, failuresText(u.failures),
    ]),
  );
}

function loadCells(run: LoadRun): string[] {
  return [
    count(run.rate), formatNumber(run.delivered / (run.durationMs / 1000)), ...latencyCells(run.latency), failuresText(run.failures), ms(run.maxLagMs),
  ];
}

export function openLoopTable(results: readonly E2eResult[]): string {
  const lines = results.flatMap((r) => {
    if (isFailed(r.load)) return [[configLabel(r.config), `failed: ${r.load.failed}`, '', '', '', '', '', '']];
    return r.load.runs.map((run) => [configLabel(r.config), ...loadCells(run)]);
  });
  return markdownTable(['provider / client store', 'offered msgs/s', 'delivered msgs/s', 'p50', 'p95', 'p99', 'failures', 'sender lag (max)'], lines);
}

function saturationText(s: Saturation): string {
  if (s.rate === undefined) return `< ${count(s.failedAt ?? 0)} msgs/s`;
  return `${count(s.rate)} msgs/s${s.failedAt === undefined ? ' (search cap: higher rates not tried)' : ''}`;
}

function probeText(run: LoadRun): string {
  const f = failuresText(run.failures);
  return `${count(run.rate)}/s: p99 ${ms(run.latency.p99)}${f === 'none' ? '' : `, ${f}`}`;
}

export function saturationTable(results: readonly E2eResult[]): string {
  return markdownTable(
    ['provider / client store', 'saturation rate', 'lowest failing rate', 'search runs (offered rate: p99, failures)'],
    rows<{ saturation: Saturation }>(results, (r) => r.load, 3, ({ saturation: s }) => [
      saturationText(s), s.failedAt === undefined ? '–' : `${count(s.failedAt)} msgs/s`, s.probes.length === 0 ? '–' : s.probes.map(probeText).join('; '),
    ]),
  );
}

export function firstContactTable(results: readonly E2eResult[]): string {
  return markdownTable(
    ['provider / client store', 'acceptInvite → first message event', 'failures'],
    rows<FirstContactResult>(results, (r) => r.firstContact, 2, (f) => [f.latency === undefined ? '–' : `${formatRate(f.latency)} ms`, failuresText(f.failures)]),
  );
}

export function catchUpTable(results: readonly E2eResult[]): string {
  return markdownTable(
    ['provider / client store', 'messages', 'open → last message event', 'received msgs/s', 'sending them (receiver offline)', 'failures'],
    rows<CatchUpResult>(results, (r) => r.catchUp, 5, (c) => [
      count(c.messages), `${formatNumber(c.catchUp.elapsedMs / 1000)} s${c.catchUp.received < c.messages ? ` (${count(c.catchUp.received)} received)` : ''}`,
      formatNumber(c.catchUp.received / (c.catchUp.elapsedMs / 1000)), `${formatNumber(c.sendMs / 1000)} s`, failuresText(c.failures),
    ]),
  );
}

export function groupTable(results: readonly E2eResult[]): string {
  return markdownTable(
    ['provider / client store', 'first send (with distributions) → last member', 'p50 → last member', 'p99', 'sender CPU / msg', 'receivers\' CPU / msg (all)', 'relay CPU / msg', 'relay above idle', 'failures'],
    rows<GroupResult>(results, (r) => r.group, 8, (g) => [
      `${ms(g.firstSendMs)}${g.ready ? '' : ' (group not ready everywhere)'}`, ms(g.latency.p50), ms(g.latency.p99),
      ms(g.cpu.sender), ms(g.cpu.receiver), ms(g.cpu.relay), ms(g.cpu.relayAboveIdle), failuresText(g.failures),
    ]),
  );
}

/** Every table, each under a heading of level `depth`. */
export function e2eTables(results: readonly E2eResult[], depth: number): string {
  const h = '#'.repeat(depth);
  const sections: Array<[string, string]> = [
    ['Unpipelined: one message at a time, send → the receiver\'s message event', unpipelinedTable(results)],
    ['Open loop: a fixed offered rate for the run\'s duration', openLoopTable(results)],
    ['Saturation', saturationTable(results)],
    ['First message to a new contact', firstContactTable(results)],
  ];
  if (results.some((r) => r.catchUp !== undefined)) sections.push(['Offline catch-up', catchUpTable(results)]);
  if (results.some((r) => r.group !== undefined)) sections.push(['Group', groupTable(results)]);
  return sections.map(([title, table]) => `${h} ${title}\n\n${table}`).join('\n\n');
}

const labelsOf = (configs: readonly E2eConfig[], all: number): string =>
  configs.length === all ? 'every provider / client store' : configs.map(configLabel).join(', ');

/** How the section was measured: the notes under its tables. */
export function e2eMethod(run: E2eRun): string {
  const p = run.plan;
  return [
    `Run time ${run.seconds.toFixed(0)} s; 1-minute load average ${run.loadBefore.toFixed(2)} at the start, ${run.loadAfter.toFixed(2)} at the end (on ${machine().cores} cores; above that, other processes competed for the CPU and every figure is inflated).`,
    '',
    '- **Processes**: the relay is the CLI (`relay/cli.ts`, durable SQLite with synchronous=FULL, its `/metrics` on its own loopback port), and each side is its own client process (bench/e2e-peer.ts, forked with tsx, driven over IPC), all on 127.0.0.1. Clients use only the public entry points (`src/index.ts`, `src/node/index.ts`); the provider is set per process with `useCryptoProvider`. Client stores: `MemoryStore`, or the encrypted `SqliteStore` in a temp dir (WAL; its connection in a worker thread that commits batches in groups and resolves each once a WAL sync after its commit finished, client.md §5.2; the client issues its next batch before the last is durable).',
    `- **Relay limits**: the rate limits are raised so the bench measures cost, not throttling: \`${RELAY_FLAGS.join(' ')}\`. Every other limit keeps its default — notably ${DEFAULT_LIMITS.maxInFlight} requests in flight per connection (the relay then stops reading it) and ${DEFAULT_LIMITS.maxUnacked} unacknowledged deliveries per connection; the client keeps at most ${OUTBOX_IN_FLIGHT_MAX} envelopes in flight and ${OUTBOX_QUEUE_PER_MAILBOX} admitted per mailbox (client.md §5.5).`,
    '- **Latency**: the sender puts its wall clock (`performance.timeOrigin + performance.now()`) in the message text; the receiving process reads its own clock at the `message` event. Percentiles are over every message of the workload.',
    `- **Unpipelined**: after ${p.warmUp} warm-up messages, ${p.unpipelined.reps} repetitions of ${p.unpipelined.perRep} messages (${p.unpipelined.reps * p.unpipelined.perRep} in all, fewer than the hand measurement's 3 × 500, to fit the time budget), each sent once the previous one arrived (the parent process paces them over IPC). **CPU per message** is each process's CPU time over a repetition divided by its messages — \`process.cpuUsage()\` in the client processes, the relay's \`process_cpu_seconds_total\` — median (min–max) of the repetitions; it includes the IPC pacing (tens of µs), for the receiver its acks, and for the relay its two \`/metrics\` scrapes per repetition (about 7 ms each) and its idle CPU: ${formatNumber(run.relayIdleMsPerSecond)} ms per second with no client, measured before the first one connected (at the unpipelined pace, tenths of a millisecond per message). "Relay above idle" subtracts that idle rate over the stretch.`,
    `- **Failures** are counted, never thrown: **refused** — the client rejected the send (with its error code); **unsettled** — the send had not settled when the workload stopped waiting (above capacity, mostly sends still waiting for an outbox slot: the client's backpressure, client.md §5.5); **lost** — the relay acknowledged the send and the message had not arrived when the workload stopped waiting (${ARRIVAL_TIMEOUT_MS / 1000} s for one message at a time, the drain under load; an unpipelined run stops after ${MAX_LOST_IN_A_ROW} in a row); **events** — the clients' \`error\`, \`tampered\`, \`message-lost\` and \`group-message-refused\` events during the measured stretch.`,
    `- **Open loop**: the sender offers ${p.rates.join(', ')} msgs/s, each for ${p.load.durationMs / 1000} s or ${p.load.minMessages} messages, whichever is longer, without waiting for any send (the schedule does not slow down when the client does), then waits ${p.load.drainMs / 1000} s (the drain) for sends to settle and messages to arrive. A run that left anything behind is followed by a fresh pair (a pair sends ${PAIR_WARM_UP} messages before it is measured). "Sender lag" is how far the sender's event loop fell behind the schedule.`,
    `- **Saturation**: the highest offered rate whose p99 stays under ${SATURATION_P99_MS} ms with every message delivered and no failure, one run per rate as above: from the highest fixed rate that passed (and the lowest failing one above it), the rate doubles (at most ${MAX_DOUBLINGS} times) until a run fails, then the interval between the last passing and the first failing rate is halved ${BISECTIONS} times (rounded to 10 msgs/s). One short run per rate: with ${p.load.minMessages} messages a p99 is the second-worst latency, so a single stall of the machine fails a rate, and machine load moves the result by tens of percent.`,
    `- **First message to a new contact**: a fresh client accepts an invitation of the sender and at once sends a message stamped before \`acceptInvite\` began; timed to the inviter's \`message\` event (bundle fetch, PQXDH, the hello and its processing inside). Median (min–max) of ${p.firstContactReps}.`,
    `- **Offline catch-up** (${labelsOf(p.catchUp.configs, p.configs.length)}): the receiver closes its client; the sender sends ${p.catchUp.messages.toLocaleString('en-US')} messages (${p.catchUp.window} in flight at a time); the receiver reopens on its store: timed from \`Client.open\` to the ${p.catchUp.messages.toLocaleString('en-US')}th \`message\` event.`,
    `- **Group** (${labelsOf(p.group.configs, p.configs.length)}): ${p.group.receivers + 1} members — the sender (the group's admin) and ${p.group.receivers} receivers, each its own client and connection, all ${p.group.receivers} in one process, so they decrypt one after another on one core (on real devices they run in parallel). The first send distributes the sender key 1:1 to every member; then ${p.group.warmUp} warm-up messages and ${p.group.messages} unpipelined ones, timed to the last member's \`message\` event. CPU per group message: the sender, the ${p.group.receivers} receivers together, the relay (one upload, ${p.group.receivers} deliveries).`,
  ].join('\n');
}
