/**
 * The node:crypto provider is byte-identical to the @noble one: every provider
 * operation runs through both on random and edge-case inputs (low-order
 * points, non-canonical encodings, crafted mixed-order signatures, flipped tag
 * bits, wrong lengths) and the outcomes — bytes, null, false, or "threw" —
 * must be equal. Then the RFC vectors of the facade's unit tests, and every
 * committed spec/vectors file, are checked with the node provider installed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoProvider, fromHex, nobleProvider, useCryptoProvider, type CryptoProvider } from '../../src/crypto/index.js';
import { nodeCryptoProvider } from '../../src/node/index.js';
import { generatorNames, renderVectors } from '../../scripts/vectors/registry.js';
import { committedVectors } from '../vectors/committed.js';
import {
  addPoints, bigintToLe, challenge, decodePoint, encodePoint, L, leToBigint, mod, P, secretScalar,
} from './ed25519-points.js';
import { fcParams } from './fc.js';

type Outcome = { readonly ok: unknown } | { readonly threw: true };

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: f() };
  } catch {
    return { threw: true };
  }
}

/** Runs `op` through both providers and requires equal outcomes (plain Uint8Array on both sides). */
function same(op: (p: CryptoProvider) => unknown): void {
  expect(outcome(() => op(nodeCryptoProvider))).toStrictEqual(outcome(() => op(nobleProvider)));
}

const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength });
const key32 = bytes(32, 32);

