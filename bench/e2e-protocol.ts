/**
 * What the end-to-end bench (bench/e2e.ts) and its client processes
 * (bench/e2e-peer.ts) say to each other over IPC, and the message text that
 * carries a send timestamp from one process to the other.
 *
 * Times are milliseconds on the wall clock every process shares:
 * performance.timeOrigin + performance.now(), sub-millisecond on one machine.
 */

export type ProviderName = 'noble' | 'node';
export type StoreKind = 'memory' | 'sqlite';

/** Every command names the client (inside the child) it is for. */
export type Command =
  /** Opens client `name` (or reopens it on its kept store) and waits until it is connected. */
  | { readonly op: 'open'; readonly name: string; readonly store: StoreKind }
  | { readonly op: 'close'; readonly name: string }
  /** Closes every client of the process and deletes their stores. */
  | { readonly op: 'close-all' }
  /** Creates an invitation (its text); `invited` then resolves with the contact id of whoever accepts it. */
  | { readonly op: 'invite'; readonly name: string }
  | { readonly op: 'invited'; readonly name: string; readonly text: string }
  | { readonly op: 'accept'; readonly name: string; readonly text: string }
  /** Accepts the invitation and at once sends message (tag, 0), stamped before the accept began. */
  | { readonly op: 'first-contact'; readonly name: string; readonly text: string; readonly tag: string }
  /** One stamped message; resolves with its outcome once the send settles. */
  | { readonly op: 'send'; readonly name: string; readonly to: string; readonly tag: string; readonly seq: number }
  | { readonly op: 'send-group'; readonly name: string; readonly group: string; readonly tag: string; readonly seq: number }
  /** `rate` stamped messages a second for `durationMs`, never waiting for one; then up to `drainMs` for them to settle. */
  | { readonly op: 'open-loop'; readonly name: string; readonly to: string; readonly tag: string; readonly rate: number; readonly durationMs: number; readonly drainMs: number }
  /** `count` stamped messages, `window` in flight at a time. */
  | { readonly op: 'send-many'; readonly name: string; readonly to: string; readonly tag: string; readonly count: number; readonly window: number }
  /** Resolves when `members` clients of this process have (tag, seq), or after `timeoutMs`. */
  | { readonly op: 'expect'; readonly tag: string; readonly seq: number; readonly members: number; readonly timeoutMs: number }
  /** What arrived under `tag`, once `count` messages are complete or the wall clock passes `until`. */
  | { readonly op: 'collect'; readonly tag: string; readonly count: number; readonly members: number; readonly until: number }
  /** Reopens closed client `name` and times it until `count` messages of `tag` arrived (or `timeoutMs`). */
  | { readonly op: 'catch-up'; readonly name: string; readonly store: StoreKind; readonly tag: string; readonly count: number; readonly timeoutMs: number }
  | { readonly op: 'create-group'; readonly name: string; readonly members: readonly string[] }
  /** Waits until each named client has the group and knows every member's token. */
  | { readonly op: 'group-ready'; readonly names: readonly string[]; readonly group: string; readonly timeoutMs: number }
  /** CPU time and trouble counts of the process (Stats). */
  | { readonly op: 'stats' };

export type Op = Command['op'];

/** How one send ended: 'ok' (durable at the relay), an error code, or 'unsettled' (still pending at the deadline). */
export type SendOutcome = string;
export const SENT = 'ok';
export const UNSETTLED = 'unsettled';

export interface Stats {
  /** CPU time this process has used, microseconds (process.cpuUsage: user + system). */
  readonly cpuMicros: number;
  /** Client events that mean trouble ('error', 'tampered', 'message-lost', 'group-message-refused') and unhandled rejections, by kind. */
  readonly trouble: Readonly<Record<string, number>>;
}

export interface OpenLoopTally {
  /** Outcome per sequence number. */
  readonly outcomes: readonly SendOutcome[];
  /** Wall-clock time of the last scheduled send. */
  readonly endedAt: number;
  /** How far the sends fell behind their schedule at worst (ms): the sender's own event loop. */
  readonly maxLagMs: number;
}

export interface Arrivals {
  /** Sequence numbers complete (every expected member has it), each with its latency: last arrival − send stamp (ms). */
  readonly seqs: readonly number[];
  readonly latencies: readonly number[];
}

export interface CatchUp {
  /** From the start of Client.open to the `count`th message event (ms), or to the timeout. */
  readonly elapsedMs: number;
  readonly received: number;
}

/** To a child: a command under the number its answer will carry. */
export interface Request {
  readonly call: number;
  readonly command: Command;
}

/** From a child: a command's answer, or that it is ready for commands. */
export type Reply =
  | { readonly call: number; readonly ok: true; readonly result: unknown }
  | { readonly call: number; readonly ok: false; readonly error: string }
  | { readonly ready: true };

export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

const STAMP = 'e2e';

/** The text of a bench message: tag, sequence number and the sender's wall clock when it was sent. */
export function stampText(tag: string, seq: number, sentAt: number = wallClock()): string {
  return `${STAMP} ${tag} ${seq} ${sentAt.toFixed(3)}`;
}

export interface Stamp {
  readonly tag: string;
  readonly seq: number;
  readonly sentAt: number;
}

export function readStamp(text: string): Stamp | undefined {
  const [mark, tag, seq, sentAt] = text.split(' ');
  if (mark !== STAMP || tag === undefined || seq === undefined || sentAt === undefined) return undefined;
  return { tag, seq: Number(seq), sentAt: Number(sentAt) };
}
