/** The linked-devices section of bench/RESULTS.md (bench/linked-devices.ts): tables and method. */
import { RELAY_FLAGS } from './e2e-relay.js';
import { formatNumber } from './harness.js';
import { LINKED_PLAN, type LinkedDevicesRun } from './linked-devices.js';

const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : `${formatNumber(n)} ms`);
const bytes = (n: number): string => `${Math.round(n).toLocaleString('en-US')} B`;
const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** "median (each value)" over the links. */
const each = (values: readonly (number | undefined)[], f: (n: number | undefined) => string): string =>
  values.length === 0 ? '–' : `${values.map(f).join(', ')}`;

/** The sender's cost of one more envelope: the slope between the fewest and the most recipient devices. */
function perEnvelope(run: LinkedDevicesRun): string {
  const first = run.fanout[0];
  const last = run.fanout[run.fanout.length - 1];
  if (first === undefined || last === undefined || last.envelopes === first.envelopes) return '';
  const n = last.envelopes - first.envelopes;
  return `\n\nFrom ${first.envelopes} to ${last.envelopes} envelopes, each further envelope cost the sender ${formatNumber((last.cpuMs - first.cpuMs) / n)} ms of CPU and ${bytes((last.uploadedBytes - first.uploadedBytes) / n)} uploaded (each target device is its own session, sealed envelope and outbox entry, client.md §10.3).`;
}

function fanoutTable(run: LinkedDevicesRun): string {
  if (run.fanout.length === 0) return 'The 1:1 workload could not run.';
  const rows = run.fanout.map((r) => `| ${r.recipientDevices} | ${r.envelopes} | ${ms(r.toRecipients.p50)} / ${ms(r.toRecipients.p95)} | ${ms(r.toAll.p50)} / ${ms(r.toAll.p95)} | ${formatNumber(r.cpuMs)} ms | ${bytes(r.uploadedBytes)} |`);
  return `| recipient's devices | envelopes per send | send → last recipient device, p50 / p95 | send → last device incl. the siblings' sync, p50 / p95 | sender CPU per message | bytes uploaded per message |
|---|---|---|---|---|---|
${rows.join('\n')}${perEnvelope(run)}`;
}

function linkTable(run: LinkedDevicesRun): string {
  if (typeof run.link === 'string') return `Linking ${run.link}`;
  const r = run.link;
  return `| contacts | groups | offer → new device installed and announced | → in all ${r.groups} groups | payload (chunks) | primary CPU, to its confirm | primary CPU, incl. the group adds |
|---|---|---|---|---|---|---|
| ${r.contacts} | ${r.groups} | ${each(r.readyMs, ms)} | ${each(r.inGroupsMs, ms)} | ${each(r.payloadBytes, (b) => bytes(b ?? 0))} (${r.payloadChunks.join(', ')}) | ${each(r.primaryCpuMs, ms)} | ${each(r.primaryCpuWithGroupsMs, ms)} |

Each cell lists the ${r.readyMs.length} links in order (the second device, then the third; the median of the ready times is ${ms(median(r.readyMs))}).`;
}

function groupTable(run: LinkedDevicesRun): string {
  if (typeof run.group === 'string') return `The group workload ${run.group}`;
  const g = run.group;
  return `| accounts × devices | receiving devices | first post (sender-key distributions) → last device | post → last device, p50 / p95 | sender CPU per post | bytes uploaded per post |
|---|---|---|---|---|---|
| ${g.accounts} × ${LINKED_PLAN.devicesPerMember} | ${g.devices} | ${ms(g.firstPostMs)} | ${ms(g.latency.p50)} / ${ms(g.latency.p95)} | ${formatNumber(g.cpuMs)} ms | ${bytes(g.uploadedBytes)} |`;
}

export function linkedDevicesSection(run: LinkedDevicesRun, provenance: string): string {
  return `*${provenance}; ${run.seconds.toFixed(0)} s; load average (1 / 5 / 15 min) ${load(run.loadBefore)} at the start, ${load(run.loadAfter)} at the end, on a machine shared with other work — absolute figures move with the load.* ${run.errors > 0 ? `**${run.errors} client error events during the run.**` : 'No client error event during the run.'}

**1:1 send from an account of ${LINKED_PLAN.senderDevices} devices** (one envelope per recipient device plus a \`sync\` to each of the sender's 2 siblings; ${LINKED_PLAN.sends} unpipelined sends per row after warm-up):

${fanoutTable(run)}

**Linking a device to a primary with ${LINKED_PLAN.contacts} contacts and ${LINKED_PLAN.groups} groups** (${LINKED_PLAN.membersPerGroup} contacts each, the primary their admin), the real flow: offer, hello, SAS confirmed on both sides, proof, list signed and published, payload, announcements:

${linkTable(run)}

**A group of ${LINKED_PLAN.groupAccounts} accounts × ${LINKED_PLAN.devicesPerMember} devices**, every device a member of the group protocol with its own sender key (client.md §10.6); the sender's own 2 siblings receive every post too:

${groupTable(run)}

Method (bench/linked-devices.ts): real Clients on the node crypto provider and **MemoryStore** (no storage cost on the clients; the e2e section has SQLite figures), over a relay process (the CLI, durable SQLite, rate limits raised: ${RELAY_FLAGS.join(' ')}). The sending primary — and the primary that links — runs in a process of its own (bench/linked-devices-child.ts): its CPU is that process's user + system time over the timed sends, divided by their number, and its bytes are what its socket wrote (relay frames, padding and acknowledgements included). Every other device is a Client in the bench's own process, so the receiving devices decrypt one after another on one core: the time to the last device is their serialized cost, which on real devices would run in parallel. Latency runs from the send command (over IPC) to the last device's \`message\` event; p50 / p95 over the timed sends. Every multi-device account is linked through offerLink / linkDevice; before the timed sends, warm-up messages are sent until one reaches every device (addresses announced, sessions made). Linking: the ${LINKED_PLAN.contacts} contacts are real Clients that accepted the primary's invitation and were then closed (what the primary and the new device send them waits in their mailboxes); the new device is ready when its \`confirm()\` resolved (installed, announced to every contact device and sibling), and in the groups when its admin (the primary) has added it to all ${LINKED_PLAN.groups}; the payload is the \`link_send\` data after the hello.`;
}
