/** Private prekey state (spec §4.6, §4.7): issuing, rotation, consumption, strict serialization. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/testing/index.js';
import { isProtocolError } from '../../../src/errors.js';
import { MAX_ONE_TIME_PREKEYS, SIGNED_PREKEY_GRACE_PERIOD } from '../../../src/constants.js';
import {
  addKemPreKeys, addOneTimePreKeys, consumePreKeys, createPreKeyState, decodeIdentityKeyPair, decodePreKeyState, encodeIdentityKeyPair,
  encodePreKeyState, findKemPreKey, findOneTimePreKey, findSignedPreKey, generateIdentityKeyPair, identityDhPrivateKey, identityDhPublicKey,
  preKeyUpload, pruneRetiredPreKeys, rotateSignedPreKey,
} from '../../../src/identity/index.js';
import { encodeMsgpack, verifyKemPreKey, verifySignedPreKey } from '../../../src/wire/index.js';
import { x25519PublicKey } from '../../../src/crypto/index.js';

const NOW = 1_700_000_000_000;
const random = seededRandom(new Uint8Array(32).fill(3));
const identity = generateIdentityKeyPair(random);
const state = createPreKeyState({ identity, now: NOW, random, oneTimePreKeys: 3, kemPreKeys: 2 });

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isProtocolError(e)) return e.code;
    throw e;
  }
  return 'none';
}

describe('identity keys', () => {
  it('have consistent X25519 forms and a strict codec', () => {
    expect(x25519PublicKey(identityDhPrivateKey(identity))).toEqual(identityDhPublicKey(identity.publicKey));
    expect(decodeIdentityKeyPair(encodeIdentityKeyPair(identity))).toEqual(identity);
    const other = generateIdentityKeyPair(random);
    expect(codeOf(() => decodeIdentityKeyPair(encodeMsgpack([1, 'identity', { publicKey: other.publicKey, privateKey: identity.privateKey }])))).toBe('INVALID_STATE');
    expect(codeOf(() => decodeIdentityKeyPair(encodeMsgpack([2, 'identity', {}])))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeIdentityKeyPair(encodeMsgpack([1, 'prekeys', {}])))).toBe('INVALID_STATE');
  });
});

describe('prekey state', () => {
  it('issues ids from counters and signs every public key', () => {
    expect(state.signedPreKey.id).toBe(1);
    expect(state.lastResortKemPreKey.id).toBe(1);
    expect(state.oneTimePreKeys.map((k) => k.id)).toEqual([1, 2, 3]);
    expect(state.kemPreKeys.map((k) => k.id)).toEqual([2, 3]);
    const upload = preKeyUpload(state, identity.publicKey);
    expect(verifySignedPreKey(identity.publicKey, upload.signedPreKey)).toBe(true);
    expect(upload.lastResortKemPreKey.lastResort).toBe(true);
    for (const k of [upload.lastResortKemPreKey, ...upload.kemPreKeys]) expect(verifyKemPreKey(identity.publicKey, k)).toBe(true);
    expect(upload.kemPreKeys.every((k) => !k.lastResort)).toBe(true);
  });

  it('replenishes with fresh ids and enforces the cap', () => {
    const { state: more, preKeys } = addOneTimePreKeys(state, 2, random);
    expect(preKeys.map((k) => k.id)).toEqual([4, 5]);
    expect(more.nextOneTimePreKeyId).toBe(6);
    expect(addKemPreKeys(state, identity, 1, NOW, random).preKeys[0]?.id).toBe(4);
    expect(codeOf(() => addOneTimePreKeys(state, MAX_ONE_TIME_PREKEYS, random))).toBe('INVALID_STATE');
    expect(state.oneTimePreKeys.length).toBe(3);
  });

  it('tells consumed ids from unknown ones', () => {
    const used = consumePreKeys(state, { kemPreKeyId: 2, oneTimePreKeyId: 1 });
    expect(codeOf(() => findOneTimePreKey(used, 1))).toBe('PREKEY_CONSUMED');
    expect(codeOf(() => findKemPreKey(used, 2))).toBe('PREKEY_CONSUMED');
    expect(codeOf(() => findOneTimePreKey(used, 4))).toBe('UNKNOWN_PREKEY');
    expect(codeOf(() => findOneTimePreKey(used, 0))).toBe('UNKNOWN_PREKEY');
    expect(codeOf(() => findKemPreKey(used, 9))).toBe('UNKNOWN_PREKEY');
    expect(findKemPreKey(consumePreKeys(used, { kemPreKeyId: 1 }), 1).lastResort).toBe(true);
    expect(state.oneTimePreKeys.length).toBe(3);
  });

  it('keeps the rotated-out pair for the grace period', () => {
    const rotated = rotateSignedPreKey(state, identity, NOW + 5, random);
    expect(rotated.signedPreKey.id).toBe(2);
    expect(rotated.lastResortKemPreKey.id).toBe(4);
    expect(findSignedPreKey(rotated, 1).id).toBe(1);
    expect(findKemPreKey(rotated, 1).lastResort).toBe(true);
    expect(pruneRetiredPreKeys(rotated, NOW + 5 + SIGNED_PREKEY_GRACE_PERIOD - 1)).toBe(rotated);
    const pruned = pruneRetiredPreKeys(rotated, NOW + 5 + SIGNED_PREKEY_GRACE_PERIOD);
    expect(codeOf(() => findSignedPreKey(pruned, 1))).toBe('UNKNOWN_PREKEY');
    expect(codeOf(() => findKemPreKey(pruned, 1))).toBe('PREKEY_CONSUMED');
    const twice = rotateSignedPreKey(rotated, identity, NOW + 6, random);
    expect(codeOf(() => findSignedPreKey(twice, 1))).toBe('UNKNOWN_PREKEY');
  });

  it('serializes and restores, with and without a retired pair', () => {
    expect(decodePreKeyState(encodePreKeyState(state))).toEqual(state);
    const rotated = rotateSignedPreKey(state, identity, NOW + 5, random);
    expect(decodePreKeyState(encodePreKeyState(rotated))).toEqual(rotated);
  });

  it('rejects states that break the invariants', () => {
    const bad = [
      { ...state, nextOneTimePreKeyId: 3 },
      { ...state, oneTimePreKeys: [...state.oneTimePreKeys].reverse() },
      { ...state, kemPreKeys: [{ ...state.lastResortKemPreKey, lastResort: false }] },
      { ...state, signedPreKey: { ...state.signedPreKey, keyPair: { ...state.signedPreKey.keyPair, publicKey: new Uint8Array(32).fill(9) } } },
    ];
    for (const s of bad) expect(codeOf(() => decodePreKeyState(encodePreKeyState(s)))).toBe('INVALID_STATE');
    const bytes = encodePreKeyState(state);
    expect(codeOf(() => decodePreKeyState(bytes.subarray(0, 100)))).toBe('MALFORMED');
    expect(codeOf(() => decodePreKeyState(encodeMsgpack([1, 'identity', {}])))).toBe('INVALID_STATE');
  });
});
