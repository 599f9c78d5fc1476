/**
 * msgpack generators for the bounded reader (src/wire/msgpack-reader.ts):
 * well-formed values of the accepted types, and adversarial byte streams —
 * every marker with honest or lying lengths at every length class, deep and
 * huge container headers, random bytes and mutated valid frames. Shared by
 * test/property/msgpack-reader.test.ts and `npm run fuzz`.
 */
import fc from 'fast-check';
import { encodeMsgpack } from '../../src/wire/index.js';

// ── well-formed values (what the reader must accept) ───────────────────────

const keyArb = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })).filter((k) => k !== '__proto__');
const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(),
  fc.integer({ min: -40, max: 300 }), fc.integer(), fc.maxSafeInteger(),
  fc.constantFrom(127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1),
  fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'grapheme-ascii', minLength: 200, maxLength: 400 }),
  fc.uint8Array({ maxLength: 300 }),
);

/** Any value of the accepted types: maps have distinct str keys, no floats, no extensions. */
export const wireValueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; map: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalarArb, tie('array'), tie('map')),
  array: fc.array(tie('value'), { maxLength: 8 }),
  map: fc.dictionary(keyArb, tie('value'), { maxKeys: 8 }),
})).value;

/** Lengths at and around each msgpack length class boundary (fix/8/16/32). */
export const LENGTH_CLASSES = [0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536] as const;

/** A str, bin, array or map of a length at a class boundary, encoded. */
export const lengthClassArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.constantFrom('str', 'bin', 'array', 'map'), fc.constantFrom(...LENGTH_CLASSES))
  .map(([kind, n]) => {
    switch (kind) {
      case 'str': return encodeMsgpack('x'.repeat(n));
      case 'bin': return encodeMsgpack(new Uint8Array(n));
      case 'array': return encodeMsgpack(new Array<number>(n).fill(1));
      // Maps stop at 300 entries: map32 (65,536) is far past every map bound, and costly to build per sample.
      default: return encodeMsgpack(Object.fromEntries(Array.from({ length: Math.min(n, 300) }, (_, i) => [`k${i}`, i])));
    }
  });

// ── adversarial streams (what the reader must refuse cheaply) ──────────────

/** Declared lengths: small, at class boundaries, the finding's 524,288, and anything up to 2^32 − 1. */
export const declaredLengthArb: fc.Arbitrary<number> = fc.oneof(
  fc.nat(20), fc.constantFrom(...LENGTH_CLASSES, 524_288, 0x7fffffff, 0xffffffff), fc.nat(0xffffffff),
);

/** The length field width and payload of a marker: what follows it in a well-formed stream. */
function layout(marker: number): { width: number; payload: 'declared' | 'ext' | number } {
  if (marker >= 0xa0 && marker <= 0xbf) return { width: 0, payload: 'declared' }; // fixstr
  if (marker < 0xc0 || marker >= 0xe0) return { width: 0, payload: 0 }; // fixint, fixmap, fixarray
  const table: Record<number, { width: number; payload: 'declared' | 'ext' | number }> = {
    0xc4: { width: 1, payload: 'declared' }, 0xc5: { width: 2, payload: 'declared' }, 0xc6: { width: 4, payload: 'declared' },
    0xc7: { width: 1, payload: 'ext' }, 0xc8: { width: 2, payload: 'ext' }, 0xc9: { width: 4, payload: 'ext' },
    0xca: { width: 0, payload: 4 }, 0xcb: { width: 0, payload: 8 },
    0xcc: { width: 0, payload: 1 }, 0xcd: { width: 0, payload: 2 }, 0xce: { width: 0, payload: 4 }, 0xcf: { width: 0, payload: 8 },
    0xd0: { width: 0, payload: 1 }, 0xd1: { width: 0, payload: 2 }, 0xd2: { width: 0, payload: 4 }, 0xd3: { width: 0, payload: 8 },
    0xd4: { width: 0, payload: 2 }, 0xd5: { width: 0, payload: 3 }, 0xd6: { width: 0, payload: 5 }, 0xd7: { width: 0, payload: 9 }, 0xd8: { width: 0, payload: 17 },
    0xd9: { width: 1, payload: 'declared' }, 0xda: { width: 2, payload: 'declared' }, 0xdb: { width: 4, payload: 'declared' },
    0xdc: { width: 2, payload: 0 }, 0xdd: { width: 4, payload: 0 }, 0xde: { width: 2, payload: 0 }, 0xdf: { width: 4, payload: 0 },
  };
  return table[marker] ?? { width: 0, payload: 0 }; // nil, 0xc1, false, true
}

