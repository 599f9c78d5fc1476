/**
 * The sending side of the end-to-end bench, inside a client process: stamped
 * messages sent one at a time, on a fixed schedule (open loop), or in
 * windows. A send's outcome is 'ok' once the relay holds it, the client's
 * error code if it was refused, 'unsettled' if it had not settled by the
 * deadline — above what the relay accepts, the client's backpressure holds
 * sends waiting for an outbox slot (client.md §5.5), so an overloaded run
 * shows up here, not as an exception.
 */
import type { Client } from '../src/index.js';
import { onSchedule } from './schedule.js';
import { SENT, stampText, UNSETTLED, wallClock, type OpenLoopTally, type SendOutcome } from './e2e-protocol.js';

export function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}

/** A send's outcome, never a rejection. */
export function settle(send: Promise<unknown>): Promise<SendOutcome> {
  return send.then(() => SENT, errorCode);
}

export function sendStamped(client: Client, to: string, tag: string, seq: number): Promise<SendOutcome> {
  return settle(client.send(to, { type: 'text', text: stampText(tag, seq) }));
}

/** Outcomes of `sends`, each 'unsettled' if it has not settled by the wall-clock `deadline`. */
export async function outcomesBy(sends: readonly Promise<SendOutcome>[], deadline: number): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = sends.map(() => UNSETTLED);
  const all = Promise.all(sends.map((s, i) => s.then((o) => { outcomes[i] = o; })));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(0, deadline - wallClock())); });
  await Promise.race([all, late]);
  clearTimeout(timer);
  return [...outcomes];
}

/** Message i is due at start + i / rate whether or not the earlier ones settled. */
export async function openLoop(client: Client, to: string, tag: string, rate: number, durationMs: number, drainMs: number): Promise<OpenLoopTally> {
  const count = Math.max(1, Math.round((rate * durationMs) / 1000));
  const { started, maxLagMs } = await onSchedule(count, rate, (seq) => sendStamped(client, to, tag, seq));
  const endedAt = wallClock();
  return { outcomes: await outcomesBy(started, endedAt + drainMs), endedAt, maxLagMs };
}

/** `count` messages with at most `window` in flight; a window still unsettled after `windowTimeoutMs` is given up. */
export async function sendMany(client: Client, to: string, tag: string, count: number, window: number, windowTimeoutMs: number): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = [];
  for (let i = 0; i < count; i += window) {
    const batch = Array.from({ length: Math.min(window, count - i) }, (_, j) => sendStamped(client, to, tag, i + j));
    outcomes.push(...await outcomesBy(batch, wallClock() + windowTimeoutMs));
  }
  return outcomes;
}
