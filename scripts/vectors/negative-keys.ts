/**
 * spec/vectors/negative-keys.json: keys and signatures on hostile input
 * (format: spec/test-vectors.md §Negative vectors). VERIFY edge cases
 * (protocol.md §2: non-canonical R and A, small-order and mixed-order points,
 * S ≥ L), identity keys (§4.1: canonical, prime-order subgroup), X25519 public
 * keys (§2: canonical u, all-zero output) and the FIPS 203 encapsulation-key
 * check. Adversarial points are built with plain bigint arithmetic
 * (test/property/ed25519-points.ts), since the library cannot make them.
 */
import {
  ed25519PublicKey, ed25519PublicToX25519, fromHex, generateMlKemKeyPair, sign, utf8, x25519, x25519PublicKey, type Bytes,
} from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import {
  addPoints, bigintToLe, challenge, decodePoint, encodePoint, L, mod, P, secretScalar,
} from '../../test/property/ed25519-points.js';
import { hex, LOW_ORDER_U, mixedOrder, offCurve, ORDER_8_ENCODING, type Expected } from './_negative.js';

export const SEED = new Uint8Array(32).fill(0x4b); // 'K'

const withSign = (e: Bytes): Bytes => Uint8Array.from(e, (b, i) => (i === 31 ? b | 0x80 : b));
const concat = (a: Bytes, b: Bytes): Bytes => Uint8Array.from([...a, ...b]);

/** The eight points of order dividing 8, canonically encoded (x = 0 points have one encoding). */
const SMALL_ORDER: Record<string, string> = {
  'identity (order 1)': '0100000000000000000000000000000000000000000000000000000000000000',
  'order 2': 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'order 4': '0000000000000000000000000000000000000000000000000000000000000000',
  'order 4, other sign': '0000000000000000000000000000000000000000000000000000000000000080',
  'order 8': ORDER_8_ENCODING,
  'order 8, other sign': '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'order 8, second': 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'order 8, second, other sign': 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
};
const IDENTITY_NON_CANONICAL = bigintToLe(P + 1n); // y = p + 1 ≡ 1: the identity point, y not reduced

interface VerifyCase { name: string; publicKey: string; message: string; signature: string; expected: Expected }

function verifyCases(aSeed: Bytes, rSeed: Bytes): VerifyCase[] {
  const message = utf8('Parley negative VERIFY vector');
  const a = secretScalar(aSeed);
  const r = secretScalar(rSeed);
  const A = ed25519PublicKey(aSeed);
  const R = ed25519PublicKey(rSeed);
  /** S = r + k·a with k = H(R ‖ A ‖ m) over the given encodings. */
  const sigFor = (rBytes: Bytes, aBytes: Bytes, rScalar = r, aScalar = a): Bytes =>
    concat(rBytes, bigintToLe(mod(rScalar + challenge(rBytes, aBytes, message) * aScalar, L)));
  const honest = sign(aSeed, message);
  const sOf = (sig: Bytes): bigint => BigInt(`0x${hex(sig.slice(32).reverse())}`);
  const mixedA = mixedOrder(A);
  const mixedR = mixedOrder(R);
  const c = (name: string, publicKey: Bytes, signature: Bytes, expected: Expected, m = message): VerifyCase =>
    ({ name, publicKey: hex(publicKey), message: hex(m), signature: hex(signature), expected });
  const smallA = fromHex(SMALL_ORDER['order 8']!);
  return [
    c('valid signature', A, honest, 'ok'),
    c('valid signature, other message', A, honest, 'BAD_SIGNATURE', utf8('Parley negative VERIFY vector.')),
    c('S + L (S not reduced)', A, concat(honest.slice(0, 32), bigintToLe(sOf(honest) + L)), 'BAD_SIGNATURE'),
    c('S = L', A, concat(honest.slice(0, 32), bigintToLe(L)), 'BAD_SIGNATURE'),
    c('small-order A (order 8), S = 0, R = identity: holds for any message', smallA, concat(fromHex(SMALL_ORDER['identity (order 1)']!), new Uint8Array(32)), 'BAD_SIGNATURE'),
    c('small-order A (order 8), R = A, S = 0', smallA, concat(smallA, new Uint8Array(32)), 'BAD_SIGNATURE'),
    c('A = identity point, S = r, R = [r]B', fromHex(SMALL_ORDER['identity (order 1)']!), concat(R, bigintToLe(r)), 'BAD_SIGNATURE'),
    c('non-canonical A (y = p + 1), S = r, R = [r]B', IDENTITY_NON_CANONICAL, concat(R, bigintToLe(r)), 'BAD_SIGNATURE'),
    c('non-canonical R (the identity as y = p + 1), S = k·a', A, sigFor(IDENTITY_NON_CANONICAL, A, 0n), 'BAD_SIGNATURE'),
    c('R with x = 0 and the sign bit set, S = k·a', A, sigFor(withSign(fromHex(SMALL_ORDER['identity (order 1)']!)), A, 0n), 'BAD_SIGNATURE'),
    c('mixed-order A (A + T8): the cofactored equation holds', mixedA, sigFor(R, mixedA), 'ok'),
    c('mixed-order R (R + T8): the cofactored equation holds', A, sigFor(mixedR, A), 'ok'),
    c('A not on the curve', offCurve(), honest, 'BAD_SIGNATURE'),
    c('signature of 63 bytes', A, honest.slice(0, 63), 'BAD_SIGNATURE'),
  ];
}

interface IdentityCase { name: string; identityKey: string; expected: Expected; dhPublicKey: string | null }

