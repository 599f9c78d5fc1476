/**
 * The file format's invariants (protocol.md §11) over random files, random
 * splits and random damage: sealing and opening in any pieces give back the
 * file; any single flipped bit, any cut and any appended byte end in a
 * ProtocolError, and what was released before is a prefix of the file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, type Bytes } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import { FileOpener, FileSealer } from '../../src/file/index.js';
import { fcParams } from './fc.js';

const CHUNK = 1024;

/** Cuts `bytes` at the given points (any order, any repeats). */
function split(bytes: Bytes, cuts: readonly number[]): Bytes[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Bytes[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  return out;
}

function seal(key: Bytes, file: Bytes, cuts: readonly number[]): { blob: Bytes; digest: Bytes } {
  const sealer = new FileSealer(key, file.length, CHUNK);
  const chunks = split(file, cuts).flatMap((p) => sealer.push(p));
  chunks.push(...sealer.finish());
  return { blob: concatBytes(...chunks), digest: sealer.digest() };
}

/** Opens `blob` in pieces; returns the released bytes and the error, if any. */
function open(key: Bytes, size: number, digest: Bytes, blob: Bytes, cuts: readonly number[]): { out: Bytes; error: unknown } {
  const opener = new FileOpener({ key, size, chunkSize: CHUNK, digest });
  const out: Bytes[] = [];
  try {
    for (const piece of split(blob, cuts)) out.push(...opener.push(piece));
    opener.finish();
    return { out: concatBytes(...out), error: undefined };
  } catch (e) {
    return { out: concatBytes(...out), error: e };
  }
}

const file = fc.uint8Array({ minLength: 0, maxLength: 5000 });
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const cuts = fc.array(fc.nat(), { maxLength: 8 });

describe('file format (property)', () => {
  it('seals the padding lazily, one chunk per step, and knows the digest once the last chunk is sealed', () => {
    const size = 128 * 1024 + 1; // Padmé pads it by 4,095 bytes: a partial chunk, then whole chunks of zeros
    const sealer = new FileSealer(new Uint8Array(32).fill(1), size, CHUNK);
    const sealed = sealer.push(new Uint8Array(size).fill(2));
    const rest = sealer.finish()[Symbol.iterator]();
    const left = sealer.layout.chunkCount - sealed.length;
    expect(left).toBeGreaterThan(2);
    for (let i = 0; i < left; i++) {
      expect(() => sealer.digest()).toThrow(); // not before the last chunk
      const next = rest.next();
      expect(next.done).toBe(false);
      sealed.push(next.value as Bytes);
    }
    expect(rest.next().done).toBe(true);
    const { out, error } = open(new Uint8Array(32).fill(1), size, sealer.digest(), concatBytes(...sealed), []);
    expect([error, out.length, out.every((b) => b === 2)]).toEqual([undefined, size, true]);
  });

  it('seals and opens any file in any pieces', () => {
    fc.assert(fc.property(key, file, cuts, cuts, (k, f, c1, c2) => {
      const { blob, digest } = seal(k, f, c1);
      const { out, error } = open(k, f.length, digest, blob, c2);
      expect(error).toBeUndefined();
      expect(out).toEqual(f);
    }), fcParams(60));
  });

  it('a flipped bit, a cut or an extra byte is a ProtocolError, after releasing only a prefix of the file', () => {
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), bit: fc.constant(0) }),
      fc.record({ kind: fc.constant('extra' as const), at: fc.nat(), bit: fc.nat(255) }),
    );
    fc.assert(fc.property(key, file, cuts, damage, (k, f, c, d) => {
      const { blob, digest } = seal(k, f, []);
      let bad: Bytes;
      if (d.kind === 'flip') {
        bad = Uint8Array.from(blob);
        bad[d.at % blob.length] = (bad[d.at % blob.length] as number) ^ (1 << d.bit);
      } else if (d.kind === 'cut') {
        bad = blob.subarray(0, d.at % blob.length);
      } else {
        bad = concatBytes(blob, new Uint8Array([d.bit]));
      }
      const { out, error } = open(k, f.length, digest, bad, c);
      expect(isProtocolError(error)).toBe(true);
      expect(out).toEqual(f.subarray(0, out.length));
      expect(out.length % CHUNK === 0 || out.length === f.length).toBe(true);
    }), fcParams(100));
  });
});
