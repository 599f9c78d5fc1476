/**
 * The SQLite store's key filter and packed batches (spec/client.md §5.2): the filter never says "absent" for a
 * tag it was given (a false "absent" would hide a stored row), says it for almost every other tag, and asks to be
 * rebuilt below 8 bits per key; a packed batch unpacks to the same rows, puts and deletes, in order.
 */
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../../src/crypto/index.js';
import { KeyFilter } from '../../../src/node/key-filter.js';
import { packRows, unpackRows, type RowWrite } from '../../../src/node/sqlite-messages.js';

describe('KeyFilter', () => {
  it('holds every tag added, rejects nearly all others, and is full past one key per 8 bits', () => {
    const filter = KeyFilter.sizedFor(1000);
    const added = Array.from({ length: 1000 }, () => systemRandom(32));
    for (const tag of added) filter.add(tag);
    for (const tag of added) expect(filter.mayHold(tag)).toBe(true);
    const others = Array.from({ length: 10_000 }, () => systemRandom(32)).filter((t) => filter.mayHold(t));
    expect(others.length).toBeLessThan(20); // 1,000 keys in 2^17 bits: ~1e-7 each
    expect(filter.full).toBe(false);
    const bits = filter.words.length * 8;
    while (filter.keys <= bits / 8) filter.add(systemRandom(32));
    expect(filter.full).toBe(true);
  });

  it('sizes itself at 16 bits per key, and from() takes only a power of two of at least the minimum', () => {
    expect(KeyFilter.sizedFor(100_000).words.length * 8).toBeGreaterThanOrEqual(1_600_000);
    const copy = KeyFilter.from(KeyFilter.sizedFor(0).words.slice(), 0);
    expect(copy.mayHold(new Uint8Array(32))).toBe(false);
    expect(() => KeyFilter.from(new Uint8Array(3 << 14), 0)).toThrow(RangeError);
    expect(() => KeyFilter.from(new Uint8Array(1024), 0)).toThrow(RangeError);
  });
});

describe('packRows', () => {
  it('round-trips puts and deletes in order, nonces of 24 and 12 bytes, an empty value and an empty batch', () => {
    const tag = (b: number): Uint8Array => new Uint8Array(32).fill(b);
    const rows: RowWrite[] = [
      { nsTag: tag(1), keyTag: tag(2), nonce: tag(3).subarray(0, 24), sealed: systemRandom(1000) },
      { nsTag: tag(4), keyTag: tag(5) },
      { nsTag: tag(6), keyTag: tag(7), nonce: tag(8).subarray(0, 12), sealed: new Uint8Array(16) },
    ];
    const back = unpackRows(packRows(rows));
    expect(back.map((r) => ({ ...r }))).toEqual(rows.map((r) => ({ ...r })));
    expect(unpackRows(packRows([]))).toEqual([]);
    expect(() => unpackRows(packRows(rows).subarray(0, 100))).toThrow(RangeError);
  });
});