function identityCases(seed: Bytes): IdentityCase[] {
  const A = ed25519PublicKey(seed);
  const point = decodePoint(A);
  const negated = encodePoint({ x: mod(-point.x), y: point.y });
  const order2 = decodePoint(fromHex(SMALL_ORDER['order 2']!));
  const c = (name: string, key: Bytes, expected: Expected): IdentityCase =>
    ({ name, identityKey: hex(key), expected, dhPublicKey: expected === 'ok' ? hex(ed25519PublicToX25519(key)) : null });
  return [
    c('honest identity key', A, 'ok'),
    c('its negation −A (same X25519 key; see protocol.md §4.1)', negated, 'ok'),
    c('A + T8 (mixed order)', mixedOrder(A), 'INVALID_KEY'),
    c('A + T2 (mixed order, order-2 component)', encodePoint(addPoints(point, order2)), 'INVALID_KEY'),
    ...Object.entries(SMALL_ORDER).map(([name, h]) => c(`small order: ${name}`, fromHex(h), 'INVALID_KEY')),
    c('identity point with the sign bit set (x = 0)', withSign(fromHex(SMALL_ORDER['identity (order 1)']!)), 'INVALID_KEY'),
    c('order-2 point with the sign bit set (x = 0)', withSign(fromHex(SMALL_ORDER['order 2']!)), 'INVALID_KEY'),
    c('non-canonical y = p + 1', IDENTITY_NON_CANONICAL, 'INVALID_KEY'),
    c('non-canonical y = p (the order-4 point, y = 0)', bigintToLe(P), 'INVALID_KEY'),
    c('not on the curve', offCurve(), 'INVALID_KEY'),
  ];
}

interface X25519Case { name: string; privateKey: string; publicKey: string; expected: Expected; sharedSecret: string | null }

function x25519Cases(privateKey: Bytes, peerPrivate: Bytes): X25519Case[] {
  const honest = x25519PublicKey(peerPrivate);
  const u = (n: bigint): Bytes => bigintToLe(n);
  const c = (name: string, publicKey: Bytes, expected: Expected): X25519Case => ({
    name, privateKey: hex(privateKey), publicKey: hex(publicKey), expected,
    sharedSecret: expected === 'ok' ? hex(x25519(privateKey, publicKey)) : null,
  });
  return [
    c('honest public key', honest, 'ok'),
    c('honest public key with bit 255 set', withSign(honest), 'INVALID_KEY'),
    c('u = 9 + p (non-canonical base point)', u(9n + P), 'INVALID_KEY'),
    c('u = p (non-canonical 0)', u(P), 'INVALID_KEY'),
    c('u = 2^255 − 1', u(2n ** 255n - 1n), 'INVALID_KEY'),
    c('u = 0: all-zero output', u(0n), 'INVALID_KEY'),
    c('u = 1: all-zero output', u(1n), 'INVALID_KEY'),
    c('u = p − 1 (order 2): all-zero output', u(P - 1n), 'INVALID_KEY'),
    c('order-8 u: all-zero output', LOW_ORDER_U, 'INVALID_KEY'),
    c('second order-8 u: all-zero output', fromHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'), 'INVALID_KEY'),
    c('31 bytes', honest.slice(0, 31), 'INVALID_KEY'),
  ];
}

interface KemCase { name: string; encapsulationKey: string; expected: Expected }

/** Sets the 12-bit coefficient `index` of ByteEncode12(t̂) (FIPS 203 §4.2.1) to `value`. */
function setCoefficient(key: Bytes, index: number, value: number): Bytes {
  const out = key.slice();
  const at = Math.floor(index / 2) * 3;
  if (index % 2 === 0) {
    out[at] = value & 0xff;
    out[at + 1] = ((out[at + 1] as number) & 0xf0) | (value >> 8);
  } else {
    out[at + 1] = ((out[at + 1] as number) & 0x0f) | ((value & 0x0f) << 4);
    out[at + 2] = value >> 4;
  }
  return out;
}

function kemCases(random: (n: number) => Bytes): KemCase[] {
  const { publicKey } = generateMlKemKeyPair(random);
  const last = 4 * 256 - 1; // ML-KEM-1024: k = 4 polynomials of 256 coefficients, then ρ (32 bytes)
  const c = (name: string, key: Bytes, expected: Expected): KemCase => ({ name, encapsulationKey: hex(key), expected });
  return [
    c('honest encapsulation key', publicKey, 'ok'),
    c('first coefficient = q (3329)', setCoefficient(publicKey, 0, 3329), 'INVALID_KEY'),
    c('last coefficient = 4095', setCoefficient(publicKey, last, 4095), 'INVALID_KEY'),
    c('one byte short', publicKey.slice(0, publicKey.length - 1), 'INVALID_KEY'),
  ];
}

export default function negativeKeys(): unknown {
  // Drawn in order: signer seed (32), nonce seed R (32), identity seed (32), X25519 private (32), peer private (32), ML-KEM d‖z (64).
  const random = seededRandom(SEED);
  const [signer, nonce, identity, own, peer] = [random(32), random(32), random(32), random(32), random(32)] as Bytes[];
  return {
    parameters: { seed: hex(SEED), signerSeed: hex(signer!), nonceSeed: hex(nonce!), identitySeed: hex(identity!) },
    verify: verifyCases(signer!, nonce!),
    identityKeys: identityCases(identity!),
    x25519: x25519Cases(own!, peer!),
    kemEncapsulationKeys: kemCases(random),
  };
}
