/**
 * The bounded msgpack reader (src/wire/msgpack-reader.ts, spec/protocol.md §3):
 * every accepted format against @msgpack/msgpack's encoder, every refused
 * form, the limits at their edges, and the two frames of issue 9 refused at
 * a known byte offset without allocating for their declared lengths.
 */
import { readFileSync } from 'node:fs';
import { Decoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { MSGPACK_MAX_DEPTH, RELAY_MAX_ACK_IDS, RELAY_MAX_FANOUT, RELAY_MAX_FRAME_SIZE } from '../../../src/constants.js';
import { fromHex } from '../../../src/crypto/index.js';
import { isProtocolError } from '../../../src/errors.js';
import {
  decodeMsgpack, decodeRelayRequest, decodeRelayServerFrame, defaultDecodeLimits, encodeMsgpack, encodeRelayRequest,
  encodeRelayServerFrame, RELAY_REQUEST_DECODE_LIMITS, RELAY_SERVER_FRAME_DECODE_LIMITS, type DecodeLimits,
} from '../../../src/wire/index.js';
import { readMsgpack } from '../../../src/wire/msgpack-reader.js';
import { deepFixarrayFrame, nestedArray32Frame } from '../../property/msgpack-arbitraries.js';

const WIDE: DecodeLimits = { maxDepth: 64, maxArrayLength: 1 << 20, maxMapLength: 1 << 20, maxItems: 1 << 22 };
const read = (bytes: Uint8Array, limits: DecodeLimits = WIDE): unknown => readMsgpack(bytes, 'test', limits);
const oldDecoder = new Decoder({ maxMapLength: 1 << 20, useBigInt64: false });

/** The error a call throws: its code and the byte offset the reader reported, or 'no error'. */
function refusal(f: () => unknown): { code: string; offset?: unknown } | 'no error' {
  try {
    f();
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return { code: e.code, offset: e.details['offset'] };
  }
  return 'no error';
}
const malformedAt = (offset: number) => ({ code: 'MALFORMED', offset });

describe('msgpack reader: accepted formats round-trip against @msgpack/msgpack', () => {
  const str = (n: number, c = 'é'): string => c.repeat(n);
  const cases: Record<string, unknown> = {
    nil: null, false: false, true: true,
    'positive fixint': [0, 1, 127], 'negative fixint': [-1, -32],
    uint8: [128, 255], uint16: [256, 65535], uint32: [65536, 2 ** 32 - 1], uint64: [2 ** 32, Number.MAX_SAFE_INTEGER],
    int8: [-33, -128], int16: [-129, -32768], int32: [-32769, -(2 ** 31)], int64: [-(2 ** 31) - 1, Number.MIN_SAFE_INTEGER],
    fixstr: ['', 'a', 'x'.repeat(31)], str8: ['x'.repeat(32), str(100)], str16: [str(200), 'y'.repeat(65535)], str32: 'z'.repeat(65536),
    'non-ASCII strings': ['日本', '\u{1F600}', '\uFEFFshort BOM'],
    bin8: [new Uint8Array(0), new Uint8Array(255).fill(1)], bin16: new Uint8Array(256).fill(2), bin32: new Uint8Array(65536).fill(3),
    fixarray: [[], [1, [2, [3]]]], array16: new Array(16).fill(7), array32: new Array(65536).fill(0),
    fixmap: { a: 1, b: { c: [true] } }, map16: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])),
    map32: Object.fromEntries(Array.from({ length: 65536 }, (_, i) => [`k${i}`, null])),
    'prototype-named keys': { constructor: 1, toString: 2, hasOwnProperty: 3 },
  };
  for (const [name, value] of Object.entries(cases)) {
    it(name, () => {
      const bytes = encodeMsgpack(value);
      // Bins compare as hex: element-wise deep equality is slow at 64 KiB.
      const view = (v: unknown): unknown => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex') : v);
      expect(view(read(bytes))).toEqual(view(value));
      expect(view(read(bytes))).toEqual(view(oldDecoder.decode(bytes)));
    });
  }

  it('keeps a leading BOM in a long str (the old decoder stripped it past 200 bytes)', () => {
    const value = `\uFEFF${'long'.repeat(100)}`;
    expect(read(encodeMsgpack(value))).toBe(value);
  });

  it('returns bin as a plain view of the input, never a copy and never a Buffer', () => {
    const input = Uint8Array.of(0x92, 0xc4, 2, 9, 8, 0xc4, 1, 7);
    const [a, b] = read(input) as Uint8Array[];
    expect(a!.buffer).toBe(input.buffer);
    expect([a!.byteOffset, b!.byteOffset]).toEqual([3, 7]);
    const fromBuffer = read(Buffer.from(input)) as Uint8Array[];
    expect(fromBuffer[0]!.constructor).toBe(Uint8Array);
  });
});

