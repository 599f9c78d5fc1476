/**
 * The attacker of the attack bench: a child process of bench/attack.ts, so
 * that building hostile frames never delays the legitimate pair's clock. It
 * runs one attack class at a time, from loopback addresses 127.0.0.2 and up
 * (attackerAddress), as fast as the relay answers, until the parent says stop
 * — and never past MAX_ATTACK_MS or MAX_FRAMES, whatever the parent does.
 *
 * The frames are the adversarial suite's (test/relay/adversary/attacks.ts).
 */
import { encodeRelayRequest, type RelayRecipientRef } from '../src/wire/index.js';
import { attackerAddress, deepNesting, nestedArrayBomb, randomFanout, wrongTokenSend } from '../test/relay/adversary/attacks.js';
import { TestClient } from '../test/relay/client.js';
import type { Bytes } from '../src/crypto/index.js';

export type AttackKind = 'decoder-bombs' | 'wrong-token-flood' | 'fanout-amplification' | 'connection-flood' | 'prekey-drain';

export interface AttackOrder {
  readonly kind: AttackKind;
  readonly url: string;
  /** Bob's mailbox (the victim's). */
  readonly victim: Bytes;
  /** A valid recipient reference to Bob, for the prekey drain (the attacker holds an invite). */
  readonly invite: RelayRecipientRef;
}

export interface AttackTally {
  /** Frames the relay answered (ok or error). */
  answered: number;
  /** Answers by code: 'ok' or the error code. */
  readonly codes: Record<string, number>;
  /** Connections the relay closed or refused, by close code (or the socket error). */
  readonly closes: Record<string, number>;
  /** Attacker connections open when the attack was stopped. */
  held: number;
  seconds: number;
}

/** Hard bounds on one attack, whatever the parent says. */
const MAX_ATTACK_MS = 30_000;
const MAX_FRAMES = 5_000_000;
/** The relay closes a connection at its 10th strike (maxStrikes): a bomber sends 9 and reconnects. */
const BOMBS_PER_CONNECTION = 9;
/** Twice the default per-address cap (200): connection flooding stops at the first refusal or there. */
const MAX_CONNECTIONS_PER_ADDRESS = 400;
const CONNECT_BATCH = 25;

class Run {
  readonly tally: AttackTally = { answered: 0, codes: {}, closes: {}, held: 0, seconds: 0 };
  private stopped = false;
  private readonly started = performance.now();
  private readonly stoppedSignal: Promise<void>;
  private release: () => void = () => undefined;
  private nextId = 1;
  private readonly open = new Set<TestClient>();

  constructor() {
    this.stoppedSignal = new Promise((resolve) => { this.release = resolve; });
    setTimeout(() => this.stop(), MAX_ATTACK_MS).unref();
  }

  get active(): boolean {
    return !this.stopped && this.tally.answered < MAX_FRAMES;
  }

  /** Resolves when the parent says stop (or a bound is reached). */
  untilStopped(): Promise<void> {
    return this.stoppedSignal;
  }

  /** Ends the attack: what was counted so far is the tally, and every connection is cut (pending requests end as CLOSED). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.tally.seconds = (performance.now() - this.started) / 1000;
    this.tally.held = this.open.size;
    for (const c of this.open) c.close();
    this.release();
  }

  /** Counts `c` as open until it closes; a close that hangUp() did not ask for is the relay's, tallied by code. */
  track(c: TestClient): void {
    this.open.add(c);
    void c.closed.then(({ code }) => {
      if (this.open.delete(c) && !this.stopped) this.closed(String(code));
    });
  }

  /** The attacker's own close (a bomber starting over, a flood after the relay closed it). */
  hangUp(c: TestClient): void {
    this.open.delete(c);
    c.close();
  }

  id(): number {
    return this.nextId++;
  }

  answer(code: string): void {
    if (this.stopped) return;
    this.tally.answered++;
    this.tally.codes[code] = (this.tally.codes[code] ?? 0) + 1;
  }

  closed(code: string): void {
    this.tally.closes[code] = (this.tally.closes[code] ?? 0) + 1;
  }
}

/** A tracked connection from `address`, or undefined when the relay refused it (counted by close code). */
async function connect(run: Run, url: string, address: string): Promise<TestClient | undefined> {
  try {
    const c = await TestClient.connect(url, undefined, address);
    if (!run.active) {
      c.close();
      return undefined;
    }
    run.track(c);
    return c;
  } catch (e) {
    run.closed((e as Error).message.replace(/^closed (\d+) before the challenge$/, '$1'));
    return undefined;
  }
}

