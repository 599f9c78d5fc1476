/**
 * Canonical keys (spec/protocol.md §2, §4.1) as properties over fast-check
 * inputs, against the bigint reference arithmetic of ed25519-points.ts:
 *   - an identity key A + T (T one of the 8 torsion points) is accepted iff
 *     T is the neutral point, and −A is accepted with A's X25519 key;
 *   - an X25519 public key is refused (INVALID_KEY) iff it is not below p,
 *     and otherwise agrees with RFC 7748 (what the provider computes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cryptoProvider, ed25519PublicKey, ed25519PublicToX25519, fromHex, isLowOrderX25519, toHex, x25519 } from '../../src/crypto/index.js';
import { addPoints, bigintToLe, decodePoint, encodePoint, leToBigint, mod, P, type Point } from './ed25519-points.js';
import { fcParams } from './fc.js';
import { errorCodeOf } from './ratchet-harness.js';

/** Small-order u on the curve and its twist (RFC 7748 §6.1's concern), canonical: 0, 1, the two of order 8, p − 1. */
const LOW_ORDER_U = [
  '0000000000000000000000000000000000000000000000000000000000000000', '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];
const T8 = decodePoint(fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'));
/** k·T8 for k = 0 … 7: the whole torsion subgroup. */
const TORSION: Point[] = [{ x: 0n, y: 1n }];
for (let k = 1; k < 8; k++) TORSION.push(addPoints(TORSION[k - 1]!, T8));

describe('canonical keys', () => {
  it('identity keys: A + T is valid iff T = O; −A is valid and has the same X25519 key', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 7 }), (seed, k) => {
      const a = ed25519PublicKey(seed);
      const point = decodePoint(a);
      const shifted = encodePoint(addPoints(point, TORSION[k]!));
      expect(errorCodeOf(() => ed25519PublicToX25519(shifted))).toBe(k === 0 ? 'ok' : 'INVALID_KEY');
      const negated = encodePoint({ x: mod(-point.x), y: point.y });
      expect(toHex(ed25519PublicToX25519(negated))).toBe(toHex(ed25519PublicToX25519(a)));
    }), fcParams(40));
  });

  it('X25519 public keys: INVALID_KEY iff u ≥ p (bit 255 included); otherwise the RFC 7748 result', () => {
    const u = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
      fc.bigInt({ min: P - 8n, max: P + 40n }),
      fc.bigInt({ min: 0n, max: 2n ** 255n - 20n }).map((v) => v | (1n << 255n)),
      fc.constantFrom(...LOW_ORDER_U.map((h) => leToBigint(fromHex(h)))),
    );
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), u, (privateKey, value) => {
      const publicKey = bigintToLe(value);
      const got = errorCodeOf(() => x25519(privateKey, publicKey));
      if (value >= P) {
        expect(got).toBe('INVALID_KEY');
        return;
      }
      const raw = cryptoProvider().x25519(privateKey, publicKey);
      expect(got).toBe(leToBigint(raw) === 0n ? 'INVALID_KEY' : 'ok');
      expect(isLowOrderX25519(publicKey)).toBe(leToBigint(raw) === 0n); // the no-draw check of §5.4 step 3
      if (got === 'ok') expect(toHex(x25519(privateKey, publicKey))).toBe(toHex(raw));
    }), fcParams(200));
  });
});
