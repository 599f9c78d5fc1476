/** XChaCha20-Poly1305 through src/crypto (spec/protocol.md §2): the draft's vector, under both providers. */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { nobleProvider, useCryptoProvider, xaeadOpen, xaeadSeal, xaeadTryOpen } from '../../../src/crypto/index.js';
import { isProtocolError } from '../../../src/errors.js';
import { nodeCryptoProvider } from '../../../src/node/index.js';
import { fcParams } from '../../property/fc.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
// draft-irtf-cfrg-xchacha-03 §A.3.1
const KEY = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
const NONCE = hex('404142434445464748494a4b4c4d4e4f5051525354555657');
const AD = hex('50515253c0c1c2c3c4c5c6c7');
const PLAINTEXT = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
const SEALED = 'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216'
  + 'cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e'
  + 'c0875924c1c7987947deafd8780acf49';

describe('XChaCha20-Poly1305', () => {
  afterEach(() => useCryptoProvider(nobleProvider));

  for (const provider of [nobleProvider, nodeCryptoProvider]) {
    it(`reproduces the draft-irtf-cfrg-xchacha vector under the ${provider.name} provider`, () => {
      useCryptoProvider(provider);
      expect(Buffer.from(xaeadSeal(KEY, NONCE, PLAINTEXT, AD)).toString('hex')).toBe(SEALED);
      expect(xaeadOpen(KEY, NONCE, hex(SEALED), AD)).toEqual(PLAINTEXT);
    });
  }

  it('equals @noble\'s xchacha20poly1305 on arbitrary inputs under both providers', () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    fc.assert(fc.property(bytes(32), bytes(24), fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 80 }), (key, nonce, plaintext, ad) => {
      const expected = Buffer.from(xchacha20poly1305(key, nonce, ad).encrypt(plaintext)).toString('hex');
      return [nobleProvider, nodeCryptoProvider].every((provider) => {
        useCryptoProvider(provider);
        return Buffer.from(xaeadSeal(key, nonce, plaintext, ad)).toString('hex') === expected;
      });
    }), fcParams(100));
  });

  it('refuses a flipped bit, a wrong AD and a short input; checks key and nonce lengths', () => {
    const sealed = hex(SEALED);
    sealed[3] = (sealed[3] as number) ^ 1;
    expect(xaeadTryOpen(KEY, NONCE, sealed, AD)).toBeNull();
    expect(xaeadTryOpen(KEY, NONCE, hex(SEALED), new Uint8Array(0))).toBeNull();
    expect(xaeadTryOpen(KEY, NONCE, new Uint8Array(15), AD)).toBeNull();
    expect(() => xaeadOpen(KEY, NONCE, sealed, AD)).toThrow(/DECRYPT_FAILED/);
    for (const [key, nonce] of [[KEY.subarray(1), NONCE], [KEY, NONCE.subarray(0, 12)]] as const) {
      try { xaeadSeal(key, nonce, PLAINTEXT, AD); expect.unreachable(); } catch (e) { expect(isProtocolError(e, 'INVALID_KEY')).toBe(true); }
    }
  });
});
