/**
 * Issue 9 finding 4: one fanout frame naming 1,000 mailboxes cost one
 * rate-limit token, rate-limit state was created for every unknown mailbox
 * (RSS 285 MB → 2.85 GB), and 1,000 attacker-owned mailboxes took 45,850
 * stored deliveries/s. Now a frame costs its sender one unit per recipient,
 * unknown mailboxes create no state, and each mailbox's quota bounds what an
 * attacker can park in its own mailboxes.
 */
import { describe, expect, it } from 'vitest';
import { TestClient } from '../client.js';
import { amplifiedFanout, attackerAddress, randomFanout } from './attacks.js';
import { expectHealthy, LegitimatePair, residentBytes, scrape, target, track, underAttack } from './harness.js';

type Answer = Awaited<ReturnType<TestClient['rawBytes']>>;

describe('adversary: fan-out amplification', () => {
  it('prices a fanout per recipient: 100 frames of 1,000 random mailboxes are mostly refused, create no rate-limit state, and cost the legitimate pair nothing', async () => {
    const relay = await target();
    const pair = await LegitimatePair.open(relay.url);
    const baseline = await residentBytes(relay);
    const attacker = track(await TestClient.connect(relay.url, undefined, attackerAddress(0)));
    let answers: Answer[] = [];
    const exchange = await underAttack(pair, 40, async () => {
      answers = await Promise.all(Array.from({ length: 100 }, (_, i) => attacker.rawBytes(randomFanout(i + 1), i + 1)));
    });
    const limited = answers.filter((a) => a.type === 'error' && a.code === 'RATE_LIMITED');
    const handled = answers.filter((a) => a.type === 'ok');
    expect(limited.length + handled.length).toBe(100);
    // The address budget (burst 4,000 units, 2,000/s) pays for a handful of 1,000-recipient frames, not 100.
    expect(limited.length).toBeGreaterThanOrEqual(50);
    for (const a of handled) expect(a.type === 'ok' && a.result.re === 'fanout' && a.result.results.every((r) => r === 'TOKEN_REFUSED')).toBe(true);
    const metrics = await scrape(relay);
    expect(metrics.get('parley_relay_rate_limit_keys{table="mailbox_token"}')).toBe(1); // Bob's, charged by Alice only
    expect(metrics.get('parley_relay_deliveries_stored')).toBe(0);
    expect(exchange).toEqual({ acked: 40, refused: [], delivered: 40 });
    await expectHealthy(relay, baseline);
  });

  it('bounds deliveries an attacker parks in its own mailboxes by their per-mailbox quota', async () => {
    // A generous sender budget, so that only the per-mailbox quota stands between the attacker and the disk.
    const relay = await target(['--mailbox-max-envelopes', '100', '--address-rate', '100000', '--address-burst', '100000', '--connection-rate', '100000', '--connection-burst', '100000']);
    const pair = await LegitimatePair.open(relay.url);
    const owned = await Promise.all(Array.from({ length: 20 }, async (_, i) => track(await TestClient.login(relay.url, undefined, attackerAddress(i % 4)))));
    const refs = await Promise.all(owned.map((o) => o.invite()));
    const baseline = await residentBytes(relay);
    const sender = track(await TestClient.connect(relay.url, undefined, attackerAddress(5)));
    let results: string[] = [];
    const exchange = await underAttack(pair, 30, async () => {
      for (let i = 0; i < 30; i++) {
        const a = await sender.rawBytes(amplifiedFanout(i + 1, refs, 50), i + 1);
        if (a.type === 'ok' && a.result.re === 'fanout') results.push(...a.result.results);
        else if (a.type === 'error') await new Promise((resolve) => setTimeout(resolve, a.retryAfter ?? 10));
      }
    });
    expect(results.filter((r) => r === 'ok').length).toBeLessThanOrEqual(20 * 100);
    expect(results).toContain('MAILBOX_FULL');
    expect((await scrape(relay)).get('parley_relay_deliveries_stored')).toBeLessThanOrEqual(20 * 100);
    expect(exchange).toEqual({ acked: 30, refused: [], delivered: 30 });
    await expectHealthy(relay, baseline);
  });
});
