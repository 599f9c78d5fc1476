/**
 * The 1:1 workloads of the end-to-end bench, on a pair of clients in two
 * processes (the sender invited the receiver, so the sender's first message
 * already rides an established session): unpipelined latency with CPU per
 * message, the first message to a new contact, and offline catch-up.
 */
import type { PeerProcess } from './e2e-child.js';
import { medianOf, type Rate } from './harness.js';
import { addFailures, failuresOf, failuresText, latencyOf, Meter, NO_FAILURES, type CpuPerMessage, type Failures, type Latency, type Rig } from './e2e-measure.js';
import { SENT, UNSETTLED, type Arrivals, type CatchUp, type Command, type SendOutcome, type StoreKind } from './e2e-protocol.js';

/** Bound on waiting for one message to arrive. */
export const ARRIVAL_TIMEOUT_MS = 10_000;
/** An unpipelined run stops after this many messages in a row did not arrive (each costs ARRIVAL_TIMEOUT_MS). */
export const MAX_LOST_IN_A_ROW = 3;

export interface Pair {
  readonly sender: string;
  readonly receiver: string;
  /** The receiver's contact id at the sender. */
  readonly to: string;
  readonly store: StoreKind;
}

/** `acceptor` accepts an invitation of `inviter`; resolves with the acceptor's contact id at the inviter. */
export async function befriend(inviter: PeerProcess, inviterName: string, acceptor: PeerProcess, acceptorName: string): Promise<string> {
  const text = await inviter.call<string>({ op: 'invite', name: inviterName });
  await acceptor.call({ op: 'accept', name: acceptorName, text });
  return inviter.call<string>({ op: 'invited', name: inviterName, text });
}

/** Opens sender `name`-a and receiver `name`-b on `store`, makes them contacts and sends `warmUp` messages. */
export async function openPair(rig: Rig, name: string, store: StoreKind, warmUp: number): Promise<Pair> {
  const sender = `${name}-a`;
  const receiver = `${name}-b`;
  await Promise.all([rig.sender.call({ op: 'open', name: sender, store }), rig.receiver.call({ op: 'open', name: receiver, store })]);
  const pair = { sender, receiver, store, to: await befriend(rig.sender, sender, rig.receiver, receiver) };
  await oneToOne(rig, pair, `${name}-warm-up`, warmUp);
  return pair;
}

export async function closePair(rig: Rig, pair: Pair): Promise<void> {
  await Promise.all([rig.sender.call({ op: 'close', name: pair.sender }), rig.receiver.call({ op: 'close', name: pair.receiver })]);
}

/**
 * One message at a time: the next is sent once the previous reached `members` clients of the receiving
 * process (or was given up). `send(seq)` is the sender's command for message seq of `tag`.
 */
export async function unpipelined(
  rig: Rig, tag: string, count: number, members: number, send: (seq: number) => Command,
): Promise<{ latencies: number[]; failures: Failures }> {
  const latencies: number[] = [];
  const outcomes: SendOutcome[] = [];
  const arrived = new Set<number>();
  let lostInARow = 0;
  for (let seq = 0; seq < count; seq++) {
    if (lostInARow >= MAX_LOST_IN_A_ROW) {
      const so = failuresText(failuresOf(outcomes, arrived));
      throw new Error(`stopped after ${MAX_LOST_IN_A_ROW} messages in a row did not arrive (${seq} sent: ${so})`);
    }
    const arrival = rig.receiver.call<number | null>({ op: 'expect', tag, seq, members, timeoutMs: ARRIVAL_TIMEOUT_MS }).catch(() => null);
    const outcome = await rig.sender.call<SendOutcome>(send(seq));
    outcomes.push(outcome);
    // A refused send never arrives: do not wait for it.
    const latency = outcome === SENT || outcome === UNSETTLED ? await arrival : null;
    lostInARow = latency === null ? lostInARow + 1 : 0;
    if (latency !== null) {
      latencies.push(latency);
      arrived.add(seq);
    }
  }
  await rig.receiver.call<Arrivals>({ op: 'collect', tag, count: 0, members, until: 0 });
  return { latencies, failures: failuresOf(outcomes, arrived) };
}

function oneToOne(rig: Rig, pair: Pair, tag: string, count: number): ReturnType<typeof unpipelined> {
  return unpipelined(rig, tag, count, 1, (seq) => ({ op: 'send', name: pair.sender, to: pair.to, tag, seq }));
}

