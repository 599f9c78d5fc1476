/** Length padding (spec/protocol.md §3.1): size classes, round trip, strict unpadding. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PADDING_MIN_LENGTH } from '../../../src/constants.js';
import { isProtocolError } from '../../../src/errors.js';
import { pad, paddedLength, padme, unpad } from '../../../src/wire/index.js';
import { fcParams } from '../../property/fc.js';

describe('padding', () => {
  it('Padmé keeps ⌊log2 E⌋ + 1 significant bits (PURBs paper examples)', () => {
    // Lengths below 2^3 are exact; 9 → 10 (E = 3, S = 2, unit 2); 1000 → 1024 (E = 9, S = 4, unit 32); 65,537 → 67,584 (E = 16, S = 5, unit 2,048).
    expect([1, 2, 7, 8, 9, 100, 1000, 1025, 65_537].map(padme)).toEqual([1, 2, 7, 8, 10, 104, 1024, 1088, 67_584]);
  });

  it('puts everything below the floor in one class, and adds at most 12 % above it', () => {
    expect(paddedLength(0)).toBe(PADDING_MIN_LENGTH);
    expect(paddedLength(PADDING_MIN_LENGTH - 1)).toBe(PADDING_MIN_LENGTH);
    fc.assert(fc.property(fc.integer({ min: PADDING_MIN_LENGTH, max: 1 << 20 }), (n) => {
      const p = paddedLength(n);
      return p > n && p <= (n + 1) * 1.12 && padme(p) === p;
    }), fcParams(500));
  });

  it('unpad(pad(m)) = m, and pad has exactly paddedLength bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (m) => {
      const p = pad(m);
      return p.length === paddedLength(m.length) && Buffer.from(unpad(p)).equals(Buffer.from(m));
    }), fcParams(200));
  });

  it('accepts any amount of padding after the marker (a sender may pad more)', () => {
    expect([...unpad(Uint8Array.of(1, 2, 0x80, 0, 0, 0, 0))]).toEqual([1, 2]);
    expect([...unpad(Uint8Array.of(0x80))]).toEqual([]);
  });

  it('pads to a larger length on request (a cap of the caller\'s), and refuses one with no room for the marker as OVERSIZE', () => {
    expect([...unpad(pad(Uint8Array.of(7), 1000))]).toEqual([7]);
    expect(pad(Uint8Array.of(7), 2)).toEqual(Uint8Array.of(7, 0x80));
    let code: string | undefined;
    try { pad(Uint8Array.of(7), 1); } catch (e) { if (isProtocolError(e)) code = e.code; }
    expect(code).toBe('OVERSIZE');
  });

  it('refuses padding without its 0x80 marker as MALFORMED', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(16), Uint8Array.of(1, 2, 3), Uint8Array.of(0x80, 0x7f, 0)]) {
      let code: string | undefined;
      try { unpad(bad); } catch (e) { if (isProtocolError(e)) code = e.code; }
      expect(code).toBe('MALFORMED');
    }
  });
});
