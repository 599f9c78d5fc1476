import { describe, expect, it } from 'vitest';
import { systemRandom, toHex } from '../../../src/crypto/index.js';

describe('systemRandom (pooled)', () => {
  it('serves exactly the requested lengths, across many pool refills', () => {
    for (const n of [0, 1, 12, 32, 255, 256, 257, 5000]) expect(systemRandom(n).length).toBe(n);
    let total = 0;
    for (let i = 0; i < 2000; i++) {
      const n = (i * 7) % 97;
      expect(systemRandom(n).length).toBe(n);
      total += n;
    }
    expect(total).toBeGreaterThan(3 * 4096);
  });

  it('never serves the same bytes twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const id = toHex(systemRandom(12));
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
  });

  it('returns fresh arrays the caller may keep or wipe', () => {
    const a = systemRandom(32);
    const copy = a.slice();
    a.fill(0);
    const b = systemRandom(32);
    expect(b).not.toEqual(new Uint8Array(32));
    expect(copy).not.toEqual(new Uint8Array(32));
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('rejects invalid lengths as the CSPRNG does', () => {
    expect(() => systemRandom(-1)).toThrow();
    expect(() => systemRandom(1.5)).toThrow();
  });
});
