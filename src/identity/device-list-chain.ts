/**
 * Making and following device lists (spec/protocol.md §12): signing the list
 * that follows another, its encoding, and what a peer keeps on seeing one
 * (§12.3). Apart from device-list.ts (opening a list), which every client
 * runs: only linking and receiving lists use these.
 */
import { MAX_DEVICES_PER_ACCOUNT } from '../constants.js';
import { equalBytes, sign, toHex, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { encodeDeviceListBody, encodeSignedDeviceList, type DeviceEntry, type DeviceListBody } from '../wire/index.js';
import { deviceListHash, DEVICE_LIST_NO_PREVIOUS, deviceListSignedMessage, type DeviceList } from './device-list.js';
import type { IdentityKeyPair } from './identity-key.js';

function checkDevices(devices: readonly DeviceEntry[]): void {
  if (devices.length === 0) fail('INVALID_STATE', 'a device list names at least one device');
  if (devices.length > MAX_DEVICES_PER_ACCOUNT) {
    fail('INVALID_STATE', 'too many devices for one account', { got: devices.length, max: MAX_DEVICES_PER_ACCOUNT });
  }
  const keys = new Set(devices.map((d) => toHex(d.key)));
  if (keys.size !== devices.length) fail('INVALID_STATE', 'one device key listed twice');
  if (new Set(devices.map((d) => d.id)).size !== devices.length) fail('INVALID_STATE', 'one device id listed twice');
}

/**
 * Signs the list that follows `previous` (or the first list, version 1) with
 * the account key. Devices are put in ascending id order.
 */
export function signDeviceList(p: {
  account: IdentityKeyPair; previous: DeviceList | null; devices: readonly DeviceEntry[]; createdAt: number;
}): DeviceList {
  checkDevices(p.devices);
  if (p.previous !== null && !equalBytes(p.previous.account, p.account.publicKey)) {
    fail('INVALID_STATE', 'the previous list belongs to another account');
  }
  const body: DeviceListBody = {
    account: p.account.publicKey,
    version: p.previous === null ? 1 : p.previous.version + 1,
    previous: p.previous === null ? DEVICE_LIST_NO_PREVIOUS : p.previous.hash,
    createdAt: p.createdAt,
    devices: [...p.devices].sort((a, b) => a.id - b.id),
  };
  const encoded = encodeDeviceListBody(body);
  return { ...body, signed: { body: encoded, signature: sign(p.account.privateKey, deviceListSignedMessage(encoded)) }, hash: deviceListHash(encoded) };
}

export function encodeDeviceList(list: DeviceList): Bytes {
  return encodeSignedDeviceList(list.signed);
}

/**
 * §12.3: the list a peer keeps after seeing `next`, given the latest one it
 * kept (`known`, null before the first). The same list again changes
 * nothing; the direct successor replaces it; anything else is refused:
 * another account (UNTRUSTED_IDENTITY), an older version (STALE_EPOCH), a
 * different list of the same version or a successor of another list
 * (EPOCH_FORK), a version further ahead with its predecessors missing
 * (FUTURE_EPOCH).
 */
export function advanceDeviceList(known: DeviceList | null, next: DeviceList): DeviceList {
  if (known === null) return next;
  if (!equalBytes(known.account, next.account)) fail('UNTRUSTED_IDENTITY', 'a device list of another account');
  if (next.version < known.version) fail('STALE_EPOCH', 'an older device list than one already seen', { got: next.version, current: known.version });
  if (next.version === known.version) {
    if (equalBytes(next.hash, known.hash)) return known;
    return fail('EPOCH_FORK', 'two different device lists of one version', { got: next.version });
  }
  if (next.version > known.version + 1) fail('FUTURE_EPOCH', 'a device list whose predecessors are missing', { got: next.version, current: known.version });
  if (!equalBytes(next.previous, known.hash)) fail('EPOCH_FORK', 'a device list that follows another list than the one seen', { got: next.version });
  return next;
}

/** Follows a chain of lists in order (e.g. every list since `known`), stopping at the first refusal. */
export function advanceDeviceListChain(known: DeviceList | null, chain: readonly DeviceList[]): DeviceList {
  return chain.reduce<DeviceList | null>((k, next) => advanceDeviceList(k, next), known) as DeviceList;
}

/** The devices `after` adds to and removes from `before` (by device key). */
export function deviceListChanges(before: DeviceList, after: DeviceList): { added: DeviceEntry[]; removed: DeviceEntry[] } {
  const has = (list: DeviceList, d: DeviceEntry): boolean => list.devices.some((e) => equalBytes(e.key, d.key));
  return { added: after.devices.filter((d) => !has(before, d)), removed: before.devices.filter((d) => !has(after, d)) };
}
