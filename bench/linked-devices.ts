/**
 * Linked devices (issue 16, spec/client.md §10): what a second, third, eighth device costs. Real Clients (node
 * provider, MemoryStore) over a relay process (the CLI, durable SQLite, rate limits raised as in the e2e bench);
 * the measured device runs in a process of its own (bench/linked-devices-child.ts), so its CPU is its own, and
 * every other device in this one. Every account of several devices is linked through the real flow (offerLink,
 * linkDevice, both SAS confirmed).
 *
 * - 1:1 send from an account of 3 devices to accounts of 1, 3 and 8 devices: send() → the last recipient
 *   device's message event (and → the last device, the sender's two siblings' sync included), the sender's CPU
 *   and the bytes its socket uploaded, per message.
 * - Linking a device to a primary with 100 contacts and 20 groups: offer → the new device installed and
 *   announced, → in all 20 groups; the payload's bytes; the primary's CPU.
 * - A group of 10 accounts × 3 devices: the first post (sender-key distributions to every device), then posts.
 *
 * `npx tsx bench/linked-devices.ts` runs it alone and writes its section into bench/RESULTS.md;
 * `npm run bench` (bench/run.ts) runs it as a section of that file.
 */
import { attempt as attemptPart } from './harness.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startRelayProcess, type RelayProcess } from '../demo/harness.js';
import { cryptoProvider, useCryptoProvider } from '../src/crypto/index.js';
import { nodeCryptoProvider } from '../src/node/index.js';
import { latencyOf, type Latency } from './e2e-measure.js';
import { RELAY_FLAGS } from './e2e-relay.js';
import { befriendMeasured, LocalDevices, MeasuredProcess, type ChildStats } from './linked-devices-rig.js';
import { linkedDevicesSection } from './linked-devices-report.js';
import { machine } from './machine.js';

type Log = (line: string) => void;

export const LINKED_PLAN = {
  senderDevices: 3,
  recipientDevices: [1, 3, 8],
  sends: 30,
  contacts: 100,
  groups: 20,
  membersPerGroup: 5,
  links: 2,
  groupAccounts: 10,
  devicesPerMember: 3,
  posts: 20,
} as const;

const WARM_UP_TRIES = 40;
const ARRIVAL_TIMEOUT_MS = 5_000;
const FIRST_POST_TIMEOUT_MS = 60_000;
const BATCH = 10;

export interface FanoutRow {
  readonly recipientDevices: number;
  /** Envelopes one send makes: one per recipient device, one sync per sibling. */
  readonly envelopes: number;
  readonly toRecipients: Latency;
  readonly toAll: Latency;
  readonly cpuMs: number;
  readonly uploadedBytes: number;
}

export interface LinkRow {
  readonly contacts: number;
  readonly groups: number;
  /** Per link: offer → new device installed and announced; → in every group (undefined if not within the bound). */
  readonly readyMs: readonly number[];
  readonly inGroupsMs: readonly (number | undefined)[];
  readonly payloadBytes: readonly number[];
  readonly payloadChunks: readonly number[];
  /** The primary's CPU from its linkDevice to its confirm resolving (announcements included), and up to the groups. */
  readonly primaryCpuMs: readonly number[];
  readonly primaryCpuWithGroupsMs: readonly number[];
}

export interface GroupRow {
  readonly accounts: number;
  readonly devices: number;
  readonly firstPostMs: number | undefined;
  readonly latency: Latency;
  readonly cpuMs: number;
  readonly uploadedBytes: number;
}

export interface LinkedDevicesRun {
  readonly fanout: readonly FanoutRow[];
  readonly link: LinkRow | string;
  readonly group: GroupRow | string;
  readonly seconds: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly errors: number;
}

interface Rig {
  readonly measured: MeasuredProcess;
  readonly local: LocalDevices;
}

