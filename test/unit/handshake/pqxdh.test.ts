/** PQXDH both sides (spec §5): agreement, signature checks first, prekey consumption, purity on failure. */
import { describe, expect, it } from 'vitest';
import { type RandomSource } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { isProtocolError, type ProtocolErrorCode } from '../../../src/errors.js';
import { initiatePqxdh, respondPqxdh } from '../../../src/handshake/index.js';
import {
  buildPreKeyBundle, createPreKeyState, encodePreKeyState, generateIdentityKeyPair, pruneRetiredPreKeys, rotateSignedPreKey,
  type PreKeyState,
} from '../../../src/identity/index.js';
import { SIGNED_PREKEY_GRACE_PERIOD } from '../../../src/constants.js';
import { decodeInitialMessage, encodeInitialMessage, type InitialMessageHeader, type PreKeyBundle } from '../../../src/wire/index.js';

const NOW = 1_700_000_000_000;
const seed = (b: number): RandomSource => seededRandom(new Uint8Array(32).fill(b));
const random = seed(1);
const alice = generateIdentityKeyPair(random);
const bob = generateIdentityKeyPair(random);
const bobState = createPreKeyState({ identity: bob, now: NOW, random, oneTimePreKeys: 2, kemPreKeys: 1 });

function codeOf(f: () => unknown): ProtocolErrorCode | 'none' {
  try {
    f();
  } catch (e) {
    if (isProtocolError(e)) return e.code;
    throw e;
  }
  return 'none';
}

function handshake(bundle: PreKeyBundle, state: PreKeyState = bobState) {
  const init = initiatePqxdh({ identity: alice, bundle, random });
  // through the wire, as the responder would receive it
  const header: InitialMessageHeader = decodeInitialMessage(encodeInitialMessage({ ...init.initialHeader, message: Uint8Array.of(1) }));
  const resp = respondPqxdh({ identity: bob, preKeys: state, header });
  return { init, resp, header };
}

describe('PQXDH agreement', () => {
  it('both sides derive the same SK and AD with a one-time prekey', () => {
    const { init, resp, header } = handshake(buildPreKeyBundle(bobState, bob.publicKey));
    expect(header.oneTimePreKeyId).toBe(1);
    expect(resp.sharedSecret).toEqual(init.sharedSecret);
    expect(resp.associatedData).toEqual(init.associatedData);
    expect(init.associatedData).toEqual(Uint8Array.of(...alice.publicKey, ...bob.publicKey));
    expect(resp.signedPreKeyPair.publicKey).toEqual(init.ratchetPublicKey);
    expect(resp.preKeys.oneTimePreKeys.map((k) => k.id)).toEqual([2]);
    expect(resp.preKeys.kemPreKeys).toEqual([]);
  });

  it('both sides derive the same SK without a one-time prekey (last-resort KEM key)', () => {
    const bundle = buildPreKeyBundle(bobState, bob.publicKey, { oneTimePreKeyId: null, kemPreKeyId: bobState.lastResortKemPreKey.id });
    const { init, resp, header } = handshake(bundle);
    expect(header.oneTimePreKeyId).toBeUndefined();
    expect(resp.sharedSecret).toEqual(init.sharedSecret);
    // nothing one-time was used, so nothing is consumed
    expect(resp.preKeys).toEqual(bobState);
  });

  it('last-resort keys only: works repeatedly, never consumed', () => {
    const bare = { ...bobState, oneTimePreKeys: [], kemPreKeys: [] };
    const bundle = buildPreKeyBundle(bare, bob.publicKey);
    expect(bundle.oneTimePreKey).toBeUndefined();
    expect(bundle.kemPreKey.lastResort).toBe(true);
    const first = handshake(bundle, bare);
    const second = handshake(bundle, first.resp.preKeys);
    expect(second.resp.sharedSecret).toEqual(second.init.sharedSecret);
    expect(first.init.sharedSecret).not.toEqual(second.init.sharedSecret);
  });

  it('different ephemeral randomness gives a different SK', () => {
    const bundle = buildPreKeyBundle(bobState, bob.publicKey);
    const a = initiatePqxdh({ identity: alice, bundle, random: seed(9) });
    const b = initiatePqxdh({ identity: alice, bundle, random: seed(10) });
    expect(a.sharedSecret).not.toEqual(b.sharedSecret);
  });
});

describe('PQXDH initiator checks', () => {
  const bundle = buildPreKeyBundle(bobState, bob.publicKey);
  const flip = (b: Uint8Array, i = 0): Uint8Array => { const c = b.slice(); c[i] = (c[i] as number) ^ 1; return c; };

  it('a forged signed-prekey signature fails with BAD_SIGNATURE before any randomness is drawn', () => {
    let draws = 0;
    const counting: RandomSource = (n) => { draws += 1; return random(n); };
    const forged = { ...bundle, signedPreKey: { ...bundle.signedPreKey, signature: flip(bundle.signedPreKey.signature) } };
    expect(codeOf(() => initiatePqxdh({ identity: alice, bundle: forged, random: counting }))).toBe('BAD_SIGNATURE');
    expect(draws).toBe(0);
  });

  it('a substituted signed prekey, KEM key or identity key fails with BAD_SIGNATURE', () => {
    const cases: PreKeyBundle[] = [
      { ...bundle, signedPreKey: { ...bundle.signedPreKey, publicKey: flip(bundle.signedPreKey.publicKey) } },
      { ...bundle, kemPreKey: { ...bundle.kemPreKey, publicKey: flip(bundle.kemPreKey.publicKey, 100) } },
      { ...bundle, kemPreKey: { ...bundle.kemPreKey, signature: flip(bundle.kemPreKey.signature, 5) } },
      { ...bundle, kemPreKey: { ...bundle.kemPreKey, lastResort: !bundle.kemPreKey.lastResort } },
      { ...bundle, identityKey: alice.publicKey },
    ];
    for (const forged of cases) expect(codeOf(() => initiatePqxdh({ identity: alice, bundle: forged, random }))).toBe('BAD_SIGNATURE');
  });
});

