/**
 * Device lists (protocol.md §12): signing and verification, and the chain
 * rules a peer applies to the lists a relay serves.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DEVICES_PER_ACCOUNT } from '../../../src/constants.js';
import { sign, type Bytes } from '../../../src/crypto/index.js';
import {
  advanceDeviceList, advanceDeviceListChain, deviceListChanges, encodeDeviceList, generateIdentityKeyPair, openDeviceList,
  signDeviceList, type DeviceList, type IdentityKeyPair,
} from '../../../src/identity/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { encodeDeviceListBody, encodeSignedDeviceList, type DeviceEntry } from '../../../src/wire/index.js';
import { errorCodeOf } from '../../property/ratchet-harness.js';

const random = seededRandom(new Uint8Array(32).fill(0x16));
const account = generateIdentityKeyPair(random);
const device = (id: number): DeviceEntry => ({ id, key: generateIdentityKeyPair(random).publicKey, createdAt: 1_700_000_000_000 + id });
const [phone, laptop, browser] = [device(1), device(2), device(3)];

function chain(...lists: DeviceEntry[][]): DeviceList[] {
  const out: DeviceList[] = [];
  for (const devices of lists) out.push(signDeviceList({ account, previous: out.at(-1) ?? null, devices, createdAt: 1 }));
  return out;
}

/** A list signed by `signer` over a body the test writes itself, to break one rule at a time. */
function forged(signer: IdentityKeyPair, body: Parameters<typeof encodeDeviceListBody>[0]): Bytes {
  const b = encodeDeviceListBody(body);
  const label = new TextEncoder().encode('Parley_DeviceList_v1');
  return encodeSignedDeviceList({ body: b, signature: sign(signer.privateKey, new Uint8Array([...label, ...b])) });
}

describe('signed device list', () => {
  it('round-trips through its encoding, devices in id order', () => {
    const [v1] = chain([laptop, phone]);
    const opened = openDeviceList(encodeDeviceList(v1!));
    expect(opened.devices.map((d) => d.id)).toEqual([1, 2]);
    expect(opened.hash).toEqual(v1!.hash);
    expect(opened.version).toBe(1);
  });

  it('refuses a flipped bit of the body or signature (BAD_SIGNATURE or a decoding error)', () => {
    const bytes = encodeDeviceList(chain([phone])[0]!);
    for (let i = 0; i < bytes.length; i++) {
      const flipped = bytes.slice();
      flipped[i] = (flipped[i] as number) ^ 0x01;
      expect(errorCodeOf(() => openDeviceList(flipped)), `byte ${i}`).toMatch(/^(BAD_SIGNATURE|MALFORMED|UNSUPPORTED_VERSION|INVALID_KEY)$/);
    }
  });

  it('refuses a list signed by another key than the account it names', () => {
    const other = generateIdentityKeyPair(random);
    const body = { account: account.publicKey, version: 1, previous: new Uint8Array(32), createdAt: 1, devices: [phone] };
    expect(errorCodeOf(() => openDeviceList(forged(other, body)))).toBe('BAD_SIGNATURE');
    expect(openDeviceList(forged(account, body)).version).toBe(1);
  });

  it('refuses, each MALFORMED: unordered ids, a key listed twice, no device, version 0, a wrong previous hash for version 1 or 2', () => {
    const base = { account: account.publicKey, version: 1, previous: new Uint8Array(32), createdAt: 1, devices: [phone, laptop] };
    const cases = [
      { ...base, devices: [laptop, phone] },
      { ...base, devices: [phone, { ...laptop, key: phone.key }] },
      { ...base, devices: [] },
      { ...base, version: 0 },
      { ...base, previous: new Uint8Array(32).fill(1) },
      { ...base, version: 2 },
    ];
    for (const body of cases) expect(errorCodeOf(() => openDeviceList(forged(account, body)))).toBe('MALFORMED');
  });

  it(`allows ${MAX_DEVICES_PER_ACCOUNT} devices and refuses one more, signing (INVALID_STATE) and decoding (MALFORMED)`, () => {
    const many = Array.from({ length: MAX_DEVICES_PER_ACCOUNT + 1 }, (_, i) => device(10 + i));
    expect(chain(many.slice(0, MAX_DEVICES_PER_ACCOUNT))[0]!.devices).toHaveLength(MAX_DEVICES_PER_ACCOUNT);
    expect(errorCodeOf(() => chain(many))).toBe('INVALID_STATE');
    const body = { account: account.publicKey, version: 1, previous: new Uint8Array(32), createdAt: 1, devices: many };
    expect(errorCodeOf(() => openDeviceList(forged(account, body)))).toBe('MALFORMED');
  });
});

describe('the chain a peer follows', () => {
  const [v1, v2, v3] = chain([phone], [phone, laptop], [phone, laptop, browser]) as [DeviceList, DeviceList, DeviceList];

  it('accepts the first list, each direct successor, and the same list again', () => {
    expect(advanceDeviceListChain(null, [v1, v2, v3]).version).toBe(3);
    expect(advanceDeviceList(v2, v2)).toBe(v2);
    expect(deviceListChanges(v1, v3).added.map((d) => d.id)).toEqual([2, 3]);
    expect(deviceListChanges(v3, v1).removed.map((d) => d.id)).toEqual([2, 3]);
  });

  it('an older list is STALE_EPOCH, a gap FUTURE_EPOCH (until its predecessor comes), a fork EPOCH_FORK, another account UNTRUSTED_IDENTITY', () => {
    expect(errorCodeOf(() => advanceDeviceList(v3, v2))).toBe('STALE_EPOCH');
    expect(errorCodeOf(() => advanceDeviceList(v1, v3))).toBe('FUTURE_EPOCH');
    expect(advanceDeviceListChain(v1, [v2, v3])).toBe(v3);
    const [, fork] = chain([phone], [phone, browser]) as [DeviceList, DeviceList]; // another v2 after the same v1
    expect(errorCodeOf(() => advanceDeviceList(v2, fork))).toBe('EPOCH_FORK');
    const other = signDeviceList({ account: generateIdentityKeyPair(random), previous: null, devices: [phone], createdAt: 1 });
    expect(errorCodeOf(() => advanceDeviceList(v1, other))).toBe('UNTRUSTED_IDENTITY');
    const [, otherParent] = chain([laptop], [laptop, browser]); // a v2 whose v1 this peer never saw
    expect(errorCodeOf(() => advanceDeviceList(v1, otherParent!))).toBe('EPOCH_FORK');
  });
});