const names = (account: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${account}-d${i}`);

/** Sends warm-up messages until one reaches every device of `targets` (addresses learned, sessions made). */
async function warmUp(rig: Rig, send: (text: string) => Promise<unknown>, targets: readonly string[], tag: string): Promise<void> {
  for (let i = 0; i < WARM_UP_TRIES; i++) {
    const text = `${tag}-warm-${i}`;
    await send(text);
    const ok = await rig.local.arrivals.last(text, targets, ARRIVAL_TIMEOUT_MS).then(() => true, () => false);
    if (ok && i >= 2) return;
  }
  throw new Error(`${tag}: warm-up messages never reached all ${targets.length} devices`);
}

/** Opens `account` (d0 the primary, here) and links its other devices. */
async function localAccount(rig: Rig, account: string, devices: number): Promise<string[]> {
  const all = names(account, devices);
  for (const d of all.slice(1)) await rig.local.linkTo(d, all[0] as string);
  return all;
}

/** The recipient accounts, set up side by side (opening and linking mostly wait on the relay), then measured one by one. */
async function fanout(rig: Rig, sender: string, siblings: readonly string[], log: Log): Promise<FanoutRow[]> {
  const rows: FanoutRow[] = [];
  log(`  1:1: accounts of ${LINKED_PLAN.recipientDevices.join(', ')} devices`);
  const accounts = await Promise.all(LINKED_PLAN.recipientDevices.map(async (n) => {
    const account = `r${n}`;
    const primary = await rig.local.open(`${account}-d0`);
    const to = (await befriendMeasured(rig.measured, sender, primary)).atMeasured;
    return { n, account, to, recipients: await localAccount(rig, account, n) };
  }));
  for (const { n, account, to, recipients } of accounts) {
    log(`  1:1 to an account of ${n} device(s)`);
    const send = (text: string): Promise<unknown> => rig.measured.call({ op: 'send', name: sender, to, text });
    const all = [...recipients, ...siblings];
    await warmUp(rig, send, all, account);
    const before = await rig.measured.stats();
    const toRecipients: number[] = [];
    const toAll: number[] = [];
    for (let i = 0; i < LINKED_PLAN.sends; i++) {
      const text = `${account}-m${i}`;
      const start = performance.now();
      await send(text);
      const last = await rig.local.arrivals.last(text, all, ARRIVAL_TIMEOUT_MS);
      toAll.push(last - start);
      toRecipients.push(Math.max(...recipients.map((d) => rig.local.arrivals.at(d, text) as number)) - start);
    }
    const after = await rig.measured.stats();
    rows.push({
      recipientDevices: n, envelopes: n + siblings.length, toRecipients: latencyOf(toRecipients), toAll: latencyOf(toAll),
      cpuMs: (after.cpuMicros - before.cpuMicros) / 1000 / LINKED_PLAN.sends, uploadedBytes: (after.uploaded - before.uploaded) / LINKED_PLAN.sends,
    });
  }
  return rows;
}

async function inBatches<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map(f));
}

async function until(f: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!f() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return f();
}

/** A primary with LINKED_PLAN.contacts contacts (closed once made) and groups of them; then LINKED_PLAN.links devices linked to it. */
async function linking(rig: Rig, log: Log): Promise<LinkRow> {
  const primary = 'p';
  await rig.measured.call({ op: 'open', name: primary });
  log(`  linking: ${LINKED_PLAN.contacts} contacts`);
  const contacts = Array.from({ length: LINKED_PLAN.contacts }, (_, i) => `c${i}`);
  const ids: string[] = [];
  await inBatches(contacts, async (name) => {
    const c = await rig.local.open(name);
    ids[contacts.indexOf(name)] = (await befriendMeasured(rig.measured, primary, c)).atMeasured;
    await rig.local.close(name);
  });
  log(`  linking: ${LINKED_PLAN.groups} groups`);
  for (let g = 0; g < LINKED_PLAN.groups; g++) {
    const members = Array.from({ length: LINKED_PLAN.membersPerGroup }, (_, k) => ids[(g * LINKED_PLAN.membersPerGroup + k) % ids.length] as string);
    await rig.measured.call({ op: 'create-group', name: primary, members });
  }
  const row = { readyMs: [] as number[], inGroupsMs: [] as (number | undefined)[], payloadBytes: [] as number[], payloadChunks: [] as number[], primaryCpuMs: [] as number[], primaryCpuWithGroupsMs: [] as number[] };
  for (let l = 0; l < LINKED_PLAN.links; l++) {
    log(`  linking: device ${l + 2}`);
    const device = `p-d${l + 1}`;
    const before: ChildStats = await rig.measured.stats();
    const start = performance.now();
    let primaryDone: ChildStats | undefined;
    await rig.local.link(device, async (offer) => {
      await rig.measured.call({ op: 'link', name: primary, offer });
      primaryDone = await rig.measured.stats();
    });
    row.readyMs.push(performance.now() - start);
    const inGroups = await until(() => rig.local.get(device).groups().length >= LINKED_PLAN.groups, 30_000);
    row.inGroupsMs.push(inGroups ? performance.now() - start : undefined);
    const after = await rig.measured.stats();
    const sizes = after.linkSizes.slice(before.linkSizes.length + 1); // the first is the hello
    row.payloadBytes.push(sizes.reduce((a, b) => a + b, 0));
    row.payloadChunks.push(sizes.length);
    row.primaryCpuMs.push(((primaryDone as ChildStats).cpuMicros - before.cpuMicros) / 1000);
    row.primaryCpuWithGroupsMs.push((after.cpuMicros - before.cpuMicros) / 1000);
  }
  return { contacts: LINKED_PLAN.contacts, groups: LINKED_PLAN.groups, ...row };
}

/** The sender's account and LINKED_PLAN.groupAccounts − 1 others of LINKED_PLAN.devicesPerMember devices; one group of them all. */
async function group(rig: Rig, sender: string, siblings: readonly string[], log: Log): Promise<GroupRow> {
  const accounts = Array.from({ length: LINKED_PLAN.groupAccounts - 1 }, (_, i) => `g${i}`);
  log(`  group: ${accounts.length} more accounts of ${LINKED_PLAN.devicesPerMember} devices, set up side by side`);
  const members = await Promise.all(accounts.map(async (account) => {
    const p = await rig.local.open(`${account}-d0`);
    const to = (await befriendMeasured(rig.measured, sender, p)).atMeasured;
    const all = await localAccount(rig, account, LINKED_PLAN.devicesPerMember);
    // The sender reaches every device of the account before the group is made (createGroup adds the reachable ones).
    await warmUp(rig, (text) => rig.measured.call({ op: 'send', name: sender, to, text }), all, account);
    return { to, all };
  }));
  const ids = members.map((m) => m.to);
  const devices = [...siblings, ...members.flatMap((m) => m.all)];
  const id = await rig.measured.call<string>({ op: 'create-group', name: sender, members: ids });
  await rig.measured.call({ op: 'group-ready', name: sender, group: id, timeoutMs: 30_000 }, 40_000);
  const post = (text: string): Promise<unknown> => rig.measured.call({ op: 'send-group', name: sender, group: id, text });
  log(`  group: first post to ${devices.length} devices`);
  let start = performance.now();
  await post('g-first');
  const firstPostMs = await rig.local.arrivals.last('g-first', devices, FIRST_POST_TIMEOUT_MS).then((t) => t - start, () => undefined);
  for (let i = 0; i < 3; i++) {
    await post(`g-warm-${i}`);
    await rig.local.arrivals.last(`g-warm-${i}`, devices, ARRIVAL_TIMEOUT_MS);
  }
  const before = await rig.measured.stats();
  const latencies: number[] = [];
  for (let i = 0; i < LINKED_PLAN.posts; i++) {
    start = performance.now();
    await post(`g-${i}`);
    latencies.push(await rig.local.arrivals.last(`g-${i}`, devices, ARRIVAL_TIMEOUT_MS) - start);
  }
  const after = await rig.measured.stats();
  return {
    accounts: LINKED_PLAN.groupAccounts, devices: devices.length, firstPostMs, latency: latencyOf(latencies),
    cpuMs: (after.cpuMicros - before.cpuMicros) / 1000 / LINKED_PLAN.posts, uploadedBytes: (after.uploaded - before.uploaded) / LINKED_PLAN.posts,
  };
}

/** Runs `f`, logging its wall time; a throw becomes the cell's text. */
function attempt<T>(log: Log, what: string, f: () => Promise<T>): Promise<T | string> {
  return attemptPart(log, what, f, (failed) => `could not run: ${failed}`);
}

export async function runLinkedDevicesBench(log: Log): Promise<LinkedDevicesRun> {
  const started = performance.now();
  const loadBefore = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'parley-linked-devices-'));
  let relay: RelayProcess | undefined;
  let measured: MeasuredProcess | undefined;
  let local: LocalDevices | undefined;
  const provider = cryptoProvider();
  useCryptoProvider(nodeCryptoProvider); // the devices of this process; the measured process sets its own
  try {
    relay = await startRelayProcess(join(dir, 'relay'), undefined, [...RELAY_FLAGS, '--max-connections-per-address', '1000']);
    measured = await MeasuredProcess.start(relay.url);
    local = new LocalDevices(relay.url);
    const rig: Rig = { measured, local };
    // The sending account: its primary in the measured process, its two siblings here.
    const sender = 'a';
    await measured.call({ op: 'open', name: sender });
    const siblings = names('a', LINKED_PLAN.senderDevices).slice(1);
    const linkSibling = (offer: string): Promise<unknown> => (measured as MeasuredProcess).call({ op: 'link', name: sender, offer });
    const linked = await attempt(log, 'the sender\'s siblings', async () => { for (const s of siblings) await (local as LocalDevices).link(s, linkSibling); });
    if (typeof linked === 'string') throw new Error(`the sender's siblings: ${linked}`);
    const fan = await attempt(log, '1:1 fan-out', () => fanout(rig, sender, siblings, log));
    const grp = await attempt(log, 'group', () => group(rig, sender, siblings, log));
    const link = await attempt(log, 'linking', () => linking(rig, log));
    const errors = local.errors + (await measured.stats()).errors;
    return {
      fanout: typeof fan === 'string' ? [] : fan, link, group: grp, errors,
      seconds: (performance.now() - started) / 1000, loadBefore, loadAfter: loadavg(),
    };
  } finally {
    await local?.closeAll();
    await measured?.stop();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
    useCryptoProvider(provider);
  }
}

