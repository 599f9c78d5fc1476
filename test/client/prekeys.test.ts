/**
 * Reconciling the one-time prekeys this device holds with the counts the
 * relay reports (account/prekeys.ts, client.md §5.3): fetched keys no session
 * used expire by age and are bounded by the caps, so replenishment never
 * exceeds them.
 */
import { describe, expect, it } from 'vitest';
import { MAX_KEM_PREKEYS, MAX_ONE_TIME_PREKEYS } from '../../src/constants.js';
import { systemRandom } from '../../src/crypto/index.js';
import { generateIdentityKeyPair, type PreKeyState } from '../../src/identity/index.js';
import {
  decodeFetched, encodeFetched, FETCHED_PREKEY_MAX_AGE, KEM_PREKEY_TARGET, newPreKeyState, ONE_TIME_PREKEY_TARGET, replenish,
  type FetchedPreKeys,
} from '../../src/client/account/prekeys.js';

const identity = generateIdentityKeyPair(systemRandom);
const T0 = 1_800_000_000_000;

/** The relay handed out `n` of each kind (the oldest), then the device replenished at `now`. */
function drainAndReplenish(state: PreKeyState, fetched: FetchedPreKeys, n: number, now: number): ReturnType<typeof replenish> {
  const published = { oneTime: Math.max(0, ONE_TIME_PREKEY_TARGET - n), kem: Math.max(0, KEM_PREKEY_TARGET - n) };
  return replenish(state, identity, published, systemRandom, now, fetched);
}

describe('prekey reconciliation', () => {
  it('fetched one-time prekeys no session used expire by age, never past the caps', () => {
    let state = newPreKeyState(identity, systemRandom, T0);
    let fetched: FetchedPreKeys = { oneTime: new Map(), kem: new Map() };
    // Drained completely a hundred times in a row: without reconciliation the second round already exceeds the KEM cap.
    for (let i = 0; i < 100; i++) {
      const r = drainAndReplenish(state, fetched, 1_000, T0 + i);
      state = r.state;
      fetched = decodeFetched(encodeFetched(r.fetched));
      expect(state.oneTimePreKeys.length).toBeLessThanOrEqual(MAX_ONE_TIME_PREKEYS);
      expect(state.kemPreKeys.length).toBeLessThanOrEqual(MAX_KEM_PREKEYS);
    }
    expect(state.oneTimePreKeys.length).toBe(MAX_ONE_TIME_PREKEYS);
    expect(state.kemPreKeys.length).toBe(MAX_KEM_PREKEYS);
    // Nothing drained since: the fetched keys stay until their age is up, then only the published ones remain.
    const idle = { oneTime: ONE_TIME_PREKEY_TARGET, kem: KEM_PREKEY_TARGET };
    const before = replenish(state, identity, idle, systemRandom, T0 + FETCHED_PREKEY_MAX_AGE - 1_000, fetched);
    expect(before.state.kemPreKeys.length).toBe(MAX_KEM_PREKEYS);
    const after = replenish(state, identity, idle, systemRandom, T0 + 100 + FETCHED_PREKEY_MAX_AGE, fetched);
    expect(after.state.oneTimePreKeys.length).toBe(ONE_TIME_PREKEY_TARGET);
    expect(after.state.kemPreKeys.length).toBe(KEM_PREKEY_TARGET);
    // The ones kept are the newest: what the relay still publishes.
    expect(after.state.kemPreKeys.map((k) => k.id)).toEqual(state.kemPreKeys.slice(-KEM_PREKEY_TARGET).map((k) => k.id));
    expect(after.upload.oneTimePreKeys).toEqual([]);
    expect(after.fetched.oneTime.size + after.fetched.kem.size).toBe(0);
  });

  it('a key fetched but not yet used stays usable within its age', () => {
    const state = newPreKeyState(identity, systemRandom, T0);
    const r = drainAndReplenish(state, { oneTime: new Map(), kem: new Map() }, 1, T0);
    expect(r.state.oneTimePreKeys[0]?.id).toBe(state.oneTimePreKeys[0]?.id);
    expect(r.state.kemPreKeys[0]?.id).toBe(state.kemPreKeys[0]?.id);
    expect(r.fetched.oneTime.get(state.oneTimePreKeys[0]!.id)).toBe(T0);
    expect(r.upload.oneTimePreKeys).toHaveLength(1);
  });
});
