/**
 * spec/vectors/pq-erasure.json: the PQ ratchet's erasure code (format:
 * spec/test-vectors.md §PQ erasure code). Recomputed here from the definition
 * in protocol.md §6.9 — GF(2^8) multiplication by shift and reduce, inverses
 * as a^254, one Lagrange interpolation per byte — not taken from
 * src/ratchet/pq/erasure-code.ts (log/exp tables, coefficients per chunk);
 * the test checks that module against it.
 */
import { toHex, type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';

export const SEED = new Uint8Array(32).fill(0xec);
const FIELD_POLYNOMIAL = 0x11d;
const CHUNK_SIZE = 128;
const LISTED_INDICES = [...Array.from({ length: 16 }, (_, i) => i), 250, 251, 252, 253, 254, 255];

function gfMul(a: number, b: number): number {
  let product = 0;
  for (let x = a, y = b; y !== 0; y >>= 1) {
    if (y & 1) product ^= x;
    x <<= 1;
    if (x & 0x100) x ^= FIELD_POLYNOMIAL;
  }
  return product;
}

/** a^254 = a^-1, since a^255 = 1 for every nonzero a. */
function gfInverse(a: number): number {
  let result = 1;
  for (let i = 0; i < 254; i++) result = gfMul(result, a);
  return result;
}
const INVERSE = Array.from({ length: 256 }, (_, a) => gfInverse(a)); // INVERSE[0] is never used: the points are distinct

/** The value at x of the polynomial of degree < K through the K points (x_i, y_i): y = Σ y_i Π_{m≠i} (x − x_m)/(x_i − x_m). */
function interpolate(points: ReadonlyArray<readonly [number, number]>, x: number): number {
  let sum = 0;
  points.forEach(([xi, yi], i) => {
    let term = yi;
    points.forEach(([xm], m) => {
      if (m !== i) term = gfMul(term, gfMul(x ^ xm, INVERSE[xi ^ xm] as number));
    });
    sum ^= term;
  });
  return sum;
}

/** Chunks at `targets` from the chunks at their indices, byte position by byte position. */
function evaluate(known: ReadonlyArray<{ index: number; data: Bytes }>, targets: readonly number[]): Bytes[] {
  return targets.map((x) => Uint8Array.from({ length: CHUNK_SIZE }, (_, p) => interpolate(known.map((c) => [c.index, c.data[p] as number] as const), x)));
}

function dataChunks(item: Bytes): Array<{ index: number; data: Bytes }> {
  const k = Math.ceil(item.length / CHUNK_SIZE);
  const padded = new Uint8Array(k * CHUNK_SIZE);
  padded.set(item);
  return Array.from({ length: k }, (_, j) => ({ index: j, data: padded.slice(j * CHUNK_SIZE, (j + 1) * CHUNK_SIZE) }));
}

interface Item { name: string; item: Bytes; chunks: Map<number, Bytes> }

function codedItem(name: string, item: Bytes): Item {
  const coded = evaluate(dataChunks(item), LISTED_INDICES);
  return { name, item, chunks: new Map(LISTED_INDICES.map((x, i) => [x, coded[i] as Bytes])) };
}

/** Decodes `length` bytes from the listed chunks `picks` ([item, index] pairs); refuses an outcome other than `expectZeroPadding`. */
function decodeCase(name: string, length: number, picks: ReadonlyArray<readonly [Item, number]>, expectZeroPadding: boolean): unknown {
  const k = Math.ceil(length / CHUNK_SIZE);
  if (picks.length !== k || new Set(picks.map(([, x]) => x)).size !== k) throw new Error(`${name}: not K distinct indices`);
  const known = picks.map(([it, index]) => ({ index, data: it.chunks.get(index) as Bytes }));
  const padded = new Uint8Array(k * CHUNK_SIZE);
  evaluate(known, Array.from({ length: k }, (_, t) => t)).forEach((d, t) => padded.set(d, t * CHUNK_SIZE));
  const paddingIsZero = padded.subarray(length).every((b) => b === 0);
  if (paddingIsZero !== expectZeroPadding) throw new Error(`${name}: padding is not as expected`);
  const item = padded.slice(0, length);
  if (expectZeroPadding && toHex(item) !== toHex((picks[0] as readonly [Item, number])[0].item)) throw new Error(`${name}: wrong item`);
  return { name, length, chunks: known.map((c) => ({ index: c.index, data: toHex(c.data) })), item: toHex(item), paddingIsZero };
}

export default function pqErasureVectors(): unknown {
  // From the source seeded with SEED: the encapsulation key's 1184 bytes, then the ciphertext's 1088.
  const random = seededRandom(SEED);
  const ek = codedItem('encapsulation-key', random(1184));
  const ct = codedItem('ciphertext', random(1088));
  const pick = (it: Item, indices: number[]): Array<readonly [Item, number]> => indices.map((x) => [it, x] as const);
  return {
    parameters: { seed: toHex(SEED), fieldPolynomial: FIELD_POLYNOMIAL, chunkSize: CHUNK_SIZE },
    items: [ek, ct].map((it) => ({
      name: it.name, length: it.item.length, chunkCount: Math.ceil(it.item.length / CHUNK_SIZE), item: toHex(it.item),
      chunks: [...it.chunks].map(([index, data]) => ({ index, data: toHex(data) })),
    })),
    decodes: [
      decodeCase('encapsulation key from parity only, reordered', 1184, pick(ek, [255, 254, 253, 252, 251, 250, 15, 14, 13, 12]), true),
      decodeCase('encapsulation key with data chunk 9 lost', 1184, pick(ek, [0, 1, 2, 3, 4, 5, 6, 7, 8, 250]), true),
      decodeCase('ciphertext from data and parity, shuffled', 1088, pick(ct, [3, 250, 10, 0, 255, 7, 12, 5, 11]), true),
      decodeCase('ciphertext with a chunk of the key: padding not zero', 1088, [...pick(ct, [0, 1, 2, 3, 4, 5, 6, 7]), [ek, 250] as const], false),
    ],
  };
}
