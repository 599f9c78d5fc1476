/**
 * The erasure code of the post-quantum ratchet (spec/protocol.md §6.9, the
 * chunking; vectors in spec/vectors/pq-erasure.json): an item (an ML-KEM
 * encapsulation key or ciphertext) of `length` bytes is cut into
 * K = ceil(length / C) data chunks of C bytes (the last one zero-padded), and
 * any K chunks with distinct indices rebuild it, so a lost, reordered or
 * duplicated message does not stall a KEM step.
 *
 * It is a systematic Reed-Solomon code in its Lagrange form: for each byte
 * position p, P_p is the polynomial of degree < K over GF(2^8) with
 * P_p(j) = D_j[p] for j < K, and chunk x is E_x[p] = P_p(x) for x in 0..255.
 * Encoding and decoding are the same operation — evaluate the polynomial
 * through K known points at another point — so one routine does both.
 *
 * Timing: table lookups are indexed by the item's bytes. That is acceptable
 * because items are public KEM values (the security of ML-KEM does not rest on
 * their secrecy; header encryption only hides which messages carry them).
 */
import { fail } from '../../errors.js';

/** x^8 + x^4 + x^3 + x^2 + 1; 2 generates the multiplicative group of GF(2^8) under it. */
const REDUCTION_POLYNOMIAL = 0x11d;
/** Chunk indices are field elements: 0..255. K ≤ 255 leaves at least one parity index. */
const MAX_INDEX = 255;
const MAX_CHUNKS = 255;

/** EXP[i] = 2^i, doubled to 512 entries so LOG[a] + LOG[b] (≤ 508) and LOG[a] + 255 − LOG[b] (≤ 509) need no modulo. */
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256); // LOG[0] is unused: 0 has no logarithm, callers test for 0 first
let power = 1;
for (let i = 0; i < 255; i++) {
  EXP[i] = power;
  LOG[power] = i;
  power <<= 1;
  if (power & 0x100) power ^= REDUCTION_POLYNOMIAL;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255] as number;

function mul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : (EXP[(LOG[a] as number) + (LOG[b] as number)] as number);
}

/** a / b for b ≠ 0 (the points are distinct, so every denominator below is nonzero). */
function div(a: number, b: number): number {
  return a === 0 ? 0 : (EXP[(LOG[a] as number) + 255 - (LOG[b] as number)] as number);
}

/** K = ceil(length / chunkSize), the number of chunks that rebuild an item; 1 ≤ K ≤ 255. */
export function chunkCount(length: number, chunkSize: number): number {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) fail('INVALID_STATE', 'erasure code: chunk size must be a positive integer', { got: chunkSize });
  if (!Number.isSafeInteger(length) || length < 1) fail('INVALID_STATE', 'erasure code: item length must be a positive integer', { got: length });
  const k = Math.ceil(length / chunkSize);
  if (k > MAX_CHUNKS) fail('INVALID_STATE', 'erasure code: too many chunks', { got: k, max: MAX_CHUNKS });
  return k;
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > MAX_INDEX) fail('INVALID_STATE', 'erasure code: chunk index out of range', { got: index, max: MAX_INDEX });
}

/**
 * The Lagrange basis at `target` over the distinct `points` (field subtraction is XOR):
 * c_i = Π_{m≠i} (target ⊕ x_m) / (x_i ⊕ x_m). Computed once per chunk, not per byte.
 * When target is one of the points, this is 1 there and 0 elsewhere: no special case.
 */
function lagrangeCoefficients(points: readonly number[], target: number): number[] {
  return points.map((xi, i) => {
    let numerator = 1;
    let denominator = 1;
    points.forEach((xm, m) => {
      if (m === i) return;
      numerator = mul(numerator, target ^ xm);
      denominator = mul(denominator, xi ^ xm);
    });
    return div(numerator, denominator);
  });
}

/** out[p] = Σ_i c_i · sources_i[p]; a source shorter than `out` counts as zero-padded. */
function combine(out: Uint8Array, sources: readonly Uint8Array[], coefficients: readonly number[]): void {
  sources.forEach((source, i) => {
    const c = coefficients[i] as number;
    if (c === 0) return;
    const logC = LOG[c] as number;
    for (let p = 0; p < source.length; p++) {
      const s = source[p] as number;
      if (s !== 0) out[p] = (out[p] as number) ^ (EXP[logC + (LOG[s] as number)] as number);
    }
  });
}

/** E_index of `item` (protocol.md): the data slice D_index for index < K, a parity chunk otherwise. */
export function encodeChunk(item: Uint8Array, chunkSize: number, index: number): Uint8Array {
  const k = chunkCount(item.length, chunkSize);
  checkIndex(index);
  const points = Array.from({ length: k }, (_, j) => j);
  const slices = points.map((j) => item.subarray(j * chunkSize, (j + 1) * chunkSize)); // the last may be short: padding is zero
  const out = new Uint8Array(chunkSize);
  combine(out, slices, lagrangeCoefficients(points, index));
  return out;
}

/**
 * Rebuilds an item of `length` bytes from exactly K chunks with distinct indices, in any order.
 * `paddingIsZero` is false when bytes length..K·C−1 of the rebuilt data are not zero: then the
 * chunks are not all from one encoding of one item, and the caller refuses the item.
 */
export function decodeChunks(
  chunks: ReadonlyArray<{ index: number; data: Uint8Array }>, length: number, chunkSize: number,
): { item: Uint8Array; paddingIsZero: boolean } {
  const k = chunkCount(length, chunkSize);
  if (chunks.length !== k) fail('INVALID_STATE', 'erasure code: decoding needs exactly K chunks', { got: chunks.length, expected: k });
  const seen = new Set<number>();
  for (const { index, data } of chunks) {
    checkIndex(index);
    if (seen.has(index)) fail('INVALID_STATE', 'erasure code: duplicate chunk index', { index });
    seen.add(index);
    if (data.length !== chunkSize) fail('INVALID_STATE', 'erasure code: wrong chunk length', { got: data.length, expected: chunkSize });
  }
  const points = chunks.map((c) => c.index);
  const sources = chunks.map((c) => c.data);
  const padded = new Uint8Array(k * chunkSize);
  for (let t = 0; t < k; t++) combine(padded.subarray(t * chunkSize, (t + 1) * chunkSize), sources, lagrangeCoefficients(points, t));
  return { item: padded.slice(0, length), paddingIsZero: padded.subarray(length).every((b) => b === 0) };
}
