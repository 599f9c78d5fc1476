/**
 * Signed device lists (spec/protocol.md §12.2): the devices of one account,
 * signed by the account key over the exact body bytes.
 *
 *   signed = { v: 1, b: bin (the encoded body), s: bin(64) }
 *   body   = { a: bin(32) account key, n: uint version, p: bin(32) previous hash, t: uint createdAt,
 *              d: [[uint32 id, bin(32) device key, uint createdAt], …] }
 *
 * Shapes only: signatures, keys and the chain are checked in src/identity.
 */
import { DEVICE_LIST_VERSION, MAX_DEVICE_LIST_SIZE, MAX_DEVICES_PER_ACCOUNT } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { checkBytes, checkUint, decodeMsgpack, encodeMsgpack, readArray, readBytes, readMap, readUint, readVersion } from './codec.js';

export interface DeviceEntry {
  /** Chosen by the account, unique in the list, never reused. */
  readonly id: number;
  /** The device's own identity key (Ed25519): its sessions, prekeys and sealed-sender identity. */
  readonly key: Bytes;
  readonly createdAt: number;
}

export interface DeviceListBody {
  readonly account: Bytes;
  /** 1 for the first list, then +1 per change. */
  readonly version: number;
  /** Hash of the previous list's body (§12.3); 32 zero bytes for version 1. */
  readonly previous: Bytes;
  readonly createdAt: number;
  /** In ascending id order. */
  readonly devices: readonly DeviceEntry[];
}

export interface SignedDeviceList {
  /** The encoded body, exactly as signed. */
  readonly body: Bytes;
  readonly signature: Bytes;
}

const WHAT = 'device list';
const MAX_ID = 0xffffffff;

export function encodeDeviceListBody(b: DeviceListBody): Bytes {
  return encodeMsgpack({
    a: b.account, n: b.version, p: b.previous, t: b.createdAt, d: b.devices.map((d) => [d.id, d.key, d.createdAt]),
  });
}

export function encodeSignedDeviceList(l: SignedDeviceList): Bytes {
  return encodeMsgpack({ v: DEVICE_LIST_VERSION, b: l.body, s: l.signature });
}

export function decodeSignedDeviceList(bytes: Bytes): SignedDeviceList {
  const map = readMap(decodeMsgpack(bytes, MAX_DEVICE_LIST_SIZE, WHAT), WHAT, ['v', 'b', 's']);
  readVersion(map, WHAT, [DEVICE_LIST_VERSION]);
  return { body: readBytes(map, WHAT, 'b', { min: 1, max: MAX_DEVICE_LIST_SIZE }), signature: readBytes(map, WHAT, 's', 64) };
}

function readDevice(entry: unknown): DeviceEntry {
  if (!Array.isArray(entry) || entry.length !== 3) fail('MALFORMED', `${WHAT}: a device entry is not a triple`, { what: WHAT, field: 'd' });
  return { id: checkUint(entry[0], WHAT, 'd', MAX_ID), key: checkBytes(entry[1], WHAT, 'd', 32), createdAt: checkUint(entry[2], WHAT, 'd') };
}

/** Decodes a body; ids must ascend strictly (one canonical order), at least one device, at most MAX_DEVICES_PER_ACCOUNT. */
export function decodeDeviceListBody(bytes: Bytes): DeviceListBody {
  const map = readMap(decodeMsgpack(bytes, MAX_DEVICE_LIST_SIZE, WHAT), WHAT, ['a', 'n', 'p', 't', 'd']);
  const devices = readArray(map, WHAT, 'd', MAX_DEVICES_PER_ACCOUNT).map(readDevice);
  if (devices.length === 0) fail('MALFORMED', `${WHAT}: no device`, { what: WHAT, field: 'd' });
  devices.forEach((d, i) => {
    if (i > 0 && d.id <= (devices[i - 1] as DeviceEntry).id) fail('MALFORMED', `${WHAT}: device ids not strictly ascending`, { what: WHAT, field: 'd' });
  });
  return {
    account: readBytes(map, WHAT, 'a', 32),
    version: readUint(map, WHAT, 'n'),
    previous: readBytes(map, WHAT, 'p', 32),
    createdAt: readUint(map, WHAT, 't'),
    devices,
  };
}
