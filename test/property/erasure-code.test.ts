/**
 * The PQ ratchet's erasure code (src/ratchet/pq/erasure-code.ts) over random
 * items, chunk sizes and chunk sets:
 *   - any K chunks with distinct indices, in any order, rebuild the item, and
 *     its padding decodes as zero;
 *   - decoding is not blind: one byte changed in one of those chunks changes
 *     the rebuilt item or makes its padding nonzero (decoding is a bijection
 *     from K chunks to the K·C padded bytes, so no change can go unseen).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkCount, decodeChunks, encodeChunk } from '../../src/ratchet/pq/erasure-code.js';
import { fcParams } from './fc.js';

const ALL_INDICES = Array.from({ length: 256 }, (_, i) => i);

interface Case { item: Uint8Array; chunkSize: number; indices: number[] }

/** An item of 1..1600 bytes, C ∈ {16, 64, 128}, and K distinct indices from 0..255 in random order. */
const codedItem: fc.Arbitrary<Case> = fc
  .record({ length: fc.integer({ min: 1, max: 1600 }), chunkSize: fc.constantFrom(16, 64, 128) })
  .chain(({ length, chunkSize }) => {
    const k = chunkCount(length, chunkSize);
    return fc.record({
      item: fc.uint8Array({ minLength: length, maxLength: length }),
      chunkSize: fc.constant(chunkSize),
      indices: fc.shuffledSubarray(ALL_INDICES, { minLength: k, maxLength: k }),
    });
  });

function encodeAt({ item, chunkSize, indices }: Case): Array<{ index: number; data: Uint8Array }> {
  return indices.map((index) => ({ index, data: encodeChunk(item, chunkSize, index) }));
}

describe('erasure code', () => {
  it('any K distinct chunks, in any order, rebuild the item with zero padding', () => {
    fc.assert(fc.property(codedItem, (c) => {
      const { item, paddingIsZero } = decodeChunks(encodeAt(c), c.item.length, c.chunkSize);
      expect(paddingIsZero).toBe(true);
      expect(item).toEqual(c.item);
    }), fcParams(150));
  });

  it('one changed byte in one chunk changes the item or the padding', () => {
    const change = fc.record({ which: fc.nat(), position: fc.nat(), delta: fc.integer({ min: 1, max: 255 }) });
    fc.assert(fc.property(codedItem, change, (c, { which, position, delta }) => {
      const chunks = encodeAt(c);
      const target = chunks[which % chunks.length]!.data;
      const at = position % c.chunkSize;
      target[at] = (target[at] as number) ^ delta;
      const { item, paddingIsZero } = decodeChunks(chunks, c.item.length, c.chunkSize);
      expect(paddingIsZero && item.every((b, i) => b === c.item[i])).toBe(false);
    }), fcParams(150));
  });
});
