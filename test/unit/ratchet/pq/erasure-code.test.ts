/**
 * The PQ ratchet's erasure code (src/ratchet/pq/erasure-code.ts): systematic
 * chunks, a small example worked by hand, and INVALID_STATE for caller bugs.
 */
import { describe, expect, it } from 'vitest';
import { chunkCount, decodeChunks, encodeChunk } from '../../../../src/ratchet/pq/erasure-code.js';
import { errorCodeOf } from '../../../property/ratchet-harness.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('erasure code', () => {
  it('chunkCount is ceil(length / C)', () => {
    expect(chunkCount(1184, 128)).toBe(10);
    expect(chunkCount(1088, 128)).toBe(9);
    expect(chunkCount(128, 128)).toBe(1);
    expect(chunkCount(129, 128)).toBe(2);
    expect(chunkCount(255, 1)).toBe(255);
  });

  it('is systematic: chunk x < K is the data slice D_x, the last one zero-padded', () => {
    const item = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);
    expect(encodeChunk(item, 128, 0)).toEqual(item.slice(0, 128));
    expect(encodeChunk(item, 128, 1)).toEqual(item.slice(128, 256));
    const last = new Uint8Array(128);
    last.set(item.slice(256));
    expect(encodeChunk(item, 128, 2)).toEqual(last);
  });

  /*
   * K = 2, C = 1, item (D_0, D_1) = (0x05, 0x07). Over the points 0 and 1,
   * L_0(x) = (x ⊕ 1)/(0 ⊕ 1) = x ⊕ 1 and L_1(x) = x, so
   * P(x) = D_0·(x ⊕ 1) ⊕ D_1·x = D_0 ⊕ (D_0 ⊕ D_1)·x = 0x05 ⊕ 0x02·x.
   *   E_2   = 0x05 ⊕ 0x02·0x02 = 0x05 ⊕ 0x04 = 0x01
   *   E_3   = 0x05 ⊕ 0x02·0x03 = 0x05 ⊕ 0x06 = 0x03
   *   E_128 = 0x05 ⊕ 0x02·0x80 = 0x05 ⊕ (0x100 ⊕ 0x11d = 0x1d) = 0x18   (the reduction)
   *   E_255 = 0x05 ⊕ 0x02·0xff = 0x05 ⊕ (0x1fe ⊕ 0x11d = 0xe3) = 0xe6
   * Decoding from E_2, E_3: D_t = E_2·(t ⊕ 3)/(2 ⊕ 3) ⊕ E_3·(t ⊕ 2)/(3 ⊕ 2), and 2 ⊕ 3 = 1:
   *   D_0 = 0x01·0x03 ⊕ 0x03·0x02 = 0x03 ⊕ 0x06 = 0x05
   *   D_1 = 0x01·0x02 ⊕ 0x03·0x03 = 0x02 ⊕ 0x05 = 0x07   ((x+1)² = x² + 1)
   */
  it('matches the example worked by hand (K = 2, C = 1)', () => {
    const item = bytes(0x05, 0x07);
    const expected: Array<[number, number]> = [[0, 0x05], [1, 0x07], [2, 0x01], [3, 0x03], [128, 0x18], [255, 0xe6]];
    for (const [index, value] of expected) expect(encodeChunk(item, 1, index)).toEqual(bytes(value));
    const chunks = [{ index: 3, data: bytes(0x03) }, { index: 2, data: bytes(0x01) }];
    expect(decodeChunks(chunks, 2, 1)).toEqual({ item, paddingIsZero: true });
  });

  it('decodes from parity chunks only, and reports nonzero padding', () => {
    const item = bytes(1, 2, 3); // K = 2 with C = 2: padded to 1, 2, 3, 0
    const chunks = [200, 7].map((index) => ({ index, data: encodeChunk(item, 2, index) }));
    expect(decodeChunks(chunks, 3, 2)).toEqual({ item, paddingIsZero: true });
    // Data chunks of a 4-byte item claimed as 3 bytes: its last byte is padding, and not zero.
    const longer = [{ index: 1, data: bytes(3, 5) }, { index: 0, data: bytes(1, 2) }];
    expect(decodeChunks(longer, 4, 2)).toEqual({ item: bytes(1, 2, 3, 5), paddingIsZero: true });
    expect(decodeChunks(longer, 3, 2)).toEqual({ item, paddingIsZero: false });
  });

  it('copies: the result does not alias the input', () => {
    const item = bytes(9, 8, 7, 6);
    const chunk = encodeChunk(item, 4, 0);
    chunk[0] = 0;
    expect(item[0]).toBe(9);
  });

  it('refuses caller bugs with INVALID_STATE', () => {
    const item = new Uint8Array(10);
    const bad: Array<() => unknown> = [
      () => chunkCount(0, 128), () => chunkCount(10, 0), () => chunkCount(10, 1.5), () => chunkCount(1.5, 1),
      () => chunkCount(256, 1), () => chunkCount(Number.NaN, 1),
      () => encodeChunk(new Uint8Array(0), 4, 0), () => encodeChunk(item, 4, -1), () => encodeChunk(item, 4, 256),
      () => encodeChunk(item, 4, 0.5), () => encodeChunk(item, 0, 0),
      () => decodeChunks([{ index: 0, data: new Uint8Array(4) }], 10, 4), // K = 3, one chunk
      () => decodeChunks([0, 1, 1].map((index) => ({ index, data: new Uint8Array(4) })), 10, 4), // duplicate
      () => decodeChunks([0, 1, 2].map((index) => ({ index, data: new Uint8Array(index === 2 ? 3 : 4) })), 10, 4), // short chunk
      () => decodeChunks([0, 1, 256].map((index) => ({ index, data: new Uint8Array(4) })), 10, 4), // index out of range
      () => decodeChunks([], 0, 4),
    ];
    for (const f of bad) expect(errorCodeOf(f)).toBe('INVALID_STATE');
    expect(errorCodeOf(() => chunkCount(255, 1))).toBe('ok');
    expect(errorCodeOf(() => encodeChunk(item, 4, 255))).toBe('ok');
  });
});
