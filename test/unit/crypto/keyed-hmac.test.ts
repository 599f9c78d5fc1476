/**
 * The keyed-midstate fast paths of the noble provider (src/crypto/noble-hmac.ts)
 * give exactly the bytes of plain HMAC and of RFC 5869 HKDF.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, hkdf, hmacSha256, hmacSha256Each, nobleProvider, toHex } from '../../../src/crypto/index.js';
import { fcParams } from '../../property/fc.js';

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

/** RFC 5869 §2.2–2.3 spelled out over one-shot HMAC: the reference the fast path must equal. */
function referenceHkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = hmacSha256(salt.length === 0 ? new Uint8Array(32) : salt, ikm);
  const okm = new Uint8Array(Math.ceil(length / 32) * 32);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 0; i * 32 < length; i++) {
    t = hmacSha256(prk, Uint8Array.from([...t, ...info, i + 1]));
    okm.set(t, i * 32);
  }
  return okm.slice(0, length);
}

describe('hmacSha256Each', () => {
  it('equals hmacSha256 per message, in order, for any key and messages', () => {
    fc.assert(fc.property(bytes(100), fc.array(bytes(80), { maxLength: 4 }), (key, messages) => {
      expect(hmacSha256Each(key, messages).map(toHex)).toEqual(messages.map((m) => toHex(hmacSha256(key, m))));
    }), fcParams(100));
  });

  it('matches RFC 4231 test case 2 twice over', () => {
    const key = new TextEncoder().encode('Jefe');
    const data = new TextEncoder().encode('what do ya want for nothing?');
    const mac = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(hmacSha256Each(key, [data, data]).map(toHex)).toEqual([mac, mac]);
  });
});

describe('HKDF with an all-zero salt (cached extract)', () => {
  it('RFC 5869 test case 3 (empty salt) and the same with 32 and 64 zero bytes', () => {
    const ikm = fromHex('0b'.repeat(22));
    const okm = '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8';
    for (const salt of [new Uint8Array(0), new Uint8Array(32), new Uint8Array(64)]) {
      expect(toHex(hkdf(ikm, salt, new Uint8Array(0), 42))).toBe(okm);
    }
  });

  it('equals RFC 5869 over one-shot HMAC for zero salts of any length and for salts differing in one bit', () => {
    fc.assert(fc.property(bytes(64), fc.integer({ min: 0, max: 80 }), bytes(40), fc.integer({ min: 1, max: 100 }), (ikm, zeros, info, length) => {
      const zeroSalt = new Uint8Array(zeros);
      const oneBit = zeroSalt.slice();
      if (oneBit.length > 0) oneBit[oneBit.length - 1] = 1;
      for (const salt of [zeroSalt, oneBit]) {
        expect(toHex(hkdf(ikm, salt, info, length))).toBe(toHex(referenceHkdf(ikm, salt, info, length)));
        expect(toHex(nobleProvider.hkdfSha256(ikm, salt, info, length))).toBe(toHex(referenceHkdf(ikm, salt, info, length)));
      }
    }), fcParams(100));
  });
});
