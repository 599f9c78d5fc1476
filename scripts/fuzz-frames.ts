/**
 * `npm run fuzz [count] [seed]`: pushes `count` (default 1,000,000) adversarial
 * frames through the relay's request decoder and the client's server-frame
 * decoder (issue 9). Each decode must return or throw ProtocolError; anything
 * else is printed with the frame and fails the run. Tracks the heap growth and
 * the time of every single decode, and ends with one summary line.
 *
 * One measurement includes whatever GC pause, JIT compile or new heap page
 * met it, so the worst frames seen are measured again at the end (best of 5):
 * a frame that is costly by construction stays costly, an unlucky one does not.
 *
 * Frames come from test/property/msgpack-arbitraries.ts (random bytes, every
 * marker with lying lengths, nested huge headers, length classes, mutated
 * sample frames, arbitrary values) plus the two frames of the finding, drawn
 * by fast-check from the seed printed in the summary. Not part of `npm test`.
 */
import { getHeapStatistics } from 'node:v8';
import fc from 'fast-check';
import { toHex } from '../src/crypto/index.js';
import { isProtocolError } from '../src/errors.js';
import { decodeRelayRequest, decodeRelayServerFrame, encodeRelayRequest } from '../src/wire/index.js';
import { adversarialFrameArb, deepFixarrayFrame, nestedArray32Frame } from '../test/property/msgpack-arbitraries.js';
import { SAMPLE_REQUESTS } from '../test/relay/samples.js';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? process.env['FC_SEED'] ?? Date.now() % 0x7fffffff);
const BATCH = 10_000;
const KEEP = 20;

const frames = fc.oneof(
  { arbitrary: adversarialFrameArb(SAMPLE_REQUESTS.map(encodeRelayRequest)), weight: 200 },
  { arbitrary: fc.constantFrom(nestedArray32Frame(), deepFixarrayFrame()), weight: 1 },
);
type Decode = (bytes: Uint8Array) => unknown;
const decoders: ReadonlyArray<readonly [string, Decode]> = [['relay request', decodeRelayRequest], ['relay frame', decodeRelayServerFrame]];

interface Cost { readonly micros: number; readonly heap: number }
let failures = 0;

/** One decode's time and heap growth; a throw other than ProtocolError is reported. */
function measure(name: string, decode: Decode, frame: Uint8Array): Cost {
  const heapBefore = getHeapStatistics().used_heap_size;
  const started = performance.now();
  try {
    decode(frame);
  } catch (e) {
    if (!isProtocolError(e)) {
      failures++;
      console.error(`${name}: ${String(e)} on ${toHex(frame.subarray(0, 256))}${frame.length > 256 ? '…' : ''}`);
    }
  }
  return { micros: (performance.now() - started) * 1000, heap: getHeapStatistics().used_heap_size - heapBefore };
}

/** The KEEP costliest decodes by one measure, kept to be measured again. */
class Worst {
  private entries: { cost: number; name: string; decode: Decode; frame: Uint8Array }[] = [];

  constructor(private readonly of: (c: Cost) => number) {}

  offer(cost: Cost, name: string, decode: Decode, frame: Uint8Array): void {
    const value = this.of(cost);
    if (this.entries.length === KEEP && value <= this.entries[KEEP - 1]!.cost) return;
    this.entries = [...this.entries, { cost: value, name, decode, frame }].sort((a, b) => b.cost - a.cost).slice(0, KEEP);
  }

  /** The costliest as first seen, and the costliest again after a best-of-5 re-measurement of each kept one. */
  report(unit: (n: number) => string): string {
    const first = this.entries[0]!;
    const again = this.entries.map((e) => ({
      ...e, cost: Math.min(...Array.from({ length: 5 }, () => this.of(measure(e.name, e.decode, e.frame)))),
    })).sort((a, b) => b.cost - a.cost)[0]!;
    return `${unit(first.cost)} (${first.name}, ${first.frame.length} bytes; best of 5 again: ${unit(again.cost)}, ${again.frame.length} bytes)`;
  }
}

const slowest = new Worst((c) => c.micros);
const hungriest = new Worst((c) => c.heap);
const started = performance.now();
for (let done = 0, batch = 0; done < count; batch++) {
  const sample = fc.sample(frames, { seed: seed + batch, numRuns: Math.min(BATCH, count - done) });
  for (const frame of sample) {
    for (const [name, decode] of decoders) {
      const cost = measure(name, decode, frame);
      slowest.offer(cost, name, decode, frame);
      hungriest.offer(cost, name, decode, frame);
    }
  }
  done += sample.length;
}
const seconds = (performance.now() - started) / 1000;

console.log(
  `fuzz: ${count} frames × ${decoders.length} decoders, seed ${seed}, ${failures} non-ProtocolError, `
  + `max heap delta ${hungriest.report((b) => `${(b / 1024).toFixed(1)} KiB`)}, `
  + `slowest frame ${slowest.report((us) => `${us.toFixed(0)} µs`)}, total ${seconds.toFixed(1)} s`,
);
if (failures > 0) process.exitCode = 1;
