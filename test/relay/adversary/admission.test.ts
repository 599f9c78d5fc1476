/**
 * Issue 9 finding 5: ~20,000 idle connections from one address locked
 * everyone out — no per-address cap, no deadline for connections that never
 * authenticate, and a connection cap equal to the descriptor limit, so the
 * kernel (ECONNRESET) refused before the relay could say 1013. Now
 * (relay.md §7.3): a per-address cap, a 4002 close for idle unauthenticated
 * connections, and a cap clamped below the descriptor limit.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE_IDLE_UNAUTHENTICATED, CLOSE_TRY_AGAIN_LATER } from '../../../relay/close-codes.js';
import { TestClient } from '../client.js';
import { until } from '../harness.js';
import { attackerAddress } from './attacks.js';
import { defenceLines, expectHealthy, LegitimatePair, residentBytes, scrape, target, track } from './harness.js';

/** Opens `n` connections from `address`; returns the open ones and the close codes of the refused ones. */
async function openMany(url: string, address: string, n: number): Promise<{ open: TestClient[]; refused: string[] }> {
  const settled = await Promise.allSettled(Array.from({ length: n }, () => TestClient.connect(url, undefined, address)));
  const open = settled.flatMap((s) => (s.status === 'fulfilled' ? [track(s.value)] : []));
  const refused = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error).message)] : []));
  return { open, refused };
}

describe('adversary: connection floods', () => {
  it('caps connections per address with 1013, closes idle unauthenticated ones with 4002, and logs the defence without the address', async () => {
    const relay = await target(['--max-connections-per-address', '20', '--unauthenticated-idle-ms', '1000']);
    const pair = await LegitimatePair.open(relay.url);
    const baseline = await residentBytes(relay);
    const { open, refused } = await openMany(relay.url, attackerAddress(0), 30);
    expect(open).toHaveLength(20);
    expect(refused).toEqual(Array(10).fill(`closed ${CLOSE_TRY_AGAIN_LATER} before the challenge`));
    expect(await pair.exchange(10)).toEqual({ acked: 10, refused: [], delivered: 10 });
    // The idle deadline frees the attacker's slots; Bob, authenticated, stays.
    const closes = await Promise.all(open.map((c) => c.closed));
    expect(closes.map((c) => c.code)).toEqual(Array(20).fill(CLOSE_IDLE_UNAUTHENTICATED));
    const again = await openMany(relay.url, attackerAddress(0), 5);
    expect(again.open).toHaveLength(5);
    const alice = track(await TestClient.connect(relay.url));
    await alice.request({ type: 'send', mailbox: pair.mailbox, token: pair.token, data: new Uint8Array([1]) });
    await pair.bob.waitFor('deliver', 11);
    const metrics = await scrape(relay);
    expect(metrics.get('parley_relay_defences_total{event="address-cap"}')).toBe(10);
    expect(metrics.get('parley_relay_defences_total{event="idle-close"}')).toBeGreaterThanOrEqual(20);
    const lines = defenceLines(relay);
    expect(lines.map((l) => l['event'])).toEqual(expect.arrayContaining(['address-cap', 'idle-close']));
    expect(JSON.stringify(relay.log)).not.toContain(attackerAddress(0)); // no address unless --log-addresses
    await expectHealthy(relay, baseline);
  });

  it('near its descriptor limit the relay clamps its cap, refuses the excess with a clean 1013, keeps /healthz, and serves again when the flood leaves', async () => {
    const relay = await target([], 400); // ulimit -n 400: maxConnections 20,000 is clamped to 400 - 256 - 64 = 80
    expect(relay.log.find((l) => l['clampedTo'] !== undefined)).toMatchObject({ fileDescriptorLimit: 400, clampedTo: 80 });
    const pair = await LegitimatePair.open(relay.url); // 2 of the 80
    const baseline = await residentBytes(relay);
    const floods = await Promise.all([0, 1, 2, 3, 4].map((i) => openMany(relay.url, attackerAddress(i), 20)));
    const open = floods.flatMap((f) => f.open);
    const refused = floods.flatMap((f) => f.refused);
    expect(open).toHaveLength(78);
    expect(refused).toEqual(Array(22).fill(`closed ${CLOSE_TRY_AGAIN_LATER} before the challenge`));
    await expectHealthy(relay, baseline);
    expect(await pair.exchange(10)).toEqual({ acked: 10, refused: [], delivered: 10 });
    for (const c of open) c.close();
    await until(async () => (await scrape(relay)).get('parley_relay_connections') === 2);
    const late = await LegitimatePair.open(relay.url);
    expect(await late.exchange(5)).toEqual({ acked: 5, refused: [], delivered: 5 });
  });
});
