/**
 * Issue 9 finding 6 (prekey drain): one token holder drained all 200 classic
 * and 100 KEM one-time prekeys in under 0.3 s, and the victim received 611
 * `prekeys_low` pushes in 7 s. Now a bundle consumes one-time prekeys only
 * within the token's hourly and the mailbox's daily budget, beyond which it
 * is still served from the signed and last-resort keys, and `prekeys_low` is
 * coalesced (relay.md §2.1).
 */
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../../src/crypto/index.js';
import { decodePreKeyBundle, type RelayResult } from '../../../src/wire/index.js';
import { TestClient } from '../client.js';
import { publishAll } from '../harness.js';
import { attackerAddress } from './attacks.js';
import { expectHealthy, residentBytes, target, track } from './harness.js';

type Bundle = Extract<RelayResult, { re: 'bundle' }>;

/** Fetches `n` bundles with `token`, 50 in flight at a time; returns how many carried a one-time prekey of each kind. */
async function drain(c: TestClient, mailbox: Uint8Array, token: Uint8Array, n: number): Promise<{ classic: number; kem: number; served: number }> {
  let classic = 0;
  let kem = 0;
  let served = 0;
  for (let done = 0; done < n; done += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - done) }, () => c.request<Bundle>({ type: 'bundle', mailbox, token })));
    for (const b of batch.map((r) => decodePreKeyBundle(r.bundle))) {
      served++;
      if (b.oneTimePreKey !== undefined) classic++;
      if (!b.kemPreKey.lastResort) kem++;
    }
  }
  return { classic, kem, served };
}

describe('adversary: prekey drain', () => {
  it('an invite holder fetching 1,000 bundles consumes at most its hourly budget, and the owner hears prekeys_low once', async () => {
    // Every fetch leaves the counts "low" (threshold above the pool), so every fetch would warn without coalescing;
    // the mailbox rate limit is lifted so that only the bundle budget stands between the attacker and the pool.
    const relay = await target(['--pre-keys-low-threshold', '1000', '--mailbox-rate', '100000', '--mailbox-burst', '100000']);
    const bob = track(await TestClient.login(relay.url));
    await publishAll(bob, 200, 100);
    const invite = await bob.invite();
    const baseline = await residentBytes(relay);
    const mallory = track(await TestClient.connect(relay.url, undefined, attackerAddress(0)));
    const drained = await drain(mallory, invite.mailbox, invite.token, 1000);
    expect(drained).toEqual({ classic: 5, kem: 5, served: 1000 }); // bundlesPerTokenPerHour = 5
    await expect(bob.request({ type: 'counts' })).resolves.toEqual({ re: 'counts', oneTime: 195, kem: 95 });
    expect(bob.pushes.filter((p) => p.type === 'prekeys_low').length).toBeLessThanOrEqual(1);
    await expectHealthy(relay, baseline);
  });

  it('many tokens drain no more than the mailbox daily budget, and a contact still gets a usable bundle', async () => {
    const relay = await target(['--bundles-per-mailbox-per-day', '40']);
    const bob = track(await TestClient.login(relay.url));
    await publishAll(bob, 200, 100);
    const tokens = await Promise.all(Array.from({ length: 30 }, () => bob.invite(systemRandom(32))));
    const mallory = track(await TestClient.connect(relay.url, undefined, attackerAddress(0)));
    let consumed = 0;
    for (const t of tokens) consumed += (await drain(mallory, t.mailbox, t.token, 5)).classic;
    expect(consumed).toBe(40);
    await expect(bob.request({ type: 'counts' })).resolves.toEqual({ re: 'counts', oneTime: 160, kem: 60 });
    const alice = track(await TestClient.connect(relay.url));
    const contact = await bob.invite();
    const bundle = decodePreKeyBundle((await alice.request<Bundle>({ type: 'bundle', ...contact })).bundle);
    expect(bundle.identityKey).toEqual(bob.identity.publicKey);
    expect(bundle.kemPreKey.lastResort).toBe(true); // budget spent: signed + last-resort keys, still a full PQXDH bundle
    expect(bundle.oneTimePreKey).toBeUndefined();
  });
});
