/**
 * Conversation shapes for the post-quantum ratchet's figures (issue 17): who
 * sends each message, what it carries (a draw from the content mix), and,
 * from the epochs the messages carry, when each PQ step completed — counted
 * in messages and in round trips. Shared by Parley and libsignal-client so
 * both run the very same script.
 */
import type { Bytes } from '../src/crypto/index.js';
import { seededRandom } from '../src/testing/index.js';
import { contentPayload, mixEntryAt } from './content-mix.js';

export type Side = 'alice' | 'bob';

export interface ScriptedMessage {
  readonly from: Side;
  readonly payload: Bytes;
}

export interface Shape {
  readonly name: string;
  readonly description: string;
  readonly script: readonly ScriptedMessage[];
}

type Draw = () => number;

/** A uniform draw in [0, 1) from a fixed seed, so every run (and both implementations) gets the same script. */
function uniform(seed: number): Draw {
  const random = seededRandom(new Uint8Array(32).fill(seed));
  return () => {
    const b = random(4);
    return (((b[0] as number) << 24 >>> 0) + ((b[1] as number) << 16) + ((b[2] as number) << 8) + (b[3] as number)) / 2 ** 32;
  };
}

/** Alice's and Bob's turns: `turns[i]` messages from Alice when i is even, from Bob when odd (Alice starts: she initiated). */
function scriptOf(turns: readonly number[], draw: Draw): ScriptedMessage[] {
  const payloads = new Map<string, Bytes>();
  const out: ScriptedMessage[] = [];
  turns.forEach((count, i) => {
    const from: Side = i % 2 === 0 ? 'alice' : 'bob';
    for (let k = 0; k < count; k++) {
      const entry = mixEntryAt(draw());
      // One payload per kind of content: its size is what matters, and encoding 2,000-char texts anew costs time.
      let payload = payloads.get(entry.name);
      if (payload === undefined) payloads.set(entry.name, (payload = contentPayload(entry.body)));
      out.push({ from, payload });
    }
  });
  return out;
}

export interface ShapeSizes {
  /** Round trips of the balanced shape (one message each way). */
  readonly balancedRoundTrips: number;
  /** Cycles of the one-sided shape (Alice sends 50, Bob replies 1). */
  readonly oneSidedCycles: number;
  /** Turns of the bursty shape (each 1–10 messages). */
  readonly burstyTurns: number;
}

export function shapes(sizes: ShapeSizes): Shape[] {
  const draw = uniform(17);
  const burstDraw = uniform(71);
  const bursts = Array.from({ length: sizes.burstyTurns }, () => 1 + Math.floor(burstDraw() * 10));
  return [
    {
      name: 'balanced',
      description: 'alternating single messages (1:1)',
      script: scriptOf(Array.from({ length: 2 * sizes.balancedRoundTrips }, () => 1), draw),
    },
    {
      name: 'one-sided',
      description: 'Alice sends 50, Bob replies 1 (200 : 4)',
      script: scriptOf(Array.from({ length: 2 * sizes.oneSidedCycles }, (_, i) => (i % 2 === 0 ? 50 : 1)), draw),
    },
    { name: 'bursty', description: 'bursts of 1–10 messages per side (seeded)', script: scriptOf(bursts, draw) },
  ];
}

/** Round trips up to and including message `i`: a round trip is one turn of each side. */
export function roundTripsAt(script: readonly ScriptedMessage[], i: number): number {
  let turns = 0;
  for (let k = 0; k <= i; k++) if (k === 0 || script[k]?.from !== script[k - 1]?.from) turns++;
  return Math.ceil(turns / 2);
}

/**
 * Message indices at which step 1, 2, … completed: the first message whose
 * sender already holds that step's secret (its header carries epoch ≥ base + s).
 * `epochs[i]` is undefined where the message does not show one.
 */
export function stepCompletions(epochs: readonly (number | undefined)[], base: number): number[] {
  const out: number[] = [];
  epochs.forEach((e, i) => {
    while (e !== undefined && e >= base + out.length + 1) out.push(i);
  });
  return out;
}

export interface Stat {
  readonly mean: number;
  readonly max: number;
}

export function stat(values: readonly number[]): Stat {
  return { mean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length), max: Math.max(...values) };
}
