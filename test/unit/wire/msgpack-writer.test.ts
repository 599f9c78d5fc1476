/**
 * The msgpack writer (src/wire/msgpack-writer.ts, spec/protocol.md §3): byte
 * for byte what @msgpack/msgpack's encoder (the one it replaced, kept as a dev
 * dependency for this comparison) writes for every accepted type at each
 * format boundary, and a MALFORMED ProtocolError for what Parley never encodes.
 */
import { Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../src/errors.js';
import { encodeMsgpack } from '../../../src/wire/index.js';
import { fcParams } from '../../property/fc.js';
import { wireValueArb } from '../../property/msgpack-arbitraries.js';

const oldEncoder = new Encoder({ ignoreUndefined: false, sortKeys: false, forceIntegerToFloat: false });
const same = (value: unknown): void => {
  expect(Buffer.from(encodeMsgpack(value)).toString('hex')).toBe(Buffer.from(oldEncoder.encode(value)).toString('hex'));
};

describe('msgpack writer: the encoding @msgpack/msgpack wrote', () => {
  const cases: Record<string, unknown> = {
    'nil, bool': [null, undefined, false, true],
    'positive fixint .. uint64': [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER],
    'negative fixint .. int64': [-1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 40) - 5, Number.MIN_SAFE_INTEGER],
    'str at each length class': ['', 'x'.repeat(31), 'x'.repeat(32), 'é'.repeat(16), 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(65535), 'x'.repeat(65536)],
    'non-ASCII str': ['日本', '\u{1F600}', '\uFEFF', 'é'.repeat(200)],
    'bin at each length class': [new Uint8Array(0), new Uint8Array(255).fill(1), new Uint8Array(256), new Uint8Array(65535), new Uint8Array(65536)],
    'array at each length class': [[], new Array(15).fill(1), new Array(16).fill(1), new Array(65535).fill(0), new Array(65536).fill(0)],
    'map at each length class, keys in insertion order': [
      { b: 1, a: 2 }, Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])),
      Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])),
      Object.fromEntries(Array.from({ length: 65536 }, (_, i) => [`k${i}`, null])),
    ],
    'nested, and a map with undefined': { v: 1, t: 'x', a: [{ k: new Uint8Array([1, 2]) }, [[]]], u: undefined },
  };
  for (const [name, value] of Object.entries(cases)) it(name, () => same(value));

  it('any value of the accepted types (fast-check)', () => {
    fc.assert(fc.property(wireValueArb, same), fcParams(300));
  });

  it('a Uint8Array view of a larger buffer writes only its own bytes', () => {
    const bytes = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    expect([...encodeMsgpack(bytes)]).toEqual([0xc4, 3, 1, 2, 3]);
  });

  it('returns a fresh array each time (the scratch buffer is not aliased)', () => {
    const a = encodeMsgpack('a');
    encodeMsgpack('b');
    expect([...a]).toEqual([0xa1, 0x61]);
  });

  it('writes a lone surrogate as U+FFFD: well-formed UTF-8 only', () => {
    expect([...encodeMsgpack('\uD800')]).toEqual([0xa3, 0xef, 0xbf, 0xbd]);
  });
});

describe('msgpack writer: refusals', () => {
  const code = (value: unknown): string => {
    try {
      encodeMsgpack(value);
    } catch (e) {
      if (isProtocolError(e)) return e.code;
      throw e;
    }
    return 'no error';
  };
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const refused: Record<string, unknown> = {
    float: 1.5, NaN: Number.NaN, 'unsafe integer': 2 ** 53, bigint: 1n, Date: new Date(0), 'Int16Array': new Int16Array(2),
    'class instance': new (class Thing { x = 1; })(), function: () => 1, symbol: Symbol('s'), 'cyclic map': cyclic,
    'a float inside a map': { v: 1, x: [0.5] },
  };
  for (const [name, value] of Object.entries(refused)) it(`${name}: MALFORMED`, () => expect(code(value)).toBe('MALFORMED'));

  it('still encodes after a refusal', () => {
    expect(code({ a: [1, 2.5] })).toBe('MALFORMED');
    expect([...encodeMsgpack({ a: 1 })]).toEqual([0x81, 0xa1, 0x61, 0x01]);
  });
});
