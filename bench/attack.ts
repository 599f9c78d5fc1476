/**
 * The relay under attack (issue 9): one row per attack class. For each class a
 * fresh relay process (the CLI, SQLite in a temp dir, default limits — what an
 * operator runs) serves a legitimate pair sending a steady 50 msgs/s
 * (bench/attack-pair.ts) while the attacker (bench/attacker.ts, its own
 * process) hits it from other loopback addresses at full speed for a fixed
 * time. The relay's cost comes from its own /metrics: CPU seconds and resident
 * memory before and after the attack.
 *
 * Loopback only (127.0.0.x); every loop bounded in time and count.
 * `npx tsx bench/attack.ts [class name…]` runs it (or the named classes) alone and prints the table.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemRandom } from '../src/crypto/index.js';
import { createPreKeyState, preKeyUpload } from '../src/identity/index.js';
import { encodeKemPreKey, encodeOneTimePreKey, encodeSignedPreKey } from '../src/wire/index.js';
import { DEFAULT_LIMITS } from '../relay/config.js';
import type { TestClient } from '../test/relay/client.js';
import { spawnRelay, type RelayProcess } from '../test/relay/process.js';
import { LegitimatePair, type PairResult } from './attack-pair.js';
import type { AttackKind, AttackOrder, AttackTally } from './attacker.js';
import { formatNumber } from './harness.js';
import { markdownTable } from './report.js';

/** The legitimate pair's steady send rate (msgs/s). */
export const LEGITIMATE_RATE = 50;
/** How long each class's attack (and the pair's sending) lasts. */
export const ATTACK_MS = 5_000;
/** After the attack, how long the pair waits for answers and deliveries still on their way. */
const DRAIN_MS = 2_000;
/** Bound on waiting for the attacker's tally after stop (it cuts its connections at once). */
const TALLY_TIMEOUT_MS = 10_000;

export interface AttackClass {
  readonly name: string;
  /** undefined: the no-attack baseline. */
  readonly kind: AttackKind | undefined;
  /** What the attacker does, for the method text. */
  readonly what: string;
}

export const ATTACK_CLASSES: readonly AttackClass[] = [
  { name: 'baseline (no attack)', kind: undefined, what: 'no attacker: the pair alone' },
  {
    name: 'decoder bombs', kind: 'decoder-bombs',
    what: '4 connections (2 addresses) each sending 9 frames — nested array32 headers (10 KB) and 512 KiB of nesting, alternately — then reconnecting, under the 10-strike close',
  },
  {
    name: 'wrong-token flood', kind: 'wrong-token-flood',
    what: "`send`s to Bob's mailbox with random tokens from 3 connections (3 addresses), 50 in flight each, reconnecting when closed",
  },
  {
    name: 'fan-out amplification', kind: 'fanout-amplification',
    what: '`fanout` frames naming 1,000 random mailboxes on one connection, the next sent when the previous is answered, reconnecting when closed',
  },
  {
    name: 'connection flood', kind: 'connection-flood',
    what: 'connections opened from 5 addresses, 25 at a time, until the relay refuses one (at most 400 per address), then held idle',
  },
  {
    name: 'prekey drain', kind: 'prekey-drain',
    what: "Bob has published a full set (200 classic, 100 KEM one-time prekeys); the attacker holds an invite to Bob and fetches `bundle`s, 50 in flight on one connection",
  },
];

export interface AttackRow {
  readonly attack: AttackClass;
  readonly pair: PairResult;
  readonly cpuPercent: number;
  readonly rssEndMiB: number;
  readonly rssGrowthMiB: number;
  readonly attacker: AttackTally | undefined;
}

// ── the relay's own measure of itself ───────────────────────────────────────

interface RelaySample {
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  readonly at: number;
}

/** Reads two of the relay's process metrics (prom-client's default process_* metrics) from /metrics. */
async function sample(relay: RelayProcess): Promise<RelaySample> {
  const response = await fetch(relay.metricsUrl).catch((e: unknown) => {
    throw new Error(`relay /metrics unreachable (relay exit code ${relay.child.exitCode})`, { cause: e });
  });
  const text = await response.text();
  const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { cpuSeconds: metric('process_cpu_seconds_total'), rssBytes: metric('process_resident_memory_bytes'), at: performance.now() };
}

