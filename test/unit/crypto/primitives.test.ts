/**
 * The facade against the RFC vectors of the primitives it wraps (and so does
 * any provider installed in its place; see provider-equivalence).
 */
import { describe, expect, it } from 'vitest';
import { aeadOpen, aeadSeal, aeadTryOpen, ed25519PublicKey, ed25519PublicToX25519, ed25519SeedToX25519, fromHex, hkdf, sign, toHex, verify, x25519, x25519PublicKey } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { isProtocolError } from '../../../src/errors.js';

describe('X25519 (RFC 7748 §6.1)', () => {
  const alicePriv = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePub = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bobPriv = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPub = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

  it('derives public keys and the shared secret', () => {
    expect(toHex(x25519PublicKey(alicePriv))).toBe(alicePub);
    expect(toHex(x25519PublicKey(bobPriv))).toBe(bobPub);
    expect(toHex(x25519(alicePriv, fromHex(bobPub)))).toBe(shared);
    expect(toHex(x25519(bobPriv, fromHex(alicePub)))).toBe(shared);
  });

  it('rejects low-order public keys with INVALID_KEY', () => {
    for (const low of ['00'.repeat(32), '01' + '00'.repeat(31)]) {
      expect(() => x25519(alicePriv, fromHex(low))).toThrowError(expect.objectContaining({ code: 'INVALID_KEY' }));
    }
  });

  it('rejects wrong lengths with INVALID_KEY', () => {
    try {
      x25519(alicePriv, new Uint8Array(31));
      expect.unreachable();
    } catch (e) {
      expect(isProtocolError(e, 'INVALID_KEY')).toBe(true);
    }
  });
});

describe('Ed25519 (RFC 8032 §7.1, test 2)', () => {
  const seed = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
  const pub = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';
  const sig = '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00';

  it('signs and verifies', () => {
    expect(toHex(ed25519PublicKey(seed))).toBe(pub);
    expect(toHex(sign(seed, fromHex('72')))).toBe(sig);
    expect(verify(fromHex(pub), fromHex('72'), fromHex(sig))).toBe(true);
  });

  it('rejects a wrong message, a flipped bit, and garbage without throwing', () => {
    expect(verify(fromHex(pub), fromHex('73'), fromHex(sig))).toBe(false);
    const bad = fromHex(sig);
    bad[5] = (bad[5] as number) ^ 1;
    expect(verify(fromHex(pub), fromHex('72'), bad)).toBe(false);
    expect(verify(new Uint8Array(32), fromHex('72'), new Uint8Array(64))).toBe(false);
    expect(verify(new Uint8Array(3), fromHex('72'), new Uint8Array(64))).toBe(false);
  });

  it('maps the identity key to X25519 consistently (public and private forms agree)', () => {
    const xPriv = ed25519SeedToX25519(seed);
    expect(toHex(x25519PublicKey(xPriv))).toBe(toHex(ed25519PublicToX25519(fromHex(pub))));
  });

  it('a memoised X25519 form is the caller\'s copy: changing one leaves the next answer intact', () => {
    const first = ed25519PublicToX25519(fromHex(pub));
    const expected = toHex(first);
    first.fill(0);
    expect(toHex(ed25519PublicToX25519(fromHex(pub)))).toBe(expected);
  });
});

describe('HKDF-SHA-256 (RFC 5869 A.1)', () => {
  it('matches test case 1', () => {
    const okm = hkdf(fromHex('0b'.repeat(22)), fromHex('000102030405060708090a0b0c'), fromHex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
});

describe('ChaCha20-Poly1305 (RFC 8439 §2.8.2)', () => {
  const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = fromHex('070000004041424344454647');
  const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
  const plaintext = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const tag = '1ae10b594f09e26a7e902ecbd0600691';

  it('seals to the RFC ciphertext and opens it', () => {
    const sealed = aeadSeal(key, nonce, plaintext, aad);
    expect(toHex(sealed.slice(-16))).toBe(tag);
    expect(toHex(sealed.slice(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(aeadOpen(key, nonce, sealed, aad)).toEqual(plaintext);
  });

  it('refuses a tampered ciphertext with DECRYPT_FAILED and trial-open returns null', () => {
    const sealed = aeadSeal(key, nonce, plaintext, aad);
    sealed[0] = (sealed[0] as number) ^ 0x80;
    expect(() => aeadOpen(key, nonce, sealed, aad)).toThrowError(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
    expect(aeadTryOpen(key, nonce, sealed, aad)).toBeNull();
    expect(aeadTryOpen(key, nonce, new Uint8Array(3), aad)).toBeNull();
  });
});

describe('seededRandom', () => {
  it('is the ChaCha20 keystream, independent of how it is consumed', () => {
    const seed = new Uint8Array(32).fill(7);
    const a = seededRandom(seed);
    const b = seededRandom(seed);
    const whole = a(200);
    const pieces = [b(1), b(63), b(64), b(5), b(67)];
    expect(toHex(Uint8Array.from(pieces.flatMap((p) => [...p])))).toBe(toHex(whole));
  });
});
