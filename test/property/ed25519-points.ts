/**
 * Minimal edwards25519 arithmetic over bigint, for building ADVERSARIAL test
 * inputs only (mixed-order keys and signatures that an honest signer never
 * produces and the facade deliberately cannot). Never used by the library.
 * Formulas: RFC 8032 §5.1.3 (decoding) and §5.1.4 (affine addition, a = -1).
 */
import { sha512 } from '../../src/crypto/index.js';

export const P = 2n ** 255n - 19n;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const D = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

export interface Point { readonly x: bigint; readonly y: bigint }

export function mod(a: bigint, m: bigint = P): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function pow(b: bigint, e: bigint): bigint {
  let result = 1n;
  let base = mod(b);
  let exp = e;
  while (exp > 0n) {
    if (exp & 1n) result = mod(result * base);
    base = mod(base * base);
    exp >>= 1n;
  }
  return result;
}

function inv(a: bigint): bigint {
  return pow(a, P - 2n);
}

export function leToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

export function bigintToLe(n: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  let v = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function decodePoint(bytes: Uint8Array): Point {
  const sign = ((bytes[31] as number) >> 7) & 1;
  const copy = Uint8Array.from(bytes);
  copy[31] = (copy[31] as number) & 0x7f;
  const y = leToBigint(copy);
  if (y >= P) throw new Error('non-canonical y');
  const x2 = mod((y * y - 1n) * inv(D * y * y + 1n));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x) !== x2) x = mod(x * SQRT_M1);
  if (mod(x * x) !== x2) throw new Error('not on the curve');
  if (Number(x & 1n) !== sign) x = mod(-x);
  return { x, y };
}

export function encodePoint(p: Point): Uint8Array {
  const out = bigintToLe(p.y);
  out[31] = (out[31] as number) | (Number(p.x & 1n) << 7);
  return out;
}

export function addPoints(a: Point, b: Point): Point {
  const t = mod(D * a.x * b.x * a.y * b.y);
  return {
    x: mod((a.x * b.y + a.y * b.x) * inv(1n + t)),
    y: mod((a.y * b.y + a.x * b.x) * inv(1n - t)),
  };
}

/** The RFC 8032 §5.1.5 secret scalar of a seed (clamped first half of SHA-512), reduced mod L. */
export function secretScalar(seed: Uint8Array): bigint {
  const h = sha512(seed).slice(0, 32);
  h[0] = (h[0] as number) & 248;
  h[31] = ((h[31] as number) & 127) | 64;
  return mod(leToBigint(h), L);
}

/** The RFC 8032 challenge k = SHA-512(R ‖ A ‖ M) mod L. */
export function challenge(r: Uint8Array, a: Uint8Array, message: Uint8Array): bigint {
  const input = new Uint8Array(64 + message.length);
  input.set(r, 0);
  input.set(a, 32);
  input.set(message, 64);
  return mod(leToBigint(sha512(input)), L);
}