export interface UnpipelinedResult {
  readonly latency: Latency;
  /** CPU ms per message, median (min–max) over the repetitions. */
  readonly cpu: { readonly [K in keyof CpuPerMessage]: Rate };
  readonly failures: Failures;
  readonly reps: number;
  readonly perRep: number;
}

/** `reps` repetitions of `perRep` unpipelined messages; latency percentiles over every message, CPU per repetition. */
export async function measureUnpipelined(rig: Rig, pair: Pair, reps: number, perRep: number): Promise<UnpipelinedResult> {
  const latencies: number[] = [];
  const cpu: CpuPerMessage[] = [];
  let failures = NO_FAILURES;
  for (let r = 0; r < reps; r++) {
    const meter = await Meter.start(rig);
    const run = await oneToOne(rig, pair, `${pair.sender}-u${r}`, perRep);
    const measured = await meter.end(perRep);
    latencies.push(...run.latencies);
    cpu.push(measured.cpu);
    failures = addFailures(failures, { ...run.failures, trouble: measured.trouble });
  }
  const of = (k: keyof CpuPerMessage): Rate => medianOf(cpu.map((c) => c[k]));
  const cpuRates = { sender: of('sender'), receiver: of('receiver'), relay: of('relay'), relayAboveIdle: of('relayAboveIdle') };
  return { latency: latencyOf(latencies), cpu: cpuRates, failures, reps, perRep };
}

export interface FirstContactResult {
  /** acceptInvite → the inviter's message event (ms), median (min–max) over the repetitions that arrived. */
  readonly latency: Rate | undefined;
  readonly failures: Failures;
  readonly reps: number;
}

/**
 * A fresh receiver-side client accepts an invitation of the pair's sender and at once sends a message,
 * stamped before acceptInvite began; timed to the inviter's message event. The session set-up (bundle
 * fetch, PQXDH, the hello and its processing) is inside.
 */
export async function measureFirstContact(rig: Rig, pair: Pair, reps: number): Promise<FirstContactResult> {
  const latencies: number[] = [];
  const outcomes: SendOutcome[] = [];
  const arrived = new Set<number>();
  for (let r = 0; r < reps; r++) {
    const name = `${pair.receiver}-new${r}`;
    const tag = `${name}-first`;
    await rig.receiver.call({ op: 'open', name, store: pair.store });
    const text = await rig.sender.call<string>({ op: 'invite', name: pair.sender });
    const arrival = rig.sender.call<number | null>({ op: 'expect', tag, seq: 0, members: 1, timeoutMs: ARRIVAL_TIMEOUT_MS }).catch(() => null);
    const outcome = await rig.receiver.call<SendOutcome>({ op: 'first-contact', name, text, tag });
    outcomes.push(outcome);
    const latency = await arrival;
    if (latency !== null) {
      latencies.push(latency);
      arrived.add(r);
      await rig.sender.call({ op: 'invited', name: pair.sender, text });
    }
    await rig.receiver.call({ op: 'close', name });
  }
  return { latency: latencies.length > 0 ? medianOf(latencies) : undefined, failures: failuresOf(outcomes, arrived), reps };
}

export interface CatchUpResult {
  readonly messages: number;
  /** How long the sender took to send them while the receiver was offline (ms), pipelined in windows. */
  readonly sendMs: number;
  readonly catchUp: CatchUp;
  readonly failures: Failures;
}

/** The receiver closes; the sender sends `messages`; the receiver reopens: timed from Client.open to the last message event. */
export async function measureCatchUp(rig: Rig, pair: Pair, messages: number, window: number, timeoutMs: number): Promise<CatchUpResult> {
  const tag = `${pair.sender}-offline`;
  await rig.receiver.call({ op: 'close', name: pair.receiver });
  const start = performance.now();
  const outcomes = await rig.sender.call<SendOutcome[]>({ op: 'send-many', name: pair.sender, to: pair.to, tag, count: messages, window }, timeoutMs);
  const sendMs = performance.now() - start;
  const accepted = outcomes.filter((o) => o === SENT).length;
  const catchUp = await rig.receiver.call<CatchUp>({ op: 'catch-up', name: pair.receiver, store: pair.store, tag, count: accepted, timeoutMs }, timeoutMs + 10_000);
  const got = await rig.receiver.call<Arrivals>({ op: 'collect', tag, count: 0, members: 1, until: 0 });
  return { messages, sendMs, catchUp, failures: failuresOf(outcomes, new Set(got.seqs)) };
}
