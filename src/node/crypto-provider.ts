/**
 * A CryptoProvider backed by node:crypto (OpenSSL), for speed on Node.
 *
 * Install it once with `useCryptoProvider(nodeCryptoProvider)`. It must be
 * byte-identical to nobleProvider on every input (including the rejections),
 * which test/property/provider-equivalence.test.ts checks; so it only takes
 * the fast path where the measured speed-up is real and the semantics are
 * provably the same, and hands every other input to nobleProvider:
 *
 * - X25519, Ed25519 sign/verify/public keys, ChaCha20-Poly1305, HMAC, HKDF,
 *   SHA-512 and SHA-256 from 64 bytes measured faster in node:crypto on
 *   Node 20; SHA-256 of short inputs did not, so that stays noble's
 *   (bench/provider.ts measures each; bench/RESULTS.md records the figures).
 *   HKDF: hkdfSync builds a KeyObject per call, yet a whole 1:1 message
 *   (five HKDFs, salts of 32–80 bytes) costs ~10 % less CPU with it than with
 *   noble's, measured interleaved in one process through the client.
 * - Inputs outside the fast path's domain (wrong lengths) go to
 *   nobleProvider, so errors and rejections match too.
 * - Raw keys are imported as JWK (12x faster than PKCS#8 DER import here);
 *   an imported private key is reused while the caller's array is unchanged,
 *   an imported public key while its bytes are among the last
 *   PUBLIC_KEY_CACHE_SIZE used (public bytes: a contact's key hits whatever
 *   array carries it).
 *   An X25519 public key is read from the imported private key's JWK export
 *   (OpenSSL derived it at import). An earlier Node 20.20 run deadlocked on
 *   JWK exports of public keys in a hot loop, so public keys were computed
 *   as X25519(k, 9); 400,000 private and 400,000 public JWK exports on Node
 *   20.20.2 ran clean (Dec 2026); provider-equivalence's hot-loop test keeps
 *   watch. (The export also returns `d` as a string, as the import already
 *   built one: no new kind of copy of the private key.)
 *   An Ed25519 public key is sliced from its SPKI DER export.
 * - Ed25519 verification: OpenSSL checks the cofactorless equation and decodes
 *   A leniently; noble (zip215: false) checks the cofactored one and rejects
 *   non-canonical and small-order A. A cheap pre-check rejects what noble
 *   rejects about A (non-canonical y, a small-order y), after which OpenSSL's
 *   accept implies noble's; an OpenSSL reject is confirmed by noble (it can
 *   differ only for crafted signatures with a small-order component), so the
 *   accept sets are equal and the common (valid) case costs one OpenSSL verify.
 */
import {
  createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman,
  hkdfSync, sign as nodeSign, verify as nodeVerify, type KeyObject,
} from 'node:crypto';
import { nobleProvider, type Bytes, type CryptoProvider } from '../crypto/index.js';

const KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** Shorter SHA-256 inputs stay with noble (faster there). */
const NODE_SHA256_MIN_LENGTH = 64;
/** The length of the SPKI DER prefix in front of a raw 32-byte Ed25519/X25519 public key. */
const SPKI_PREFIX_LENGTH = 12;
/** JWK requires an `x` on private keys but node derives the public key from `d` and ignores it. */
const JWK_PLACEHOLDER_X = 'A'.repeat(43);

