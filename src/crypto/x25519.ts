/** X25519 key agreement (RFC 7748). */
import { ZERO_32 } from '../constants.js';
import { fail } from '../errors.js';
import { equalBytes, toHex, type Bytes } from './bytes.js';
import { cryptoProvider } from './provider.js';
import type { RandomSource } from './random.js';

export const X25519_KEY_LENGTH = 32;

export interface X25519KeyPair {
  readonly publicKey: Bytes;
  readonly privateKey: Bytes;
}


export function generateX25519KeyPair(random: RandomSource): X25519KeyPair {
  const privateKey = random(X25519_KEY_LENGTH);
  return { privateKey, publicKey: cryptoProvider().x25519PublicKey(privateKey) };
}

export function x25519PublicKey(privateKey: Bytes): Bytes {
  checkLength(privateKey, 'privateKey');
  return cryptoProvider().x25519PublicKey(privateKey);
}

/**
 * True iff `u` (32 bytes, little-endian) is below p = 2^255 − 19: the one
 * encoding of its value, with the top bit clear. RFC 7748 would mask the top
 * bit and reduce mod p, giving up to three encodings of one public key; Parley
 * refuses the others (spec/protocol.md §2), as libsignal refuses
 * non-canonical base keys, so a key is one byte string everywhere.
 */
export function isCanonicalX25519(u: Bytes): boolean {
  if (u.length !== X25519_KEY_LENGTH) return false;
  const top = u[31] as number;
  if (top < 0x7f) return true;
  if (top > 0x7f) return false;
  for (let i = 30; i >= 1; i--) if (u[i] !== 0xff) return true;
  return (u[0] as number) < 0xed;
}

/**
 * The canonical u-coordinates of small order on the curve and its twist (the
 * list libsodium blocks, less its non-canonical p and p + 1): exactly the
 * public keys whose X25519 output is all zero for every clamped scalar.
 */
const LOW_ORDER_U = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

/**
 * True iff DH with the canonical key `u` would be all zero whatever the private
 * key: lets a caller refuse such a key before it draws one (spec/protocol.md §5.4).
 */
export function isLowOrderX25519(u: Bytes): boolean {
  return LOW_ORDER_U.includes(toHex(u));
}

/**
 * DH(privateKey, publicKey). Rejects a non-canonical public key and an
 * all-zero output (a low-order peer key), as RFC 7748 §6.1 allows and
 * Signal's specs require, with INVALID_KEY.
 */
export function x25519(privateKey: Bytes, publicKey: Bytes): Bytes {
  checkLength(privateKey, 'privateKey');
  checkLength(publicKey, 'publicKey');
  if (!isCanonicalX25519(publicKey)) fail('INVALID_KEY', 'X25519 public key is not canonical (u ≥ p)');
  const shared = cryptoProvider().x25519(privateKey, publicKey);
  if (equalBytes(shared, ZERO_32)) fail('INVALID_KEY', 'X25519 output is all zero (low-order public key)');
  return shared;
}

function checkLength(key: Bytes, field: string): void {
  if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_LENGTH) {
    fail('INVALID_KEY', `X25519 ${field} must be ${X25519_KEY_LENGTH} bytes`, { field, got: key?.length ?? -1 });
  }
}
