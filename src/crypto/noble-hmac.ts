/**
 * HMAC-SHA-256 and HKDF-SHA-256 on @noble, reusing keyed midstates through
 * noble's public API (`hmac.create`, `_cloneInto`, `hkdf.expand`): keying an
 * HMAC costs two SHA-256 compressions, as much as the MAC of a short message.
 *
 * - hmacSha256Each keys once for several messages under the same key (KDF_CK:
 *   HMAC(ck, 0x01), HMAC(ck, 0x02)).
 * - HKDF with the all-zero salt (RFC 5869's default, and the ratchet's ZERO_32)
 *   starts its extract from a keyed instance made once: the salt is a public
 *   constant, so its midstate is no secret.
 *
 * Outputs are those of `hmac(sha256, ...)` and `hkdf(sha256, ...)` byte for
 * byte. Instances keyed with secrets are wiped (`destroy`, which zeroes the
 * state and buffer) before returning. The scratch instance is safe to share
 * because every use is synchronous and ends in a digest, which wipes it.
 */
import { expand, hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Bytes } from './bytes.js';

const SHA256_BLOCK_LENGTH = 64;
const ZERO_SALT_HMAC = hmac.create(sha256, new Uint8Array(SHA256_BLOCK_LENGTH));
const scratch = hmac.create(sha256, new Uint8Array(0));

export function nobleHmacSha256(key: Bytes, data: Bytes): Bytes {
  return hmac(sha256, key, data);
}

/** HMAC(key, m) for every m, keying once. */
export function nobleHmacSha256Each(key: Bytes, messages: readonly Bytes[]): Bytes[] {
  const keyed = hmac.create(sha256, key);
  try {
    return messages.map((m) => keyed._cloneInto(scratch).update(m).digest());
  } finally {
    keyed.destroy();
    scratch.destroy();
  }
}

/**
 * True iff `salt` acts as the all-zero HMAC key: at most one block long and
 * all zeros (HMAC pads a short key with zeros, so "", ZERO_32 and 64 zero bytes are
 * the same key). Constant time in the contents: a salt may be a secret (the
 * root key in KDF_RK).
 */
function isZeroKey(salt: Bytes): boolean {
  if (salt.length > SHA256_BLOCK_LENGTH) return false;
  let acc = 0;
  for (let i = 0; i < salt.length; i++) acc |= salt[i] as number;
  return acc === 0;
}

export function nobleHkdfSha256(ikm: Bytes, salt: Bytes, info: Bytes, length: number): Bytes {
  if (!isZeroKey(salt)) return hkdf(sha256, ikm, salt, info, length);
  let prk: Bytes | undefined;
  try {
    prk = ZERO_SALT_HMAC._cloneInto(scratch).update(ikm).digest();
    return expand(sha256, prk, info, length);
  } finally {
    scratch.destroy();
    prk?.fill(0);
  }
}