describe('PQXDH responder checks', () => {
  const bundle = buildPreKeyBundle(bobState, bob.publicKey);
  const { init } = handshake(bundle);
  const snapshot = encodePreKeyState(bobState);

  it('a consumed one-time prekey fails with PREKEY_CONSUMED on a second initial message', () => {
    const first = respondPqxdh({ identity: bob, preKeys: bobState, header: init.initialHeader });
    const again = initiatePqxdh({ identity: alice, bundle, random }).initialHeader;
    expect(codeOf(() => respondPqxdh({ identity: bob, preKeys: first.preKeys, header: again }))).toBe('PREKEY_CONSUMED');
    // the one-time KEM key alone is consumed as well
    const kemOnly = { ...again, oneTimePreKeyId: 2 };
    expect(codeOf(() => respondPqxdh({ identity: bob, preKeys: first.preKeys, header: kemOnly }))).toBe('PREKEY_CONSUMED');
  });

  it('unknown ids fail with UNKNOWN_PREKEY', () => {
    const h = init.initialHeader;
    for (const header of [{ ...h, signedPreKeyId: 77 }, { ...h, kemPreKeyId: 77 }, { ...h, oneTimePreKeyId: 77 }, { ...h, kemPreKeyId: 0 }]) {
      expect(codeOf(() => respondPqxdh({ identity: bob, preKeys: bobState, header }))).toBe('UNKNOWN_PREKEY');
    }
  });

  it('an initiator identity key that is not a point fails with INVALID_KEY', () => {
    const bad = new Uint8Array(32).fill(0xff); // y = 2^255 - 1 - ... not canonical / not on the curve
    expect(codeOf(() => respondPqxdh({ identity: bob, preKeys: bobState, header: { ...init.initialHeader, identityKey: bad } }))).toBe('INVALID_KEY');
  });

  it('a low-order ephemeral key fails with INVALID_KEY', () => {
    expect(codeOf(() => respondPqxdh({ identity: bob, preKeys: bobState, header: { ...init.initialHeader, ephemeralKey: new Uint8Array(32) } }))).toBe('INVALID_KEY');
  });

  it('a tampered KEM ciphertext gives a different SK (implicit rejection), caught by the first ratchet message', () => {
    const ct = init.initialHeader.kemCiphertext.slice();
    ct[0] = (ct[0] as number) ^ 1;
    const resp = respondPqxdh({ identity: bob, preKeys: bobState, header: { ...init.initialHeader, kemCiphertext: ct } });
    expect(resp.sharedSecret).not.toEqual(init.sharedSecret);
  });

  it('leaves the given state untouched, on failure and on success', () => {
    codeOf(() => respondPqxdh({ identity: bob, preKeys: bobState, header: { ...init.initialHeader, ephemeralKey: new Uint8Array(32) } }));
    codeOf(() => respondPqxdh({ identity: bob, preKeys: bobState, header: { ...init.initialHeader, oneTimePreKeyId: 77 } }));
    respondPqxdh({ identity: bob, preKeys: bobState, header: init.initialHeader });
    expect(encodePreKeyState(bobState)).toEqual(snapshot);
  });

  it('a retired signed prekey works during the grace period and not after', () => {
    const rotated = rotateSignedPreKey(bobState, bob, NOW + 1000, random);
    const { header, init: i2 } = handshake(bundle, rotated); // old bundle, new state
    expect(respondPqxdh({ identity: bob, preKeys: rotated, header }).sharedSecret).toEqual(i2.sharedSecret);
    const pruned = pruneRetiredPreKeys(rotated, NOW + 1000 + SIGNED_PREKEY_GRACE_PERIOD);
    expect(codeOf(() => respondPqxdh({ identity: bob, preKeys: pruned, header }))).toBe('UNKNOWN_PREKEY');
    const fresh = buildPreKeyBundle(rotated, bob.publicKey);
    expect(fresh.signedPreKey.id).toBe(2);
    const f = handshake(fresh, pruned);
    expect(f.resp.sharedSecret).toEqual(f.init.sharedSecret);
  });
});

describe('PQXDH into the Double Ratchet', () => {
  it('the first ratchet message under SK and AD decrypts at the responder', async () => {
    const { initSender, initReceiver, ratchetEncrypt, ratchetDecrypt } = await import('../../../src/ratchet/index.js');
    const { init, resp } = handshake(buildPreKeyBundle(bobState, bob.publicKey));
    const a = initSender({ sharedSecret: init.sharedSecret, peerRatchetKey: init.ratchetPublicKey, associatedData: init.associatedData, random });
    const b = initReceiver({ sharedSecret: resp.sharedSecret, ownRatchetKeyPair: resp.signedPreKeyPair, associatedData: resp.associatedData });
    const sent = ratchetEncrypt(a, Uint8Array.of(7, 7), random);
    expect(ratchetDecrypt(b, sent.message, random).plaintext).toEqual(Uint8Array.of(7, 7));
  });
});
