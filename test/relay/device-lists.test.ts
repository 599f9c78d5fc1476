/**
 * The relay's device-list directory (spec/relay.md §13): a listed device or
 * the account publishes the direct successor of the stored list; anyone
 * authenticated fetches the newest, or every kept list since a version; every
 * other publish is refused with its code. The relay's checks agree with
 * src/identity's openDeviceList / advanceDeviceList on the committed vectors.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, sign, systemRandom, utf8, type Bytes } from '../../src/crypto/index.js';
import { DEVICE_LIST_SIGNATURE_LABEL, MAX_DEVICE_LIST_SIZE } from '../../src/constants.js';
import { isProtocolError } from '../../src/errors.js';
import {
  advanceDeviceList, encodeDeviceList, generateIdentityKeyPair, openDeviceList, signDeviceList, type DeviceList, type IdentityKeyPair,
} from '../../src/identity/index.js';
import {
  encodeDeviceListBody, encodeSignedDeviceList, RELAY_DEVICE_LIST_HISTORY, type DeviceEntry, type RelayResult,
} from '../../src/wire/index.js';
import { fetchDeviceLists, placeDeviceList, publishDeviceList, verifyDeviceList } from '../../relay/device-lists.js';
import { RelaySqliteStore } from '../../relay/store/sqlite.js';
import { isRelayError } from '../../relay/errors.js';
import type { TestClient } from './client.js';
import { committedVectors } from '../vectors/committed.js';
import { connect, login, relay, tempDir } from './harness.js';

type Fetched = Extract<RelayResult, { re: 'device_list_fetch' }>;

const T0 = 1_767_225_600_000;
const device = (id: number, key: IdentityKeyPair): DeviceEntry => ({ id, key: key.publicKey, createdAt: T0 + id });

/** An account, its primary device's identity (listed as device 1) and its lists so far. */
function account(): { key: IdentityKeyPair; phone: IdentityKeyPair; next: (devices: DeviceEntry[], previous?: DeviceList | null) => DeviceList } {
  const key = generateIdentityKeyPair(systemRandom);
  const phone = generateIdentityKeyPair(systemRandom);
  let last: DeviceList | null = null;
  return {
    key, phone,
    next: (devices, previous = last) => {
      last = signDeviceList({ account: key, previous, devices: [device(1, phone), ...devices], createdAt: T0 });
      return last;
    },
  };
}

const publish = (c: TestClient, l: DeviceList | Bytes): Promise<RelayResult> =>
  c.request({ type: 'device_list_publish', list: l instanceof Uint8Array ? l : encodeDeviceList(l) });

