/**
 * Properties of the bounded msgpack reader (issue 9, spec/protocol.md §3):
 *   - on adversarial input (random bytes, every marker with honest or lying
 *     lengths, huge nested headers, every length class, mutated relay frames)
 *     it returns a value or throws ProtocolError, nothing else, and a value it
 *     returns re-encodes to bytes that decode to the same value;
 *   - on every well-formed value of the accepted types, and on every Parley
 *     structure stored in the repo, it returns what @msgpack/msgpack's
 *     Decoder (the reader it replaced) returned.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Decoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RELAY_MAX_FRAME_SIZE } from '../../src/constants.js';
import { fromHex } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import {
  decodeRelayRequest, decodeRelayServerFrame, defaultDecodeLimits, encodeMsgpack, encodeRelayRequest, encodeRelayServerFrame,
  RELAY_REQUEST_DECODE_LIMITS, RELAY_SERVER_FRAME_DECODE_LIMITS, type DecodeLimits, type RelayServerFrame,
} from '../../src/wire/index.js';
import { readMsgpack } from '../../src/wire/msgpack-reader.js';
import { SAMPLE_REQUESTS } from '../relay/samples.js';
import { fcParams } from './fc.js';
import { lengthClassArb, mutatedArb, nestedHeadersArb, tokenStreamArb, wireValueArb } from './msgpack-arbitraries.js';

const SAMPLE_SERVER_FRAMES: RelayServerFrame[] = [
  { type: 'challenge', relayId: new Uint8Array(32).fill(1), nonce: new Uint8Array(32).fill(2) },
  { type: 'ok', id: 7, result: { re: 'fanout', results: ['ok', 'MAILBOX_FULL'] } },
  { type: 'ok', id: 8, result: { re: 'publish', oneTime: 3, kem: 1 } },
  { type: 'error', id: 9, code: 'RATE_LIMITED', retryAfter: 2 },
  { type: 'deliver', eid: 12, data: new Uint8Array(40).fill(3) },
  { type: 'prekeys_low', oneTime: 1, kem: 0 },
];
const VALID_FRAMES = [...SAMPLE_REQUESTS.map(encodeRelayRequest), ...SAMPLE_SERVER_FRAMES.map(encodeRelayServerFrame)];

const LIMITS: Record<string, DecodeLimits> = {
  default: defaultDecodeLimits(RELAY_MAX_FRAME_SIZE),
  'relay request': RELAY_REQUEST_DECODE_LIMITS,
  'relay server frame': RELAY_SERVER_FRAME_DECODE_LIMITS,
};
const WIDE: DecodeLimits = { maxDepth: 64, maxArrayLength: 1 << 20, maxMapLength: 1 << 20, maxItems: 1 << 22 };
const oldDecoder = new Decoder({ useBigInt64: false });

/** Runs `f`; a ProtocolError counts as an answer, anything else fails the property. */
function answer<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    expect(isProtocolError(e), String(e)).toBe(true);
    return undefined;
  }
}

/** True if a map in `v` has a key like "1", which a JS object moves ahead of the others. */
function hasIntegerLikeKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasIntegerLikeKey);
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return false;
  return Object.entries(v).some(([k, x]) => /^(?:0|[1-9][0-9]*)$/.test(k) || hasIntegerLikeKey(x));
}

/** Each family with its number of runs (length classes build values of up to 64 Ki elements: fewer runs). */
const families: Record<string, [fc.Arbitrary<Uint8Array>, number]> = {
  'random bytes': [fc.uint8Array({ maxLength: 512 }), 400],
  'every marker with honest or lying lengths': [tokenStreamArb, 400],
  'nested array/map headers with huge declared lengths': [nestedHeadersArb, 400],
  'str, bin, array and map at every length class': [lengthClassArb, 30],
  'mutated valid relay frames': [mutatedArb(VALID_FRAMES), 400],
};

describe('msgpack reader on adversarial input', () => {
  for (const [name, [arb, runs]] of Object.entries(families)) {
    it(`${name}: a value that re-encodes to itself, or ProtocolError`, () => {
      fc.assert(fc.property(arb, (bytes) => {
        for (const [what, limits] of Object.entries(LIMITS)) {
          const value = answer(() => readMsgpack(bytes, what, limits));
          if (value === undefined) continue;
          expect(readMsgpack(encodeMsgpack(value), what, limits)).toEqual(value);
          // §3 canonical encoding: what the reader accepts is the one encoding of its value, byte for byte
          // (unless a map has integer-like keys, which a JS object reorders).
          if (!hasIntegerLikeKey(value)) expect(Buffer.from(encodeMsgpack(value)).equals(Buffer.from(bytes))).toBe(true);
        }
        answer(() => decodeRelayRequest(bytes));
        answer(() => decodeRelayServerFrame(bytes));
      }), fcParams(runs));
    });
  }
});

/** The old decoder stripped a leading BOM from strings over 200 bytes; such values are left out of the comparison. */
function hasLongBomString(v: unknown): boolean {
  if (typeof v === 'string') return v.startsWith('\uFEFF') && v.length > 50;
  if (Array.isArray(v)) return v.some(hasLongBomString);
  return v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && Object.values(v).some(hasLongBomString);
}

/** Every hex string in spec/vectors/*.json (but the negative vectors) and test/fixtures/*.hex that @msgpack/msgpack reads as a map or array. */
function repoStructures(): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  const consider = (where: string, hex: string): void => {
    // Every Parley structure is longer than 8 bytes; shorter even-length digit strings (a 6-digit SAS) only look like hex.
    if (hex.length < 16 || !/^(?:[0-9a-f]{2})+$/.test(hex)) return;
    const bytes = fromHex(hex);
    try {
      const v = oldDecoder.decode(bytes);
      if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) found.set(where, bytes);
    } catch { /* not msgpack: a key, a nonce, a ciphertext */ }
  };
  const walk = (where: string, v: unknown): void => {
    if (typeof v === 'string') consider(where, v);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(`${where}.${k}`, x);
  };
  const dirs = { vectors: new URL('../../spec/vectors/', import.meta.url), fixtures: new URL('../fixtures/', import.meta.url) };
  // negative-*.json hold inputs every decoder must refuse (test/vectors/negative.test.ts checks them).
  for (const file of readdirSync(dirs.vectors).filter((f) => !f.startsWith('negative-'))) walk(file, JSON.parse(readFileSync(new URL(file, dirs.vectors), 'utf8')));
  for (const file of readdirSync(dirs.fixtures).filter((f) => f.endsWith('.hex'))) consider(file, readFileSync(new URL(file, dirs.fixtures), 'utf8').trim());
  VALID_FRAMES.forEach((bytes, i) => found.set(`relay frame ${i}`, bytes));
  return found;
}

describe('msgpack reader agrees with @msgpack/msgpack on valid input', () => {
  it('every value of the accepted types', () => {
    fc.assert(fc.property(wireValueArb.filter((v) => !hasLongBomString(v)), (value) => {
      const bytes = encodeMsgpack(value);
      const got = readMsgpack(bytes, 'value', WIDE);
      expect(got).toEqual(oldDecoder.decode(bytes));
      expect(got).toEqual(value);
    }), fcParams(500));
  });

  it('every Parley structure in the vectors, the fixtures and the sample relay frames', () => {
    const structures = repoStructures();
    expect(structures.size).toBeGreaterThan(30);
    for (const [where, bytes] of structures) {
      expect(readMsgpack(bytes, where, defaultDecodeLimits(bytes.length)), where).toEqual(oldDecoder.decode(bytes));
    }
  });
});