describe('msgpack reader: refused forms are MALFORMED at their offset', () => {
  const cases: Record<string, [number[], number]> = {
    float32: [[0xca, 0x3f, 0x80, 0, 0], 0],
    float64: [[0x91, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0], 1],
    'reserved 0xc1': [[0xc1], 0],
    fixext1: [[0xd4, 1, 0], 0], fixext16: [[0xd8, 1, ...new Array(16).fill(0)], 0],
    ext8: [[0xc7, 1, 5, 0], 0], ext16: [[0xc8, 0, 1, 5, 0], 0], ext32: [[0xc9, 0, 0, 0, 1, 5, 0], 0],
    'timestamp ext': [[0xd6, 0xff, 0, 0, 0, 1], 0],
    'uint64 above 2^53 − 1': [[0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0], 0],
    'int64 below −(2^53 − 1)': [[0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 0], 0],
    'empty input': [[], 0],
    'truncated uint32': [[0xce, 1, 2], 1],
    'truncated str8': [[0xd9, 40, 0x61], 2],
    'truncated bin16 length': [[0xc5, 1], 1],
    'truncated map value': [[0x81, 0xa1, 0x61], 3],
    'trailing bytes': [[0xc0, 0xc0], 1],
    'invalid UTF-8': [[0xa2, 0xc3, 0x28], 1],
    'overlong UTF-8': [[0xa2, 0xc0, 0x80], 1],
    'UTF-8 surrogate': [[0xa3, 0xed, 0xa0, 0x80], 1],
    'int map key': [[0x81, 0x01, 0x02], 1],
    'bin map key': [[0x81, 0xc4, 1, 0x61, 0x02], 1],
    'duplicate map key': [[0x82, 0xa1, 0x61, 1, 0xa1, 0x61, 2], 4],
    '__proto__ map key': [[0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x80], 1],
    'array longer than the bytes left': [[0xdc, 0x00, 0x03, 1, 2], 0],
    'map needing more than the bytes left': [[0x82, 0xa1, 0x61, 1], 0],
    'str longer than the bytes left': [[0xdb, 0xff, 0xff, 0xff, 0xff, 0x61], 5],
    // §3: one encoding per value — every header and integer in its shortest form.
    'uint8 holding a fixint': [[0xcc, 0x7f], 0],
    'uint16 holding a uint8': [[0xcd, 0x00, 0xff], 0],
    'uint32 holding a uint16': [[0xce, 0, 0, 0xff, 0xff], 0],
    'uint64 holding a uint32': [[0xcf, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], 0],
    'int8 holding a negative fixint': [[0xd0, 0xe0], 0],
    'int8 holding a non-negative value': [[0xd0, 0x05], 0],
    'int16 holding an int8': [[0xd1, 0xff, 0x80], 0],
    'int32 holding an int16': [[0xd2, 0xff, 0xff, 0x80, 0x00], 0],
    'int64 holding an int32': [[0xd3, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0], 0],
    'int64 holding a non-negative value': [[0xd3, 0, 0, 0, 0, 0, 0, 0, 9], 0],
    'str8 of a fixstr length': [[0xd9, 0x01, 0x61], 0],
    'str16 of a str8 length': [[0xda, 0x00, 0x01, 0x61], 0],
    'str32 of a str16 length': [[0xdb, 0, 0, 0, 0x01, 0x61], 0],
    'bin16 of a bin8 length': [[0xc5, 0x00, 0x01, 0x61], 0],
    'bin32 of a bin16 length': [[0xc6, 0, 0, 0, 0x01, 0x61], 0],
    'array16 of a fixarray length': [[0xdc, 0x00, 0x01, 0xc0], 0],
    'array32 of an array16 length': [[0xdd, 0, 0, 0, 0x01, 0xc0], 0],
    'map16 of a fixmap length': [[0xde, 0x00, 0x01, 0xa1, 0x61, 0xc0], 0],
    'map32 of a map16 length': [[0xdf, 0, 0, 0, 0x01, 0xa1, 0x61, 0xc0], 0],
    'str8 map key of a fixstr length': [[0x81, 0xd9, 0x01, 0x61, 0xc0], 1],
  };
  for (const [name, [bytes, offset]] of Object.entries(cases)) {
    it(name, () => expect(refusal(() => read(Uint8Array.from(bytes)))).toEqual(malformedAt(offset)));
  }

  it('decodeMsgpack keeps OVERSIZE for input over the size bound', () => {
    expect(refusal(() => decodeMsgpack(new Uint8Array(11), 10, 'test'))).toMatchObject({ code: 'OVERSIZE' });
  });
});