// ── the attacker process ────────────────────────────────────────────────────

class Attacker {
  private constructor(private readonly child: ChildProcess) {}

  /**
   * Forks bench/attacker.ts. It runs at the same priority as the relay: a niced attacker starved
   * whenever anything else ran on the machine, and then measured a weaker attack, not a stronger relay.
   */
  static start(): Attacker {
    const child = fork(new URL('./attacker.ts', import.meta.url).pathname, [], {
      execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Attacker(child);
  }

  begin(order: AttackOrder): void {
    this.child.send({ start: order });
  }

  async end(): Promise<AttackTally> {
    const answer = once(this.child, 'message') as Promise<[{ tally: AttackTally }]>;
    this.child.send({ stop: true });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('attacker did not report')), TALLY_TIMEOUT_MS).unref());
    return (await Promise.race([answer, timeout]))[0].tally;
  }

  async close(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }
}

// ── one class ───────────────────────────────────────────────────────────────

/** A full set as a device publishes it (src/identity), at the relay's default caps. */
async function publishFullSet(bob: TestClient): Promise<void> {
  const state = createPreKeyState({
    identity: bob.identity, now: Date.now(), random: systemRandom,
    oneTimePreKeys: DEFAULT_LIMITS.maxOneTimePreKeys, kemPreKeys: DEFAULT_LIMITS.maxKemPreKeys,
  });
  const u = preKeyUpload(state, bob.identity.publicKey);
  await bob.request({
    type: 'publish', signedPreKey: encodeSignedPreKey(u.signedPreKey), kemPreKey: encodeKemPreKey(u.lastResortKemPreKey),
    oneTime: u.oneTimePreKeys.map(encodeOneTimePreKey), kemOneTime: u.kemPreKeys.map(encodeKemPreKey),
  });
}

/** Runs the pair and the attack together for ATTACK_MS; the relay is sampled at the start and at the end of the attack. */
async function underAttack(relay: RelayProcess, attack: AttackClass, attacker: Attacker): Promise<AttackRow> {
  const pair = await LegitimatePair.open(relay.url);
  try {
    if (attack.kind === 'prekey-drain') await publishFullSet(pair.bob);
    const invite = await pair.bob.invite();
    const before = await sample(relay);
    if (attack.kind !== undefined) attacker.begin({ kind: attack.kind, url: relay.url, victim: invite.mailbox, invite });
    const legitimate = pair.run(LEGITIMATE_RATE, ATTACK_MS, DRAIN_MS);
    await new Promise((resolve) => setTimeout(resolve, ATTACK_MS));
    const after = await sample(relay);
    const tally = attack.kind !== undefined ? await attacker.end() : undefined;
    const result = await legitimate;
    if (relay.child.exitCode !== null) throw new Error(`relay exited during ${attack.name} (code ${relay.child.exitCode})`);
    return {
      attack, pair: result, attacker: tally,
      cpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / ((after.at - before.at) / 1000),
      rssEndMiB: after.rssBytes / 2 ** 20, rssGrowthMiB: (after.rssBytes - before.rssBytes) / 2 ** 20,
    };
  } finally {
    pair.close();
  }
}

