/** Hashes and key derivation: SHA-256/512, HMAC-SHA-256 (RFC 2104), HKDF-SHA-256 (RFC 5869). */
import type { Bytes } from './bytes.js';
import { cryptoProvider } from './provider.js';

export const HASH_LENGTH = 32;

export function sha256(data: Bytes): Bytes {
  return cryptoProvider().sha256(data);
}

export function sha512(data: Bytes): Bytes {
  return cryptoProvider().sha512(data);
}

export function hmacSha256(key: Bytes, data: Bytes): Bytes {
  return cryptoProvider().hmacSha256(key, data);
}

/** HMAC-SHA-256(key, m) for each m, in order (one keying for all: cheaper than hmacSha256 per message). */
export function hmacSha256Each(key: Bytes, messages: readonly Bytes[]): Bytes[] {
  const provider = cryptoProvider();
  if (provider.hmacSha256Each !== undefined) return provider.hmacSha256Each(key, messages);
  return messages.map((m) => provider.hmacSha256(key, m));
}

/** HKDF-SHA-256 with an explicit salt (an empty salt means HashLen zero bytes, per RFC 5869). */
export function hkdf(ikm: Bytes, salt: Bytes, info: Bytes, length: number): Bytes {
  return cryptoProvider().hkdfSha256(ikm, salt, info, length);
}

/** Splits `bytes` into consecutive pieces of the given lengths (for KDF outputs). */
export function split(bytes: Bytes, ...lengths: number[]): Bytes[] {
  const out: Bytes[] = [];
  let offset = 0;
  for (const n of lengths) {
    out.push(bytes.slice(offset, offset + n));
    offset += n;
  }
  return out;
}
