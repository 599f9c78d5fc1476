/** Public prekey codecs (spec §4.3–§4.6): round trips, strict rejects, signature checks. */
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair, generateMlKemKeyPair, generateX25519KeyPair, sign } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { isProtocolError } from '../../../src/errors.js';
import {
  decodeKemPreKey, decodeOneTimePreKey, decodePreKeyBundle, decodeSignedPreKey, encodeKemPreKey, encodeMsgpack, encodeOneTimePreKey,
  encodePreKeyBundle, encodeSignedPreKey, kemPreKeySignaturePayload, signedPreKeySignaturePayload, verifyKemPreKey, verifySignedPreKey,
  type KemPreKeyPublic, type OneTimePreKeyPublic, type PreKeyBundle, type SignedPreKeyPublic,
} from '../../../src/wire/index.js';

const random = seededRandom(new Uint8Array(32).fill(7));
const identity = generateEd25519KeyPair(random);
const spkBase = { id: 1, createdAt: 1_700_000_000_000, publicKey: generateX25519KeyPair(random).publicKey };
const spk: SignedPreKeyPublic = { ...spkBase, signature: sign(identity.privateKey, signedPreKeySignaturePayload(identity.publicKey, spkBase)) };
const kemBase = { id: 0xffffffff, createdAt: 1_700_000_000_001, publicKey: generateMlKemKeyPair(random).publicKey, lastResort: true };
const kem: KemPreKeyPublic = { ...kemBase, signature: sign(identity.privateKey, kemPreKeySignaturePayload(identity.publicKey, kemBase)) };
const opk: OneTimePreKeyPublic = { id: 42, publicKey: generateX25519KeyPair(random).publicKey };
const bundle: PreKeyBundle = { identityKey: identity.publicKey, signedPreKey: spk, kemPreKey: kem, oneTimePreKey: opk };

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isProtocolError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe('prekey codecs', () => {
  it('round-trip every structure', () => {
    expect(decodeSignedPreKey(encodeSignedPreKey(spk))).toEqual(spk);
    expect(decodeKemPreKey(encodeKemPreKey(kem))).toEqual(kem);
    expect(decodeOneTimePreKey(encodeOneTimePreKey(opk))).toEqual(opk);
    expect(decodePreKeyBundle(encodePreKeyBundle(bundle))).toEqual(bundle);
    const { oneTimePreKey: _, ...withoutOpk } = bundle;
    const decoded = decodePreKeyBundle(encodePreKeyBundle(withoutOpk));
    expect(decoded).toEqual(withoutOpk);
    expect('oneTimePreKey' in decoded).toBe(false);
  });

  it('emits keys in spec order', () => {
    expect(encodeOneTimePreKey(opk)).toEqual(encodeMsgpack({ v: 1, id: 42, publicKey: opk.publicKey }));
  });

  it('rejects wrong lengths, types, fields and versions', () => {
    expect(code(() => decodeSignedPreKey(encodeMsgpack({ v: 1, id: 1, createdAt: 1, publicKey: new Uint8Array(31), signature: new Uint8Array(64) })))).toBe('MALFORMED');
    expect(code(() => decodeSignedPreKey(encodeMsgpack({ v: 1, id: 2 ** 32, createdAt: 1, publicKey: new Uint8Array(32), signature: new Uint8Array(64) })))).toBe('MALFORMED');
    expect(code(() => decodeSignedPreKey(encodeMsgpack({ v: 2, id: 1, createdAt: 1, publicKey: new Uint8Array(32), signature: new Uint8Array(64) })))).toBe('UNSUPPORTED_VERSION');
    expect(code(() => decodeOneTimePreKey(encodeMsgpack({ v: 1, id: 1, publicKey: new Uint8Array(32), x: 1 })))).toBe('MALFORMED');
    expect(code(() => decodeOneTimePreKey(encodeMsgpack({ v: 1, id: 1.5, publicKey: new Uint8Array(32) })))).toBe('MALFORMED');
    expect(code(() => decodeKemPreKey(encodeMsgpack({ ...kem, v: 1, lastResort: 1 })))).toBe('MALFORMED');
    expect(code(() => decodeKemPreKey(encodeOneTimePreKey(opk)))).toBe('MALFORMED');
    expect(code(() => decodePreKeyBundle(encodeMsgpack({ v: 1, identityKey: identity.publicKey, signedPreKey: encodeSignedPreKey(spk), kemPreKey: kem })))).toBe('MALFORMED');
    expect(code(() => decodePreKeyBundle(new Uint8Array(9000)))).toBe('OVERSIZE');
    const good = encodePreKeyBundle(bundle);
    expect(code(() => decodePreKeyBundle(good.subarray(0, good.length - 1)))).toBe('MALFORMED');
    expect(code(() => decodePreKeyBundle(Uint8Array.of(...good, 0)))).toBe('MALFORMED');
  });
});

describe('prekey signatures', () => {
  it('verify for the signing identity only', () => {
    expect(verifySignedPreKey(identity.publicKey, spk)).toBe(true);
    expect(verifyKemPreKey(identity.publicKey, kem)).toBe(true);
    const other = generateEd25519KeyPair(random).publicKey;
    expect(verifySignedPreKey(other, spk)).toBe(false);
    expect(verifyKemPreKey(other, kem)).toBe(false);
  });

  it('bind id, createdAt, key and lastResort', () => {
    expect(verifySignedPreKey(identity.publicKey, { ...spk, id: 2 })).toBe(false);
    expect(verifySignedPreKey(identity.publicKey, { ...spk, createdAt: spk.createdAt + 1 })).toBe(false);
    expect(verifySignedPreKey(identity.publicKey, { ...spk, publicKey: opk.publicKey })).toBe(false);
    expect(verifyKemPreKey(identity.publicKey, { ...kem, lastResort: false })).toBe(false);
    expect(verifyKemPreKey(identity.publicKey, { ...kem, id: 0 })).toBe(false);
  });

  it('never throw on garbage', () => {
    expect(verifySignedPreKey(new Uint8Array(3), spk)).toBe(false);
    expect(verifySignedPreKey(identity.publicKey, { ...spk, id: -1 })).toBe(false);
    expect(verifyKemPreKey(identity.publicKey, { ...kem, publicKey: new Uint8Array(5) })).toBe(false);
    expect(verifyKemPreKey(identity.publicKey, { ...kem, signature: new Uint8Array(0) })).toBe(false);
  });
});