// --- X25519 edge cases: the low-order u-coordinates, their non-canonical forms (u + p), and the high bit set.
const LOW_ORDER_U = [
  0n, 1n, P - 1n,
  leToBigint(fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')),
  leToBigint(fromHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157')),
];
const X25519_EDGE_U: Uint8Array[] = LOW_ORDER_U.flatMap((u) => {
  const forms = [u, u + P].filter((v) => v < 2n ** 255n).map((v) => bigintToLe(v));
  return forms.flatMap((f) => [f, Uint8Array.from(f, (b, i) => (i === 31 ? b | 0x80 : b))]);
}).concat([bigintToLe(P), bigintToLe(P + 1n), bigintToLe(2n ** 255n - 1n), bigintToLe(2n ** 256n - 1n)]);

// --- Ed25519 edge cases for A (and R): small-order points with both sign bits, non-canonical y.
const SMALL_ORDER_ENCODINGS = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].flatMap((hex) => {
  const e = fromHex(hex);
  return [e, Uint8Array.from(e, (b, i) => (i === 31 ? b ^ 0x80 : b))];
});
const NON_CANONICAL_Y = [0n, 1n, 2n, 3n, 4n, 9n, 18n].flatMap((k) => {
  const e = bigintToLe(P + k);
  return [e, Uint8Array.from(e, (b, i) => (i === 31 ? b | 0x80 : b))];
});
const EDWARDS_EDGE = [...SMALL_ORDER_ENCODINGS, ...NON_CANONICAL_Y];
const ORDER_8 = decodePoint(fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'));

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A signature with S = r + k·a (mod L) for chosen encodings of R and A (which may carry torsion). */
function craftSignature(rSeed: Uint8Array, aSeed: Uint8Array, rBytes: Uint8Array, aBytes: Uint8Array, msg: Uint8Array): Uint8Array {
  const s = mod(secretScalar(rSeed) + challenge(rBytes, aBytes, msg) * secretScalar(aSeed), L);
  return concat(rBytes, bigintToLe(s));
}

describe('nodeCryptoProvider ≡ nobleProvider', () => {
  it('X25519 public keys and shared secrets, including low-order and non-canonical u', () => {
    fc.assert(fc.property(key32, key32, fc.constantFrom(...X25519_EDGE_U), (k, peer, edge) => {
      same((p) => p.x25519PublicKey(k));
      const u = nobleProvider.x25519PublicKey(peer);
      same((p) => p.x25519(k, u));
      same((p) => p.x25519(k, Uint8Array.from(u, (b, i) => (i === 31 ? b | 0x80 : b))));
      same((p) => p.x25519(k, edge));
    }), fcParams(100));
    for (const u of X25519_EDGE_U) same((p) => p.x25519(new Uint8Array(32).fill(7), u));
  });

  it('X25519 with wrong lengths', () => {
    fc.assert(fc.property(bytes(0, 40), bytes(0, 40), (k, u) => {
      same((p) => p.x25519(k, u));
      same((p) => p.x25519PublicKey(k));
    }), fcParams(100));
  });

  it('Ed25519 public keys, signatures, and verification of valid and tampered signatures', () => {
    fc.assert(fc.property(key32, bytes(0, 300), fc.nat(63), fc.nat(7), (seed, msg, at, bit) => {
      same((p) => p.ed25519PublicKey(seed));
      same((p) => p.ed25519Sign(seed, msg));
      const a = nobleProvider.ed25519PublicKey(seed);
      const sig = nobleProvider.ed25519Sign(seed, msg);
      same((p) => p.ed25519Verify(a, msg, sig));
      const flipped = Uint8Array.from(sig);
      flipped[at] = (flipped[at] as number) ^ (1 << bit);
      same((p) => p.ed25519Verify(a, msg, flipped));
      same((p) => p.ed25519Verify(a, concat(msg, new Uint8Array([1])), sig));
      const flippedKey = Uint8Array.from(a);
      flippedKey[at % 32] = (flippedKey[at % 32] as number) ^ (1 << bit);
      same((p) => p.ed25519Verify(flippedKey, msg, sig));
    }), fcParams(100));
  });

  it('Ed25519 verification with S ≥ L, small-order or non-canonical A and R', () => {
    fc.assert(fc.property(key32, bytes(0, 64), fc.constantFrom(...EDWARDS_EDGE), (seed, msg, edge) => {
      const a = nobleProvider.ed25519PublicKey(seed);
      const sig = nobleProvider.ed25519Sign(seed, msg);
      const s = leToBigint(sig.slice(32));
      for (const bigS of [s + L, L, 2n ** 256n - 1n].filter((v) => v < 2n ** 256n)) {
        same((p) => p.ed25519Verify(a, msg, concat(sig.slice(0, 32), bigintToLe(bigS))));
      }
      same((p) => p.ed25519Verify(edge, msg, sig));
      same((p) => p.ed25519Verify(a, msg, concat(edge, sig.slice(32))));
    }), fcParams(50));
  });

  it('Ed25519 verification of crafted signatures that OpenSSL and noble judge differently without care', () => {
    const verdicts = new Set<boolean>();
    fc.assert(fc.property(key32, key32, bytes(0, 64), fc.nat(7), (aSeed, rSeed, msg, t) => {
      const aPoint = decodePoint(nobleProvider.ed25519PublicKey(aSeed));
      const rPoint = decodePoint(nobleProvider.ed25519PublicKey(rSeed));
      let torsion = ORDER_8;
      for (let i = 0; i < t; i++) torsion = addPoints(torsion, ORDER_8);
      const aBytes = encodePoint(aPoint);
      // Small-order A with R = S·B: the cofactorless equation holds for any message (a forgery noble rejects).
      const forgery = concat(encodePoint(rPoint), bigintToLe(secretScalar(rSeed)));
      for (const small of SMALL_ORDER_ENCODINGS) same((p) => p.ed25519Verify(small, msg, forgery));
      // Mixed-order R, then mixed-order A: the cofactored equation holds, the cofactorless one does not.
      const mixedR = encodePoint(addPoints(rPoint, torsion));
      const sigMixedR = craftSignature(rSeed, aSeed, mixedR, aBytes, msg);
      same((p) => p.ed25519Verify(aBytes, msg, sigMixedR));
      const mixedA = encodePoint(addPoints(aPoint, torsion));
      const rBytes = encodePoint(rPoint);
      const sigMixedA = craftSignature(rSeed, aSeed, rBytes, mixedA, msg);
      same((p) => p.ed25519Verify(mixedA, msg, sigMixedA));
      verdicts.add(nobleProvider.ed25519Verify(aBytes, msg, sigMixedR));
    }), fcParams(30));
    // The crafted mixed-order R signatures are accepted by noble (cofactored): the fallback path was exercised.
    expect(verdicts.has(true)).toBe(true);
  });

  it('Ed25519 with wrong lengths and garbage', () => {
    fc.assert(fc.property(bytes(0, 40), bytes(0, 20), bytes(0, 70), (a, msg, sig) => {
      same((p) => p.ed25519Verify(a, msg, sig));
      same((p) => p.ed25519PublicKey(a));
      same((p) => p.ed25519Sign(a, msg));
    }), fcParams(100));
  });

  it('ChaCha20-Poly1305 seal and open, with flipped bits, wrong AD, truncation and wrong lengths', () => {
    fc.assert(fc.property(key32, bytes(12, 12), bytes(0, 300), bytes(0, 64), fc.nat(), fc.nat(7), (key, nonce, pt, ad, at, bit) => {
      same((p) => p.aeadSeal(key, nonce, pt, ad));
      const sealed = nobleProvider.aeadSeal(key, nonce, pt, ad);
      same((p) => p.aeadOpen(key, nonce, sealed, ad));
      const i = at % sealed.length;
      const flipped = Uint8Array.from(sealed);
      flipped[i] = (flipped[i] as number) ^ (1 << bit);
      same((p) => p.aeadOpen(key, nonce, flipped, ad));
      const tag = Uint8Array.from(sealed);
      tag[sealed.length - 1 - (at % 16)] = (tag[sealed.length - 1 - (at % 16)] as number) ^ (1 << bit);
      same((p) => p.aeadOpen(key, nonce, tag, ad));
      same((p) => p.aeadOpen(key, nonce, sealed, concat(ad, new Uint8Array([0]))));
      same((p) => p.aeadOpen(key, nonce, sealed.subarray(0, i), ad));
    }), fcParams(150));
  });

  it('ChaCha20-Poly1305 with wrong key, nonce and ciphertext lengths', () => {
    fc.assert(fc.property(bytes(0, 40), bytes(0, 16), bytes(0, 40), bytes(0, 8), (key, nonce, data, ad) => {
      same((p) => p.aeadSeal(key, nonce, data, ad));
      same((p) => p.aeadOpen(key, nonce, data, ad));
    }), fcParams(100));
  });

  it('HMAC-SHA-256, SHA-256 and SHA-512 (keys shorter and longer than the block)', () => {
    fc.assert(fc.property(bytes(0, 200), bytes(0, 300), (key, data) => {
      same((p) => p.hmacSha256(key, data));
      same((p) => p.sha256(data));
      same((p) => p.sha512(data));
    }), fcParams(150));
  });

  it('incremental SHA-256 over random splits equals the one-shot digest, under both providers', () => {
    fc.assert(fc.property(fc.array(bytes(0, 300), { maxLength: 6 }), (parts) => {
      const whole = parts.reduce<Uint8Array>((a, b) => concat(a, b), new Uint8Array(0));
      for (const p of [nodeCryptoProvider, nobleProvider]) {
        const h = p.sha256Hasher?.();
        for (const part of parts) h?.update(part);
        expect(h?.digest()).toStrictEqual(nobleProvider.sha256(whole));
      }
    }), fcParams(100));
  });

  it('HKDF-SHA-256 across salt, info and output lengths, including the limits', () => {
    const length = fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constantFrom(0, -1, 1.5, 8160, 8161));
    const info = fc.oneof(bytes(0, 80), fc.constantFrom(new Uint8Array(1024), new Uint8Array(1025)));
    fc.assert(fc.property(bytes(0, 80), bytes(0, 80), info, length, (ikm, salt, inf, n) => {
      same((p) => p.hkdfSha256(ikm, salt, inf, n));
    }), fcParams(150));
  });

  it('reuses imported private and public keys only while the bytes are unchanged (a wiped or rewritten array is re-imported)', () => {
    fc.assert(fc.property(key32, key32, key32, bytes(0, 40), (first, second, peer, msg) => {
      const u = nobleProvider.x25519PublicKey(peer);
      const k = Uint8Array.from(first);
      same((p) => p.x25519PublicKey(k));
      same((p) => p.x25519(k, u));
      k.set(second);
      same((p) => p.x25519(k, u));
      same((p) => p.x25519PublicKey(k));
      same((p) => p.ed25519Sign(k, msg));
      k.fill(0);
      same((p) => p.ed25519Sign(k, msg));
      same((p) => p.ed25519PublicKey(k));
      // Public keys too: a verifying key rewritten in place must not verify with its old value.
      const a = nobleProvider.ed25519PublicKey(first);
      const sig = nobleProvider.ed25519Sign(first, msg);
      same((p) => p.ed25519Verify(a, msg, sig));
      a.set(nobleProvider.ed25519PublicKey(second));
      same((p) => p.ed25519Verify(a, msg, sig));
      const v = Uint8Array.from(u);
      same((p) => p.x25519(first, v));
      v.set(nobleProvider.x25519PublicKey(second));
      same((p) => p.x25519(first, v));
    }), fcParams(50));
  });

  it('never returns node Buffers and never aliases its inputs', () => {
    const key = new Uint8Array(32).fill(3);
    const nonce = new Uint8Array(12);
    const outs = [
      nodeCryptoProvider.x25519PublicKey(key), nodeCryptoProvider.ed25519PublicKey(key),
      nodeCryptoProvider.ed25519Sign(key, key), nodeCryptoProvider.aeadSeal(key, nonce, key, key),
      nodeCryptoProvider.hmacSha256(key, key), nodeCryptoProvider.hkdfSha256(key, key, key, 32),
      nodeCryptoProvider.sha256(key), nodeCryptoProvider.sha512(key),
    ];
    for (const out of outs) {
      expect(out.constructor).toBe(Uint8Array);
      expect(out.buffer).not.toBe(key.buffer);
      expect(out.byteLength).toBe(out.buffer.byteLength);
    }
  });
});

describe('nodeCryptoProvider in a hot loop (the Node 20.20 JWK-export deadlock)', () => {
  it('derives 20,000 X25519 and 20,000 Ed25519 public keys', () => {
    const seed = new Uint8Array(32);
    for (let i = 0; i < 20_000; i++) {
      seed[0] = i & 0xff;
      seed[1] = i >> 8;
      expect(nodeCryptoProvider.x25519PublicKey(seed).length).toBe(32);
      expect(nodeCryptoProvider.ed25519PublicKey(seed).length).toBe(32);
    }
  }, 60_000);
});

// The facade's RFC vector tests (imported, so they register here) and the committed vectors, under the node provider.
describe('with nodeCryptoProvider installed', async () => {
  beforeAll(() => useCryptoProvider(nodeCryptoProvider));
  afterAll(() => useCryptoProvider(nobleProvider));

  it('is installed', () => {
    expect(cryptoProvider().name).toBe('node');
  });

  const names = await generatorNames();
  it.skipIf(names.length === 0)('regenerates every committed spec/vectors file byte for byte', async () => {
    for (const name of names) expect(await renderVectors(name), name).toBe(committedVectors(name));
  });
});

describe('RFC vectors of test/unit/crypto/primitives.test.ts under nodeCryptoProvider', async () => {
  beforeAll(() => useCryptoProvider(nodeCryptoProvider));
  afterAll(() => useCryptoProvider(nobleProvider));
  it('runs them with the node provider', () => {
    expect(cryptoProvider().name).toBe('node');
  });
  // Registered inside this describe, so the beforeAll above applies to them.
  await import('../unit/crypto/primitives.test.js');
});