describe('msgpack reader: limits bind exactly at their value', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 1 : [nest(depth - 1)]);
  const limits = (l: Partial<DecodeLimits>): DecodeLimits => ({ ...WIDE, ...l });

  it('depth', () => {
    expect(read(encodeMsgpack(nest(4)), limits({ maxDepth: 4 }))).toEqual(nest(4));
    expect(refusal(() => read(encodeMsgpack(nest(5)), limits({ maxDepth: 4 })))).toEqual(malformedAt(4));
    expect(refusal(() => read(encodeMsgpack({ a: { b: {} } }), limits({ maxDepth: 2 })))).toEqual(malformedAt(6));
  });

  it('array length, map length and value count', () => {
    expect(read(encodeMsgpack([1, 2, 3]), limits({ maxArrayLength: 3 }))).toEqual([1, 2, 3]);
    expect(refusal(() => read(encodeMsgpack([1, 2, 3, 4]), limits({ maxArrayLength: 3 })))).toEqual(malformedAt(0));
    expect(refusal(() => read(encodeMsgpack({ a: 1, b: 2 }), limits({ maxMapLength: 1 })))).toEqual(malformedAt(0));
    // [1, { a: 2 }] is 5 values: the array, 1, the map, its key and its value.
    expect(read(encodeMsgpack([1, { a: 2 }]), limits({ maxItems: 5 }))).toEqual([1, { a: 2 }]);
    expect(refusal(() => read(encodeMsgpack([1, { a: 2 }]), limits({ maxItems: 4 })))).toEqual(malformedAt(5));
  });

  it('the default depth bound covers the deepest stored structure (a group session, depth 5) with margin', () => {
    const session = fromHex(readFileSync(new URL('../../fixtures/group-session-v1.hex', import.meta.url), 'utf8').trim());
    expect(read(session, limits({ maxDepth: 5 }))).toBeTruthy();
    expect(refusal(() => read(session, limits({ maxDepth: 4 })))).toMatchObject({ code: 'MALFORMED' });
    expect(MSGPACK_MAX_DEPTH).toBeGreaterThanOrEqual(3 * 5);
  });
});

describe('relay frame limits', () => {
  const mb = new Uint8Array(16).fill(1);
  const tok = new Uint8Array(24).fill(2);
  const to = Array.from({ length: RELAY_MAX_FANOUT }, () => ({ mailbox: mb, token: tok }));

  it('admit the largest legitimate requests and server frames', () => {
    const fanout = { type: 'fanout', id: 1, to, data: new Uint8Array(100), ttl: 60 } as const;
    expect(decodeRelayRequest(encodeRelayRequest(fanout))).toEqual(fanout);
    const ack = { type: 'ack', id: 2, ids: Array.from({ length: RELAY_MAX_ACK_IDS }, (_, i) => 2 ** 32 + i) } as const;
    expect(decodeRelayRequest(encodeRelayRequest(ack))).toEqual(ack);
    const publish = { type: 'publish', id: 3, oneTime: new Array(200).fill(mb), kemOneTime: new Array(100).fill(tok) } as const;
    expect(decodeRelayRequest(encodeRelayRequest(publish))).toEqual(publish);
    const ok = { type: 'ok', id: 4, result: { re: 'fanout', results: new Array(RELAY_MAX_FANOUT).fill('MAILBOX_FULL') } } as const;
    expect(decodeRelayServerFrame(encodeRelayServerFrame(ok))).toEqual(ok);
  });

  it('refuse a request one recipient over, at its array header', () => {
    const bytes = encodeMsgpack({ v: 1, t: 'fanout', id: 1, to: [...to, { mailbox: mb, token: tok }], data: new Uint8Array(1) });
    expect(refusal(() => decodeRelayRequest(bytes))).toEqual(malformedAt(bytes.indexOf(0xdc)));
  });

  it('refuse a request nested deeper than any request', () => {
    const bytes = encodeMsgpack({ v: 1, t: 'fanout', id: 1, to: [{ mailbox: [mb], token: tok }], data: new Uint8Array(1) });
    expect(refusal(() => decodeRelayRequest(bytes))).toMatchObject({ code: 'MALFORMED' });
    expect(RELAY_REQUEST_DECODE_LIMITS.maxDepth).toBe(3);
  });
});

describe('issue 9: the attack frames are refused at their first header, before any allocation', () => {
  const decoders: Record<string, (b: Uint8Array) => unknown> = {
    'decodeRelayRequest': (b) => decodeRelayRequest(b),
    'decodeRelayServerFrame': (b) => decodeRelayServerFrame(b),
    'decodeMsgpack with default limits': (b) => decodeMsgpack(b, RELAY_MAX_FRAME_SIZE, 'frame'),
  };

  for (const [name, decode] of Object.entries(decoders)) {
    it(`${name}: 2,000 nested array32 headers of 524,288 elements (10,000 bytes)`, () => {
      const frame = nestedArray32Frame();
      expect(frame.length).toBe(10_000);
      // Offset 0: the first header already declares more elements than there are bytes (or than the limit allows).
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 100; i++) expect(refusal(() => decode(frame))).toEqual(malformedAt(0));
      // 100 decodes of the old reader allocated 4 GB each; here only the error objects remain.
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 * 1024 * 1024);
    });

    it(`${name}: 512 KiB of 0x91`, () => {
      const frame = deepFixarrayFrame();
      const { maxDepth } = name === 'decodeRelayRequest' ? RELAY_REQUEST_DECODE_LIMITS
        : name === 'decodeRelayServerFrame' ? RELAY_SERVER_FRAME_DECODE_LIMITS : defaultDecodeLimits(RELAY_MAX_FRAME_SIZE);
      // Refused at the first header past the depth bound: it read maxDepth + 1 bytes of 524,288.
      expect(refusal(() => decode(frame))).toEqual(malformedAt(maxDepth));
    });
  }
});