function b64url(bytes: Bytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** A plain Uint8Array copy (node returns Buffers, often views of a shared pool). */
function own(buffer: Uint8Array): Bytes {
  return new Uint8Array(buffer);
}

interface CachedKey {
  readonly crv: 'X25519' | 'Ed25519';
  readonly fingerprint: Buffer;
  readonly key: KeyObject;
}

/**
 * Imported private keys by the identity of the caller's array. Importing costs
 * as much as a scalar multiplication (OpenSSL derives the public key), and the
 * same array is used again and again (a ratchet key pair: its public key, then
 * one or two DHs; an identity or signed prekey: every handshake). A hit also
 * requires the SHA-256 of the bytes to match, so an array wiped or rewritten
 * since never hits. Entries die with the array (WeakMap).
 */
const importedKeys = new WeakMap<Bytes, CachedKey>();

function privateKey(crv: 'X25519' | 'Ed25519', d: Bytes): KeyObject {
  const fingerprint = createHash('sha256').update(d).digest();
  const cached = importedKeys.get(d);
  if (cached !== undefined && cached.crv === crv && cached.fingerprint.equals(fingerprint)) return cached.key;
  const key = createPrivateKey({ key: { kty: 'OKP', crv, d: b64url(d), x: JWK_PLACEHOLDER_X }, format: 'jwk' });
  importedKeys.set(d, { crv, fingerprint, key });
  return key;
}

/** How many imported public keys are kept: a device's contacts, its peers' current ratchet keys, and the base point. */
const PUBLIC_KEY_CACHE_SIZE = 1024;

/**
 * Imported public keys by curve and bytes, least recently used first. Sealing
 * to a contact imports the contact's X25519 form (a fresh array each time)
 * and a sender's signing key verifies every group message; both hit here.
 * Public bytes only, so keeping them costs nothing in secrecy.
 */
const importedPublicKeys = new Map<string, KeyObject>();

function publicKey(crv: 'X25519' | 'Ed25519', x: Bytes): KeyObject {
  const id = crv + Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');
  const cached = importedPublicKeys.get(id);
  if (cached !== undefined) {
    importedPublicKeys.delete(id);
    importedPublicKeys.set(id, cached); // most recently used last
    return cached;
  }
  const key = createPublicKey({ key: { kty: 'OKP', crv, x: b64url(x) }, format: 'jwk' });
  if (importedPublicKeys.size >= PUBLIC_KEY_CACHE_SIZE) importedPublicKeys.delete(importedPublicKeys.keys().next().value as string);
  importedPublicKeys.set(id, key);
  return key;
}

/**
 * OpenSSL derives the public key when it imports a private one (a fixed-base
 * multiplication); the private JWK export hands it back, half the cost of the
 * X25519(k, 9) ladder this replaced (~5 % of a 1:1 message's client CPU).
 */
function x25519PublicKey(k: Bytes): Bytes {
  if (k.length !== KEY_LENGTH) return nobleProvider.x25519PublicKey(k);
  const { x } = privateKey('X25519', k).export({ format: 'jwk' }) as { x: string };
  return own(Buffer.from(x, 'base64url'));
}

function x25519(k: Bytes, u: Bytes): Bytes {
  if (k.length !== KEY_LENGTH || u.length !== KEY_LENGTH) return nobleProvider.x25519(k, u);
  try {
    return own(diffieHellman({ privateKey: privateKey('X25519', k), publicKey: publicKey('X25519', u) }));
  } catch {
    // OpenSSL refuses an all-zero result (a low-order u); noble's answer is the reference.
    return nobleProvider.x25519(k, u);
  }
}

function ed25519PublicKey(seed: Bytes): Bytes {
  if (seed.length !== KEY_LENGTH) return nobleProvider.ed25519PublicKey(seed);
  const der = createPublicKey(privateKey('Ed25519', seed)).export({ type: 'spki', format: 'der' });
  return own(der.subarray(SPKI_PREFIX_LENGTH));
}

function ed25519Sign(seed: Bytes, message: Bytes): Bytes {
  if (seed.length !== KEY_LENGTH) return nobleProvider.ed25519Sign(seed, message);
  return own(nodeSign(null, message, privateKey('Ed25519', seed)));
}

/**
 * The y coordinates (sign bit cleared) of the eight points of small order on
 * edwards25519: 1 (identity), p-1 (order 2), 0 (order 4), and the two of order 8.
 */
const SMALL_ORDER_Y = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map((hex) => Buffer.from(hex, 'hex'));

/** True iff the encoding has y < p = 2^255 - 19 and y is not that of a small-order point. */
function isAcceptableEd25519PublicKey(a: Bytes): boolean {
  const y = Buffer.from(a);
  y[31] = (y[31] as number) & 0x7f;
  if ((y[0] as number) >= 0xed && y[31] === 0x7f && y.subarray(1, 31).every((b) => b === 0xff)) return false;
  return !SMALL_ORDER_Y.some((s) => s.equals(y));
}

function ed25519Verify(a: Bytes, message: Bytes, signature: Bytes): boolean {
  if (a.length !== KEY_LENGTH || signature.length !== SIGNATURE_LENGTH) {
    return nobleProvider.ed25519Verify(a, message, signature);
  }
  if (!isAcceptableEd25519PublicKey(a)) return false;
  let accepted = false;
  try {
    accepted = nodeVerify(null, message, publicKey('Ed25519', a), signature);
  } catch {
    accepted = false;
  }
  return accepted || nobleProvider.ed25519Verify(a, message, signature);
}

function aeadSeal(key: Bytes, nonce: Bytes, plaintext: Bytes, associatedData: Bytes): Bytes {
  if (key.length !== KEY_LENGTH || nonce.length !== NONCE_LENGTH) {
    return nobleProvider.aeadSeal(key, nonce, plaintext, associatedData);
  }
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(associatedData, { plaintextLength: plaintext.length });
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  const out = new Uint8Array(body.length + tail.length + TAG_LENGTH);
  out.set(body, 0);
  out.set(tail, body.length);
  out.set(cipher.getAuthTag(), body.length + tail.length);
  return out;
}

function aeadOpen(key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes | null {
  if (key.length !== KEY_LENGTH || nonce.length !== NONCE_LENGTH || sealed.length < TAG_LENGTH) {
    return nobleProvider.aeadOpen(key, nonce, sealed, associatedData);
  }
  const bodyLength = sealed.length - TAG_LENGTH;
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(sealed.subarray(bodyLength));
    decipher.setAAD(associatedData, { plaintextLength: bodyLength });
    const body = decipher.update(sealed.subarray(0, bodyLength));
    const tail = decipher.final(); // throws when the tag does not verify
    const out = new Uint8Array(body.length + tail.length);
    out.set(body, 0);
    out.set(tail, body.length);
    return out;
  } catch {
    return null;
  }
}

/** RFC 5869's bound on L (255 · HashLen) and node's on info; outside them (and for L < 1) noble answers, rejections included. */
const HKDF_MAX_LENGTH = 255 * 32;
const HKDF_MAX_INFO_LENGTH = 1024;

function hkdfSha256(ikm: Bytes, salt: Bytes, info: Bytes, length: number): Bytes {
  if (!Number.isInteger(length) || length < 1 || length > HKDF_MAX_LENGTH || info.length > HKDF_MAX_INFO_LENGTH) {
    return nobleProvider.hkdfSha256(ikm, salt, info, length);
  }
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

export const nodeCryptoProvider: CryptoProvider = {
  name: 'node',
  x25519PublicKey,
  x25519,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  aeadSeal,
  aeadOpen,
  hmacSha256: (key, data) => own(createHmac('sha256', key).update(data).digest()),
  hkdfSha256,
  // node's per-call overhead loses to noble below one SHA-256 block (measured crossover: 32–64 bytes).
  sha256: (data) => (data.length < NODE_SHA256_MIN_LENGTH ? nobleProvider.sha256(data) : own(createHash('sha256').update(data).digest())),
  sha256Hasher: () => {
    const h = createHash('sha256');
    return { update: (data) => { h.update(data); }, digest: () => own(h.digest()) };
  },
  sha512: (data) => own(createHash('sha512').update(data).digest()),
};