/** As connect(), but after a refusal waits a moment and gives undefined, so a refused loop does not spin. */
async function reconnect(run: Run, url: string, address: string): Promise<TestClient | undefined> {
  const c = await connect(run, url, address);
  if (c === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  return c;
}

/** One lane of a pipelined flood: the next frame goes out when the previous one is answered, until the connection closes. */
async function lane(run: Run, c: TestClient, frame: (id: number) => Bytes): Promise<void> {
  while (run.active) {
    const id = run.id();
    const a = await c.rawBytes(frame(id), id).catch(() => undefined);
    if (a === undefined || (a.type === 'error' && a.code === 'CLOSED')) return;
    run.answer(a.type === 'ok' ? 'ok' : a.code);
  }
}

/** `window` frames in flight on one connection from `address`; reconnects whenever the relay closes it. */
async function flood(run: Run, url: string, address: string, window: number, frame: (id: number) => Bytes): Promise<void> {
  while (run.active) {
    const c = await reconnect(run, url, address);
    if (c === undefined) continue;
    await Promise.all(Array.from({ length: window }, () => lane(run, c, frame)));
    run.hangUp(c);
  }
}

/** Sends 9 bombs on a fresh connection, waits for their answers (or the close), and starts again. */
async function bomber(run: Run, url: string, address: string, frames: readonly Bytes[]): Promise<void> {
  while (run.active) {
    const c = await reconnect(run, url, address);
    if (c === undefined) continue;
    let answers = 0;
    const answered = new Promise<void>((resolve) => {
      c.ws.on('message', () => { if (++answers === frames.length) resolve(); });
      void c.closed.then(() => resolve());
    });
    for (const f of frames) c.ws.send(f);
    await Promise.race([answered, run.untilStopped()]);
    for (const e of c.orphanErrors) run.answer(e.type === 'error' ? e.code : 'ok');
    run.hangUp(c);
  }
}

/** Opens connections from `address` in batches until the relay refuses one; they stay open, idle, until stop(). */
async function openUntilRefused(run: Run, url: string, address: string): Promise<void> {
  for (let tried = 0; tried < MAX_CONNECTIONS_PER_ADDRESS && run.active; tried += CONNECT_BATCH) {
    const batch = await Promise.all(Array.from({ length: CONNECT_BATCH }, () => connect(run, url, address)));
    if (batch.includes(undefined)) return;
  }
}

async function connectionFlood(run: Run, url: string): Promise<void> {
  await Promise.all([0, 1, 2, 3, 4].map((i) => openUntilRefused(run, url, attackerAddress(i))));
  await run.untilStopped();
}

const ATTACKS: Record<AttackKind, (run: Run, o: AttackOrder) => Promise<unknown>> = {
  'decoder-bombs': (run, o) => {
    const frames = Array.from({ length: BOMBS_PER_CONNECTION }, (_, i) => (i % 2 === 0 ? nestedArrayBomb() : deepNesting()));
    return Promise.all([0, 1, 0, 1].map((i) => bomber(run, o.url, attackerAddress(i), frames)));
  },
  'wrong-token-flood': (run, o) => Promise.all([0, 1, 2].map((i) => flood(run, o.url, attackerAddress(i), 50, (id) => wrongTokenSend(id, o.victim)))),
  'fanout-amplification': (run, o) => flood(run, o.url, attackerAddress(0), 1, (id) => randomFanout(id, 1000)),
  'connection-flood': (run, o) => connectionFlood(run, o.url),
  'prekey-drain': (run, o) => flood(run, o.url, attackerAddress(0), 50, (id) => encodeRelayRequest({ type: 'bundle', id, ...o.invite })),
};

// ── the child process: one order at a time over IPC ─────────────────────────

type ParentMessage = { readonly start: AttackOrder } | { readonly stop: true };

let current: { run: Run; done: Promise<unknown> } | undefined;

process.on('message', (m: ParentMessage) => {
  if ('start' in m) {
    const run = new Run();
    // A failure of the attacker's own code ends the attack early; the parent still gets the tally on stop.
    const done = ATTACKS[m.start.kind](run, m.start).catch((e: unknown) => process.stderr.write(`attacker: ${(e as Error).stack ?? String(e)}\n`));
    current = { run, done };
  } else if (current !== undefined) {
    const { run, done } = current;
    current = undefined;
    run.stop();
    void done.then(() => process.send?.({ tally: run.tally }));
  }
});
process.on('disconnect', () => process.exit(0));
