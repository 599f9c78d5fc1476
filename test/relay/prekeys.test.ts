/** Prekey directory (relay.md §2.3): verified publish, consent-gated atomic fetch, counts, low warning. */
import { describe, expect, it } from 'vitest';
import { equalBytes, generateEd25519KeyPair, systemRandom } from '../../src/crypto/index.js';
import { decodePreKeyBundle, type RelayResult } from '../../src/wire/index.js';
import { connect, kemPreKey, login, oneTimePreKey, publishAll, relay, signedPreKey } from './harness.js';

type Bundle = Extract<RelayResult, { re: 'bundle' }>;

describe('relay prekey directory', () => {
  it('publishes, counts, and serves a bundle that consumes one key of each kind, then the last-resort KEM key', async () => {
    const r = await relay({ sqlite: true });
    const bob = await login(r.url);
    await publishAll(bob, 2, 1);
    await expect(bob.request({ type: 'counts' })).resolves.toEqual({ re: 'counts', oneTime: 2, kem: 1 });
    const ref = await bob.invite();
    const alice = await connect(r.url);
    const first = decodePreKeyBundle((await alice.request<Bundle>({ type: 'bundle', ...ref })).bundle);
    expect(equalBytes(first.identityKey, bob.identity.publicKey)).toBe(true);
    expect(first.oneTimePreKey?.id).toBe(1);
    expect(first.kemPreKey).toMatchObject({ id: 1, lastResort: false });
    const second = decodePreKeyBundle((await alice.request<Bundle>({ type: 'bundle', ...ref })).bundle);
    expect(second.oneTimePreKey?.id).toBe(2);
    expect(second.kemPreKey).toMatchObject({ id: 1000, lastResort: true });
    const third = decodePreKeyBundle((await alice.request<Bundle>({ type: 'bundle', ...ref })).bundle);
    expect(third.oneTimePreKey).toBeUndefined();
    expect(third.kemPreKey).toMatchObject({ id: 1000, lastResort: true });
    await expect(bob.request({ type: 'counts' })).resolves.toEqual({ re: 'counts', oneTime: 0, kem: 0 });
  });

  it('refuses a bundle without a valid token (TOKEN_REFUSED) and consumes nothing', async () => {
    const r = await relay();
    const bob = await login(r.url);
    await publishAll(bob, 1, 1);
    const alice = await connect(r.url);
    await expect(alice.request({ type: 'bundle', mailbox: bob.mailbox!, token: systemRandom(32) })).rejects.toMatchObject({ code: 'TOKEN_REFUSED' });
    await expect(alice.request({ type: 'bundle', mailbox: systemRandom(16), token: systemRandom(32) })).rejects.toMatchObject({ code: 'TOKEN_REFUSED' });
    await expect(bob.request({ type: 'counts' })).resolves.toEqual({ re: 'counts', oneTime: 1, kem: 1 });
  });

  it('answers NO_PREKEYS when the owner has not published a signed and a last-resort prekey', async () => {
    const r = await relay();
    const bob = await login(r.url);
    const ref = await bob.invite();
    await bob.request({ type: 'publish', signedPreKey: signedPreKey(bob.identity, 1), oneTime: [], kemOneTime: [] });
    await expect((await connect(r.url)).request({ type: 'bundle', ...ref })).rejects.toMatchObject({ code: 'NO_PREKEYS' });
  });

  it('verifies signatures against the authenticated key before storing (BAD_PREKEY, nothing stored)', async () => {
    const r = await relay();
    const bob = await login(r.url);
    const mallory = generateEd25519KeyPair(systemRandom);
    const cases = [
      { signedPreKey: signedPreKey(mallory, 1) },
      { kemPreKey: kemPreKey(mallory, 1, true) },
      { kemPreKey: kemPreKey(bob.identity, 1, false) }, // a one-time key offered as last resort
      { kemOneTime: [kemPreKey(bob.identity, 2, true)] }, // a last-resort key offered as one-time
      { kemOneTime: [kemPreKey(bob.identity, 3, false), kemPreKey(mallory, 4, false)] },
      { oneTime: [new Uint8Array([1, 2, 3])] },
    ];
    for (const c of cases) {
      await expect(bob.request({ type: 'publish', oneTime: [], kemOneTime: [], ...c })).rejects.toMatchObject({ code: 'BAD_PREKEY' });
    }
    await expect(bob.request({ type: 'counts' })).resolves.toEqual({ re: 'counts', oneTime: 0, kem: 0 });
  });

  it('caps stored one-time prekeys (TOO_MANY_PREKEYS, nothing stored); a same id replaces', async () => {
    const r = await relay({ sqlite: true, limits: { maxOneTimePreKeys: 3, maxKemPreKeys: 1 } });
    const bob = await login(r.url);
    await bob.request({ type: 'publish', oneTime: [oneTimePreKey(1), oneTimePreKey(2)], kemOneTime: [] });
    await bob.request({ type: 'publish', oneTime: [oneTimePreKey(2), oneTimePreKey(3)], kemOneTime: [] });
    await expect(bob.request({ type: 'publish', oneTime: [oneTimePreKey(4)], kemOneTime: [] })).rejects.toMatchObject({ code: 'TOO_MANY_PREKEYS' });
    await expect(bob.request({ type: 'publish', oneTime: [], kemOneTime: [kemPreKey(bob.identity, 1, false), kemPreKey(bob.identity, 2, false)] }))
      .rejects.toMatchObject({ code: 'TOO_MANY_PREKEYS' });
    await expect(bob.request({ type: 'counts' })).resolves.toEqual({ re: 'counts', oneTime: 3, kem: 0 });
  });

  it('two clients racing for the last one-time prekey never get the same one', async () => {
    for (const sqlite of [false, true]) {
      const r = await relay({ sqlite });
      const bob = await login(r.url);
      await publishAll(bob, 1, 1);
      const ref = await bob.invite();
      const racers = await Promise.all(Array.from({ length: 8 }, () => connect(r.url)));
      const bundles = await Promise.all(racers.map(async (c) => decodePreKeyBundle((await c.request<Bundle>({ type: 'bundle', ...ref })).bundle)));
      expect(bundles.filter((b) => b.oneTimePreKey !== undefined)).toHaveLength(1);
      expect(bundles.filter((b) => !b.kemPreKey.lastResort)).toHaveLength(1);
    }
  });

  it('pushes prekeys_low to the connected owner when a fetch leaves fewer than the threshold', async () => {
    const r = await relay({ limits: { preKeysLowThreshold: 2, preKeysLowIntervalMs: 0 } });
    const bob = await login(r.url);
    await publishAll(bob, 3, 3);
    bob.pushes.length = 0; // the warning at login (nothing published yet)
    const ref = await bob.invite();
    const alice = await connect(r.url);
    await alice.request({ type: 'bundle', ...ref });
    expect(bob.pushes).toHaveLength(0);
    await alice.request({ type: 'bundle', ...ref });
    const [low] = await bob.waitFor('prekeys_low');
    expect(low).toEqual({ type: 'prekeys_low', oneTime: 1, kem: 1 });
  });
});