describe('relay device-list directory', () => {
  it('stores the chain a listed device publishes and serves the newest, or every list since a version', async () => {
    const r = await relay({ sqlite: true });
    const a = account();
    const laptop = generateIdentityKeyPair(systemRandom);
    const v1 = a.next([]);
    const v2 = a.next([device(2, laptop)]);
    const v3 = a.next([]);
    const phone = await login(r.url, a.phone);
    await expect(publish(phone, v1)).resolves.toEqual({ re: 'device_list_publish', version: 1 });
    await expect(publish(await login(r.url, laptop), v2)).resolves.toEqual({ re: 'device_list_publish', version: 2 });
    await expect(publish(await login(r.url, a.key), v3)).resolves.toEqual({ re: 'device_list_publish', version: 3 }); // the account key itself
    await expect(publish(phone, v3)).resolves.toEqual({ re: 'device_list_publish', version: 3 }); // a retry changes nothing
    const peer = await login(r.url);
    const fetch = async (since?: number): Promise<readonly Bytes[]> =>
      (await peer.request<Fetched>({ type: 'device_list_fetch', account: a.key.publicKey, ...(since !== undefined ? { since } : {}) })).lists;
    expect(await fetch()).toEqual([encodeDeviceList(v3)]);
    expect(await fetch(1)).toEqual([v2, v3].map(encodeDeviceList));
    expect(await fetch(3)).toEqual([encodeDeviceList(v3)]);
    expect(await fetch(9)).toEqual([encodeDeviceList(v3)]); // never empty: a peer ahead of the relay sees what it serves
    // A peer that saw v1 follows the chain it fetched (what protocol.md §12.3 asks of it).
    const followed = (await fetch(1)).map(openDeviceList).reduce(advanceDeviceList, openDeviceList(encodeDeviceList(v1)));
    expect(followed.version).toBe(3);
  });

  it('keeps the newest RELAY_DEVICE_LIST_HISTORY lists of an account', async () => {
    const r = await relay();
    const a = account();
    const phone = await login(r.url, a.phone);
    const lists = Array.from({ length: RELAY_DEVICE_LIST_HISTORY + 2 }, () => a.next([]));
    for (const l of lists) await publish(phone, l);
    const { lists: kept } = await phone.request<Fetched>({ type: 'device_list_fetch', account: a.key.publicKey, since: 0 });
    expect(kept).toEqual(lists.slice(2).map(encodeDeviceList));
  });

  it('refuses stale, forked and gapped lists with the codes of protocol.md §12.3, storing nothing', async () => {
    const r = await relay();
    const a = account();
    const tablet = generateIdentityKeyPair(systemRandom);
    const v1 = a.next([]);
    const v2 = a.next([device(2, tablet)]);
    const phone = await login(r.url, a.phone);
    await expect(publish(phone, v2)).rejects.toMatchObject({ code: 'FUTURE_EPOCH' }); // an unknown account starts at 1
    await publish(phone, v1);
    await expect(publish(phone, a.next([], v2))).rejects.toMatchObject({ code: 'FUTURE_EPOCH' }); // v3: v2 missing
    await publish(phone, v2);
    await expect(publish(phone, v1)).rejects.toMatchObject({ code: 'STALE_EPOCH' });
    await expect(publish(phone, a.next([device(3, tablet)], v1))).rejects.toMatchObject({ code: 'EPOCH_FORK' }); // another v2
    const fork = a.next([device(4, tablet)], v1);
    await expect(publish(phone, a.next([], fork))).rejects.toMatchObject({ code: 'EPOCH_FORK' }); // v3 after the other v2
    const { lists } = await phone.request<Fetched>({ type: 'device_list_fetch', account: a.key.publicKey, since: 0 });
    expect(lists).toEqual([v1, v2].map(encodeDeviceList));
  });

  it('stores one of two different lists of a version published at once; the other is EPOCH_FORK', async () => {
    // Both publishes read the stored v1 before either writes (each awaits the store): the race the store settles.
    const store = new RelaySqliteStore(tempDir());
    const a = account();
    const [laptop, tablet] = [generateIdentityKeyPair(systemRandom), generateIdentityKeyPair(systemRandom)];
    const v1 = a.next([]);
    const [withLaptop, withTablet] = [a.next([device(2, laptop)], v1), a.next([device(2, tablet)], v1)];
    await publishDeviceList(store, a.phone.publicKey, encodeDeviceList(v1));
    const both = await Promise.allSettled([withLaptop, withTablet].map((l) => publishDeviceList(store, a.phone.publicKey, encodeDeviceList(l))));
    expect(both.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as { code: string }).code)).sort()).toEqual(['EPOCH_FORK', 'ok']);
    const stored = await fetchDeviceLists(store, a.key.publicKey, undefined);
    expect(stored).toEqual([encodeDeviceList(both[0]!.status === 'fulfilled' ? withLaptop : withTablet)]);
    await store.close();
  });

  it('refuses a list that fails §12.2 (BAD_DEVICE_LIST), one its publisher is not in (NOT_A_DEVICE), or too large (TOO_LARGE)', async () => {
    const r = await relay();
    const a = account();
    const phone = await login(r.url, a.phone);
    const signed = encodeDeviceList(a.next([]));
    const flipped = signed.slice();
    flipped[flipped.length - 1]! ^= 1;
    await expect(publish(phone, flipped)).rejects.toMatchObject({ code: 'BAD_DEVICE_LIST' });
    // Another account's key signs a body naming this account: the wrong account's signature.
    const other = generateIdentityKeyPair(systemRandom);
    const body = encodeDeviceListBody({ account: a.key.publicKey, version: 1, previous: new Uint8Array(32), createdAt: T0, devices: [device(1, a.phone)] });
    const forged = encodeSignedDeviceList({ body, signature: sign(other.privateKey, new Uint8Array([...utf8(DEVICE_LIST_SIGNATURE_LABEL), ...body])) });
    await expect(publish(phone, forged)).rejects.toMatchObject({ code: 'BAD_DEVICE_LIST' });
    await expect(publish(await login(r.url), signed)).rejects.toMatchObject({ code: 'NOT_A_DEVICE' });
    await expect(publish(phone, systemRandom(MAX_DEVICE_LIST_SIZE + 1))).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(publish(phone, systemRandom(64))).rejects.toMatchObject({ code: 'BAD_DEVICE_LIST' });
    await expect(phone.request({ type: 'device_list_fetch', account: a.key.publicKey })).rejects.toMatchObject({ code: 'NO_DEVICE_LIST' });
  });

  it('answers only authenticated connections (AUTH_REQUIRED)', async () => {
    const r = await relay();
    const a = account();
    const stranger = await connect(r.url);
    await expect(publish(stranger, a.next([]))).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
    await expect(stranger.request({ type: 'device_list_fetch', account: a.key.publicKey })).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
  });
});

