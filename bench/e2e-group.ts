/**
 * The group workload of the end-to-end bench: one sender (the group's admin,
 * in the sending process) and every other member in one receiving process,
 * each its own client with its own connection. Timed from the send to the
 * last member's message event: the first send (which distributes the
 * sender key 1:1 to every member first), then unpipelined messages.
 *
 * The members share one process, so they decrypt one after another on one
 * core: the latency to the last member is their serialized cost, which on
 * real devices would run in parallel.
 */
import { befriend, unpipelined } from './e2e-pair.js';
import { addFailures, latencyOf, Meter, type CpuPerMessage, type Failures, type Latency, type Rig } from './e2e-measure.js';
import type { StoreKind } from './e2e-protocol.js';

/** Clients opened, and contacts made, this many at a time. */
const SETUP_BATCH = 7;
const READY_TIMEOUT_MS = 60_000;

export interface GroupOptions {
  /** Members besides the sender. */
  readonly receivers: number;
  readonly warmUp: number;
  readonly messages: number;
}

export interface GroupResult {
  readonly receivers: number;
  readonly messages: number;
  /** Every member had the group and every member's token before the first send. */
  readonly ready: boolean;
  /** The first send, sender-key distributions included → the last member's event (ms); undefined if it never arrived everywhere. */
  readonly firstSendMs: number | undefined;
  readonly latency: Latency;
  /** CPU ms per group message: the sender, all receivers together (their process), the relay. */
  readonly cpu: CpuPerMessage;
  readonly failures: Failures;
}

async function inBatches<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += SETUP_BATCH) await Promise.all(items.slice(i, i + SETUP_BATCH).map(f));
}

/** Opens the admin and the members, makes each a contact of the admin, creates the group; resolves with its id and readiness. */
async function setUp(rig: Rig, admin: string, names: readonly string[], store: StoreKind): Promise<{ group: string; ready: boolean }> {
  await rig.sender.call({ op: 'open', name: admin, store });
  await inBatches(names, (name) => rig.receiver.call({ op: 'open', name, store }));
  const ids = new Map<string, string>();
  await inBatches(names, async (name) => void ids.set(name, await befriend(rig.sender, admin, rig.receiver, name)));
  const group = await rig.sender.call<string>({ op: 'create-group', name: admin, members: names.map((n) => ids.get(n) as string) });
  const [adminReady, membersReady] = await Promise.all([
    rig.sender.call<boolean>({ op: 'group-ready', names: [admin], group, timeoutMs: READY_TIMEOUT_MS }, READY_TIMEOUT_MS + 10_000),
    rig.receiver.call<boolean>({ op: 'group-ready', names, group, timeoutMs: READY_TIMEOUT_MS }, READY_TIMEOUT_MS + 10_000),
  ]);
  return { group, ready: adminReady && membersReady };
}

export async function measureGroup(rig: Rig, name: string, store: StoreKind, options: GroupOptions): Promise<GroupResult> {
  const admin = `${name}-admin`;
  const names = Array.from({ length: options.receivers }, (_, i) => `${name}-m${i}`);
  const { group, ready } = await setUp(rig, admin, names, store);
  const members = names.length;
  const sendTo = (tag: string) => (seq: number) => ({ op: 'send-group', name: admin, group, tag, seq }) as const;

  const first = await unpipelined(rig, `${name}-first`, 1, members, sendTo(`${name}-first`));
  const warm = await unpipelined(rig, `${name}-warm-up`, options.warmUp, members, sendTo(`${name}-warm-up`));
  const meter = await Meter.start(rig);
  const run = await unpipelined(rig, `${name}-g`, options.messages, members, sendTo(`${name}-g`));
  const { cpu, trouble } = await meter.end(options.messages);
  await rig.sender.call({ op: 'close', name: admin });
  await rig.receiver.call({ op: 'close-all' });
  return {
    receivers: members, messages: options.messages, ready, firstSendMs: first.latencies[0], latency: latencyOf(run.latencies), cpu,
    failures: [first.failures, warm.failures, run.failures, { rejected: {}, unsettled: 0, lost: 0, trouble }].reduce(addFailures),
  };
}