/** The section's heading in bench/RESULTS.md (bench/run.ts writes it; a run alone replaces it). */
export const LINKED_DEVICES_HEADING = '## Linked devices (issue 16; bench/linked-devices.ts)';

/** Replaces the section in RESULTS.md (or adds it before the relay-under-attack section, as bench/run.ts orders it). */
function spliceSection(md: string, section: string): string {
  const at = md.indexOf(LINKED_DEVICES_HEADING);
  if (at >= 0) {
    const next = md.indexOf('\n## ', at + LINKED_DEVICES_HEADING.length);
    return `${md.slice(0, at)}${section}${next >= 0 ? `\n${md.slice(next)}` : '\n'}`;
  }
  const attack = md.indexOf('\n## Relay under attack');
  return attack >= 0 ? `${md.slice(0, attack)}\n${section}\n${md.slice(attack)}` : `${md.trimEnd()}\n\n${section}\n`;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const log: Log = (line) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${line}\n`);
  const m = machine();
  log(`linked-devices bench: ${m.cpu} (${m.cores} cores), Node ${m.node}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const run = await runLinkedDevicesBench(log);
  if (process.env['PARLEY_LINKED_JSON'] !== undefined) writeFileSync(process.env['PARLEY_LINKED_JSON'], JSON.stringify(run, null, 1));
  const section = `${LINKED_DEVICES_HEADING}\n\n${linkedDevicesSection(run, `run alone, ${m.date}, ${m.cpu} (${m.cores} cores)`)}`;
  const results = new URL('./RESULTS.md', import.meta.url);
  writeFileSync(results, spliceSection(readFileSync(results, 'utf8'), section));
  process.stdout.write(`${section}\n\nbench/RESULTS.md: section written (${run.seconds.toFixed(0)} s)\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(() => process.exit(0), (e: unknown) => {
    process.stderr.write(`linked-devices bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