interface Vectors {
  chain: Array<{ name: string; version: number; signed: string }>;
  negative: {
    open: Array<{ name: string; signed: string; expected: string }>;
    follow: Array<{ name: string; known: string | null; next: string; expected: string }>;
  };
}

/** 'ok' when `run` returns, else the code of the ProtocolError or RelayError it throws. */
function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (isProtocolError(e) || isRelayError(e)) return e.code;
    throw e;
  }
}

/** What src/identity says of `next` after `known`. */
const peerOutcome = (known: Bytes | null, next: Bytes): string =>
  outcome(() => advanceDeviceList(known === null ? null : openDeviceList(known), openDeviceList(next)));

/** What the relay says ('ok': stored or already stored). */
const relayOutcome = (known: Bytes | null, next: Bytes): string =>
  outcome(() => placeDeviceList(known === null ? undefined : verifyDeviceList(known), verifyDeviceList(next)));

describe('relay device-list checks agree with src/identity on spec/vectors/device-list.json', () => {
  const v = JSON.parse(committedVectors('device-list')) as Vectors;
  const signedOf = (name: string): Bytes => fromHex(v.chain.find((c) => c.name === name)!.signed);

  it.each(v.negative.open)('refuses what openDeviceList refuses: $name', ({ signed, expected }) => {
    expect(peerOutcome(null, fromHex(signed))).toBe(expected);
    expect(relayOutcome(null, fromHex(signed))).toBe('BAD_DEVICE_LIST');
  });

  it.each(v.negative.follow)('follows the chain as advanceDeviceList does: $name', ({ known, next, expected }) => {
    expect(relayOutcome(known === null ? null : signedOf(known), signedOf(next))).toBe(expected);
  });

  it('gives the same outcome as a peer for every pair of chain lists; only a first list above version 1 differs', () => {
    const all = v.chain.map((c) => fromHex(c.signed));
    for (const next of all) {
      for (const known of [null, ...all]) {
        const peer = peerOutcome(known, next);
        const firstSeen = known === null && openDeviceList(next).version > 1;
        // A peer takes the first list it sees on trust (§12.3); the relay starts every account at version 1.
        expect(relayOutcome(known, next)).toBe(firstSeen ? 'FUTURE_EPOCH' : peer);
      }
    }
  });
});
