/**
 * Issue 9 finding 6 (storage and volume): 21 MB/s of self-addressed envelopes
 * from four connections met no relay-wide quota, and relay-wide envelope ids
 * told every user the relay's whole volume. Now a relay-wide quota refuses
 * with STORAGE_FULL, and eids count per mailbox (relay.md §2.3, §7.3).
 */
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../../src/crypto/index.js';
import { TestClient } from '../client.js';
import { attackerAddress } from './attacks.js';
import { expectHealthy, residentBytes, scrape, target, track } from './harness.js';

describe('adversary: storage', () => {
  it('self-addressed floods stop at the relay-wide quota with STORAGE_FULL, and room comes back as envelopes are acked', async () => {
    const relay = await target(['--max-stored-deliveries', '100']);
    const baseline = await residentBytes(relay);
    const hoarders = await Promise.all([0, 1, 2, 3].map(async (i) => track(await TestClient.login(relay.url, undefined, attackerAddress(i)))));
    const refs = await Promise.all(hoarders.map((h) => h.invite()));
    const answers = await Promise.all(hoarders.flatMap((h, i) => Array.from({ length: 50 }, () =>
      h.raw({ type: 'send', ...refs[i]!, data: systemRandom(1000) }))));
    const codes = answers.map((a) => (a.type === 'ok' ? 'ok' : a.code));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(100);
    expect(codes.filter((c) => c === 'STORAGE_FULL')).toHaveLength(100);
    const metrics = await scrape(relay);
    expect(metrics.get('parley_relay_deliveries_stored')).toBe(100);
    expect(metrics.get('parley_relay_defences_total{event="storage-full"}')).toBe(100);
    const first = hoarders[0]!;
    const held = await first.waitFor('deliver', 1);
    await first.request({ type: 'ack', ids: held.map((d) => d.eid) });
    await expect(first.request({ type: 'send', ...refs[0]!, data: systemRandom(10) })).resolves.toEqual({ re: 'send' });
    await expectHealthy(relay, baseline);
  });

  it('numbers deliveries per mailbox: an eid tells its owner nothing about anyone else’s traffic', async () => {
    const relay = await target();
    const [bob, carol] = [track(await TestClient.login(relay.url)), track(await TestClient.login(relay.url))];
    const [toBob, toCarol] = [await bob.invite(), await carol.invite()];
    const sender = track(await TestClient.connect(relay.url));
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 3; j++) await sender.request({ type: 'send', ...toCarol, data: systemRandom(10) });
      await sender.request({ type: 'send', ...toBob, data: systemRandom(10) });
    }
    expect((await bob.waitFor('deliver', 5)).map((d) => d.eid)).toEqual([1, 2, 3, 4, 5]);
    expect((await carol.waitFor('deliver', 15)).map((d) => d.eid)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });
});
