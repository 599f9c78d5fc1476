/**
 * Device-list directory abuse (spec/relay.md §13, §7.3): a client flooding
 * `device_list_publish` pays DEVICE_LIST_PUBLISH_COST units per frame, so its
 * connection budget admits burst / cost of them; however long it publishes
 * one account's chain, the relay keeps RELAY_DEVICE_LIST_HISTORY lists of
 * it; a flood of fetches is rate limited like any request, and a legitimate
 * pair keeps exchanging meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../../src/crypto/index.js';
import { encodeDeviceList, generateIdentityKeyPair, signDeviceList, type DeviceList } from '../../../src/identity/index.js';
import { RELAY_DEVICE_LIST_HISTORY, type RelayResult } from '../../../src/wire/index.js';
import { DEVICE_LIST_PUBLISH_COST } from '../../../relay/device-lists.js';
import { TestClient } from '../client.js';
import { attackerAddress } from './attacks.js';
import { expectHealthy, LegitimatePair, residentBytes, target, track, underAttack } from './harness.js';

type Fetched = Extract<RelayResult, { re: 'device_list_fetch' }>;

const BURST = 200;

/** A first list of a fresh account naming `device` (what a flood of new accounts sends). */
function freshAccountList(device: Uint8Array): Uint8Array {
  const account = generateIdentityKeyPair(systemRandom);
  return encodeDeviceList(signDeviceList({ account, previous: null, devices: [{ id: 1, key: device, createdAt: 1 }], createdAt: 1 }));
}

const codeOf = (o: { type: 'ok' } | { type: 'error'; code: string }): string => (o.type === 'ok' ? 'ok' : o.code);

describe('adversary: device-list directory', () => {
  it('a flood of publishes for fresh accounts is admitted burst / DEVICE_LIST_PUBLISH_COST frames, the rest RATE_LIMITED', async () => {
    const relay = await target(['--connection-rate', '1', '--connection-burst', String(BURST)]);
    const baseline = await residentBytes(relay);
    const mallory = track(await TestClient.login(relay.url, undefined, attackerAddress(0)));
    const flood = await Promise.all(Array.from({ length: 100 }, () =>
      mallory.raw({ type: 'device_list_publish', list: freshAccountList(mallory.identity.publicKey) })));
    const codes = flood.map(codeOf);
    // The auth took 1 unit of the burst; 1 unit a second refills while the flood is answered.
    const admitted = codes.filter((c) => c === 'ok').length;
    expect(admitted).toBeGreaterThanOrEqual(BURST / DEVICE_LIST_PUBLISH_COST - 1);
    expect(admitted).toBeLessThanOrEqual(BURST / DEVICE_LIST_PUBLISH_COST + 1);
    expect(new Set(codes)).toEqual(new Set(['ok', 'RATE_LIMITED']));
    await expectHealthy(relay, baseline);
  });

  it('a long chain of one account leaves RELAY_DEVICE_LIST_HISTORY lists stored', async () => {
    const relay = await target();
    const account = generateIdentityKeyPair(systemRandom);
    const mallory = track(await TestClient.login(relay.url, account, attackerAddress(0)));
    let last: DeviceList | null = null;
    for (let i = 0; i < 3 * RELAY_DEVICE_LIST_HISTORY; i++) {
      last = signDeviceList({ account, previous: last, devices: [{ id: i + 1, key: generateIdentityKeyPair(systemRandom).publicKey, createdAt: i }], createdAt: i });
      await mallory.request({ type: 'device_list_publish', list: encodeDeviceList(last) });
    }
    const { lists } = await mallory.request<Fetched>({ type: 'device_list_fetch', account: account.publicKey, since: 0 });
    expect(lists).toHaveLength(RELAY_DEVICE_LIST_HISTORY);
    expect(lists.at(-1)).toEqual(encodeDeviceList(last as DeviceList));
  });

  it('a fetch flood is rate limited at its sender, and a legitimate pair is not refused meanwhile', async () => {
    const relay = await target(['--connection-rate', '50', '--connection-burst', '100']);
    const baseline = await residentBytes(relay);
    const pair = await LegitimatePair.open(relay.url);
    const mallory = track(await TestClient.login(relay.url, undefined, attackerAddress(0)));
    const codes: string[] = [];
    const exchange = await underAttack(pair, 20, async () => {
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(Array.from({ length: 150 }, () =>
          mallory.raw({ type: 'device_list_fetch', account: systemRandom(32) })));
        codes.push(...answers.map(codeOf));
      }
    });
    expect(exchange).toMatchObject({ acked: 20, refused: [], delivered: 20 });
    expect(codes).toContain('RATE_LIMITED');
    // Under a loaded machine the relay may also drop the flooding connection (its requests then end CLOSED): allowed.
    expect([...new Set(codes)].filter((c) => !['NO_DEVICE_LIST', 'RATE_LIMITED', 'CLOSED'].includes(c))).toEqual([]);
    await expectHealthy(relay, baseline);
  });
});