async function runClass(attack: AttackClass, attacker: Attacker): Promise<AttackRow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-attack-'));
  const relay = await spawnRelay(dataDir);
  try {
    return await underAttack(relay, attack, attacker);
  } finally {
    relay.child.kill('SIGKILL');
    await relay.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runAttackBench(log: (line: string) => void, classes = ATTACK_CLASSES): Promise<AttackRow[]> {
  const attacker = Attacker.start();
  const rows: AttackRow[] = [];
  try {
    for (const attack of classes) {
      log(`  ${attack.name}`);
      rows.push(await runClass(attack, attacker));
    }
  } finally {
    await attacker.close();
  }
  return rows;
}

// ── the table ───────────────────────────────────────────────────────────────

function refusedAndLost(p: PairResult): string {
  const codes = [...new Set(p.refused)].join(', ');
  return `${p.refused.length}${codes !== '' ? ` (${codes})` : ''} / ${p.lost}`;
}

/** The attacker's answers by share of code, then the connections the relay closed or refused, by close code. */
function howAnswered(t: AttackTally | undefined): string {
  if (t === undefined) return '–';
  const parts: string[] = [];
  const codes = Object.entries(t.codes).sort((a, b) => b[1] - a[1]);
  const share = (n: number): string => (n * 200 < t.answered ? '<1%' : `${Math.round((100 * n) / t.answered)}%`);
  if (codes.length > 0) parts.push(codes.map(([c, n]) => `${c} ${share(n)}`).join(', '));
  const closes = Object.entries(t.closes).sort((a, b) => b[1] - a[1]);
  if (closes.length > 0) parts.push(`closed or refused ${closes.map(([c, n]) => `${n.toLocaleString('en-US')} × ${c}`).join(', ')}`);
  parts.push(`${t.held.toLocaleString('en-US')} open at the end`);
  return parts.join('; ');
}

export function attackTable(rows: readonly AttackRow[]): string {
  const signed = (n: number): string => `${n >= 0 ? '+' : '−'}${formatNumber(Math.abs(n))}`;
  return markdownTable(
    ['class', 'legit delivered msgs/s', 'legit refused / lost', 'legit RTT p50 (ms)', 'legit RTT p99 (ms)', 'relay CPU %', 'relay RSS at end (MiB)', 'RSS growth (MiB)', 'attacker answers/s', 'how the relay answered the attacker'],
    rows.map((r) => [
      r.attack.name, formatNumber(r.pair.deliveredPerSecond), refusedAndLost(r.pair), formatNumber(r.pair.rttP50), formatNumber(r.pair.rttP99),
      formatNumber(r.cpuPercent), formatNumber(r.rssEndMiB), signed(r.rssGrowthMiB),
      r.attacker !== undefined && r.attacker.answered > 0 ? formatNumber(r.attacker.answered / r.attacker.seconds) : '–', howAnswered(r.attacker),
    ]),
  );
}

/** The method, for RESULTS.md: what each class's attacker does and what the columns mean. */
export function attackMethod(): string {
  return `Each class runs against a fresh relay process (\`relay/cli.ts\`, SQLite in a temp dir, default limits — what an operator runs). On 127.0.0.1 Alice (unauthenticated) sends 100-byte envelopes to Bob with Bob's token at a steady ${LEGITIMATE_RATE} msgs/s (open loop: the schedule never waits for the relay), and Bob (authenticated) receives and acks; a round trip is Alice's send → Bob's \`deliver\` push. For ${ATTACK_MS / 1000} s the attacker, a separate process (on 2 cores it competes with the relay for CPU, as the pair does), hits the relay from 127.0.0.2 and up at full speed, with the adversarial suite's frames (test/relay/adversary/attacks.ts):

${ATTACK_CLASSES.map((c) => `- **${c.name}**: ${c.what}.`).join('\n')}

"Refused / lost" counts the pair's sends the relay refused (with their codes) and those neither refused nor delivered ${DRAIN_MS / 1000} s after the attack; both should be 0. Relay CPU is the growth of its \`process_cpu_seconds_total\` over the attack's wall time (100% = one core); RSS is its \`process_resident_memory_bytes\` at the end of the attack, and the growth since just before it. "Attacker answers/s" counts every \`ok\` and \`error\` frame the attacker received (a fan-out's \`ok\` means the relay looked up all 1,000 recipients and refused each with \`TOKEN_REFUSED\` inside it); closes are the relay's (1013: over the per-address cap; 4008: 200 \`RATE_LIMITED\` in a row). With ${LEGITIMATE_RATE * (ATTACK_MS / 1000)} round trips per class, p99 is about the third-slowest.`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const loadBefore = loadavg()[0] ?? 0;
  const started = performance.now();
  // Class names as arguments run only those (e.g. `npx tsx bench/attack.ts baseline "prekey drain"`), for A/B runs.
  const only = process.argv.slice(2);
  const classes = only.length === 0 ? ATTACK_CLASSES : ATTACK_CLASSES.filter((c) => only.some((name) => c.name.startsWith(name)));
  const rows = await runAttackBench((line) => process.stderr.write(`${line}\n`), classes);
  for (const r of rows) if (r.pair.maxLagMs > 50) process.stderr.write(`  note: ${r.attack.name}: the pair's sends fell up to ${formatNumber(r.pair.maxLagMs)} ms behind schedule\n`);
  process.stdout.write(`${attackTable(rows)}\n\n${((performance.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${loadBefore.toFixed(2)} at the start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end\n`);
}
