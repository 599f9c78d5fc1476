/**
 * The crypto provider seam.
 *
 * A provider is a table of pure functions over bytes. The default is backed by
 * @noble (pure TypeScript, runs everywhere); src/node/ offers one backed by
 * node:crypto for speed. Every provider MUST give byte-identical results for
 * identical inputs (test/property/provider-equivalence.test.ts checks it), so
 * choosing one changes speed, never behaviour — which is why a process-wide
 * choice is acceptable here where other global state is not.
 *
 * Providers never see randomness: key generation takes seeds drawn from the
 * caller's RandomSource, so vectors replay under any provider.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { Bytes } from './bytes.js';
import type { Sha256Hasher } from './hash-stream.js';
import { nobleHkdfSha256, nobleHmacSha256, nobleHmacSha256Each } from './noble-hmac.js';

export interface CryptoProvider {
  readonly name: string;
  /** X25519 (RFC 7748) public key of a 32-byte private scalar. */
  x25519PublicKey(privateKey: Bytes): Bytes;
  /** Raw X25519 output; the facade rejects an all-zero result. */
  x25519(privateKey: Bytes, publicKey: Bytes): Bytes;
  /** Ed25519 (RFC 8032) public key of a 32-byte seed. */
  ed25519PublicKey(seed: Bytes): Bytes;
  ed25519Sign(seed: Bytes, message: Bytes): Bytes;
  /** Strict RFC 8032 verification (canonical encodings only). Never throws. */
  ed25519Verify(publicKey: Bytes, message: Bytes, signature: Bytes): boolean;
  /** ChaCha20-Poly1305 (RFC 8439): returns ciphertext ‖ 16-byte tag. */
  aeadSeal(key: Bytes, nonce: Bytes, plaintext: Bytes, associatedData: Bytes): Bytes;
  /** Returns the plaintext, or null when the tag does not verify. Never throws on bad input. */
  aeadOpen(key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes | null;
  hmacSha256(key: Bytes, data: Bytes): Bytes;
  /**
   * HMAC-SHA-256(key, m) for each m, in order: what hmacSha256 gives for
   * each. Optional: a provider without it gets hmacSha256 per message.
   */
  hmacSha256Each?(key: Bytes, messages: readonly Bytes[]): Bytes[];
  hkdfSha256(ikm: Bytes, salt: Bytes, info: Bytes, length: number): Bytes;
  sha256(data: Bytes): Bytes;
  /**
   * An incremental SHA-256: the digest of the concatenation of every update,
   * equal to sha256 of those bytes. Optional: without it the facade uses noble's.
   */
  sha256Hasher?(): Sha256Hasher;
  sha512(data: Bytes): Bytes;
}

export const nobleProvider: CryptoProvider = {
  name: 'noble',
  x25519PublicKey: (privateKey) => x25519.getPublicKey(privateKey),
  x25519: (privateKey, publicKey) => {
    try {
      return x25519.getSharedSecret(privateKey, publicKey);
    } catch {
      // noble refuses low-order points; report it as the all-zero output it stands for.
      return new Uint8Array(32);
    }
  },
  ed25519PublicKey: (seed) => ed25519.getPublicKey(seed),
  ed25519Sign: (seed, message) => ed25519.sign(message, seed),
  ed25519Verify: (publicKey, message, signature) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  aeadSeal: (key, nonce, plaintext, associatedData) =>
    chacha20poly1305(key, nonce, associatedData).encrypt(plaintext),
  aeadOpen: (key, nonce, sealed, associatedData) => {
    try {
      return chacha20poly1305(key, nonce, associatedData).decrypt(sealed);
    } catch {
      return null;
    }
  },
  hmacSha256: nobleHmacSha256,
  hmacSha256Each: nobleHmacSha256Each,
  hkdfSha256: nobleHkdfSha256,
  sha256: (data) => sha256(data),
  sha256Hasher: () => {
    const h = sha256.create();
    return { update: (data) => { h.update(data); }, digest: () => h.digest() };
  },
  sha512: (data) => sha512(data),
};

let active: CryptoProvider = nobleProvider;

/** Installs a provider for the whole process (see the module comment for why this is safe). */
export function useCryptoProvider(provider: CryptoProvider): void {
  active = provider;
}

export function cryptoProvider(): CryptoProvider {
  return active;
}