function bigEndian(value: number, width: number): number[] {
  const out: number[] = [];
  for (let i = width - 1; i >= 0; i--) out.push(Math.floor(value / 2 ** (8 * i)) & 0xff);
  return out;
}

/**
 * One msgpack token: any marker, its length field, and its payload. With
 * `honest` the declared length is the payload's; otherwise it is whatever
 * was drawn (often far more than the stream holds).
 */
export const tokenArb: fc.Arbitrary<number[]> = fc
  .record({ marker: fc.nat(255), declared: declaredLengthArb, payload: fc.uint8Array({ maxLength: 48 }), honest: fc.boolean() })
  .map(({ marker, declared, payload, honest }) => {
    const { width, payload: kind } = layout(marker);
    const fixstr = marker >= 0xa0 && marker <= 0xbf;
    const length = fixstr ? marker & 0x1f : honest && typeof kind === 'string' ? payload.length : declared;
    const out = [marker, ...bigEndian(length, width)];
    if (kind === 'ext') out.push(payload[0] ?? 1);
    const bodyLength = typeof kind === 'number' ? kind : honest ? length : Math.min(length, payload.length);
    for (let i = 0; i < bodyLength; i++) out.push(payload[i % Math.max(1, payload.length)] ?? 0x61);
    return out;
  });

/** A stream of tokens: headers, lengths and payloads in any order. */
export const tokenStreamArb: fc.Arbitrary<Uint8Array> = fc
  .array(tokenArb, { minLength: 1, maxLength: 40 })
  .map((tokens) => Uint8Array.from(tokens.flat()));

const CONTAINER_MARKERS = [0x90, 0x9f, 0xdc, 0xdd, 0x80, 0x8f, 0xde, 0xdf] as const;

/** A run of array/map headers, each declaring a (usually huge) length, then optional junk. */
export const nestedHeadersArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...CONTAINER_MARKERS), declaredLengthArb), { minLength: 1, maxLength: 64 }), fc.uint8Array({ maxLength: 32 }))
  .map(([headers, tail]) => {
    const out: number[] = [];
    for (const [marker, n] of headers) {
      if (marker === 0xdc || marker === 0xde) out.push(marker, ...bigEndian(n & 0xffff, 2));
      else if (marker === 0xdd || marker === 0xdf) out.push(marker, ...bigEndian(n, 4));
      else out.push(marker);
    }
    return Uint8Array.from([...out, ...tail]);
  });

/** The finding's first frame: 2,000 nested array32 headers each declaring 524,288 elements (10,000 bytes). */
export function nestedArray32Frame(headers = 2000, declared = 524_288): Uint8Array {
  const out = new Uint8Array(headers * 5);
  for (let i = 0; i < headers; i++) out.set([0xdd, ...bigEndian(declared, 4)], i * 5);
  return out;
}

/** The finding's second frame: 512 KiB of 0x91 (a one-element array, nested 524,287 deep). */
export function deepFixarrayFrame(size = 512 * 1024): Uint8Array {
  return new Uint8Array(size).fill(0x91);
}

/** Changes to a valid encoding: set a byte (often a header byte near the start), cut, insert, append. */
type Mutation =
  | { readonly kind: 'set'; readonly at: number; readonly value: number; readonly head: boolean }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.nat(255), fc.constantFrom(0xdd, 0xdf, 0xc1, 0xcb, 0xd4, 0xff)), head: fc.boolean() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    if (m.kind === 'set' && out.length > 0) out[m.at % (m.head ? Math.min(64, out.length) : out.length)] = m.value;
    else if (m.kind === 'cut') out = out.slice(0, at);
    else if (m.kind === 'insert') out = Uint8Array.from([...out.subarray(0, at), ...m.bytes, ...out.subarray(at)]);
  }
  return out;
}

/** Valid encodings (e.g. sample relay frames) with 1–4 mutations. */
export function mutatedArb(valid: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...valid), fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([b, ms]) => mutate(b, ms));
}

/** Every adversarial family above, for decoders that must only ever return or throw ProtocolError. */
export function adversarialFrameArb(valid: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 256 }), weight: 3 },
    { arbitrary: tokenStreamArb, weight: 4 },
    { arbitrary: nestedHeadersArb, weight: 3 },
    { arbitrary: mutatedArb(valid), weight: 4 },
    { arbitrary: wireValueArb.map(encodeMsgpack), weight: 2 },
    { arbitrary: lengthClassArb, weight: 1 },
  );
}
