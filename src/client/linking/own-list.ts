/**
 * The primary's view of its own device list (spec/client.md §10.4, §10.5):
 * the devices the account has now, and the next list it signs when it links
 * or revokes one. A single-device account has no list: it is the list of its
 * primary alone (client.md §10.1), so the first link signs version 1 naming
 * the primary (id 1) and the new device.
 */
import { MAX_DEVICES_PER_ACCOUNT } from '../../constants.js';
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { signDeviceList, type DeviceList } from '../../identity/index.js';
import type { DeviceEntry } from '../../wire/index.js';
import type { ClientContext } from '../context.js';
import { accountKey, isPrimary, ownList } from '../devices/account.js';
import { ClientError } from '../errors.js';

/** One device of our account, as the app sees it (`Client.devices()`). */
export interface DeviceInfo {
  readonly id: number;
  /** The device key, hex. */
  readonly key: string;
  /** When the list first named it (ms); absent for the primary of an account that never linked a device. */
  readonly createdAt?: number;
  /** Holds the account key: signs the device list. */
  readonly primary: boolean;
  /** This device. */
  readonly self: boolean;
}

/** The id of the primary in the first list: the account's first device. */
export const PRIMARY_DEVICE_ID = 1;

export function ownDevices(ctx: ClientContext): DeviceInfo[] {
  const list = ownList(ctx);
  const account = accountKey(ctx);
  const info = (d: DeviceEntry, createdAt?: number): DeviceInfo => ({
    id: d.id, key: toHex(d.key), ...(createdAt !== undefined && { createdAt }),
    primary: equalBytes(d.key, account), self: equalBytes(d.key, ctx.identity.publicKey),
  });
  if (list === undefined) return [info({ id: PRIMARY_DEVICE_ID, key: ctx.identity.publicKey, createdAt: 0 })];
  return list.devices.map((d) => info(d, d.createdAt));
}

/** Only the primary holds the account key that signs lists (protocol.md §12.1). */
export function requirePrimary(ctx: ClientContext, what: string): void {
  if (!isPrimary(ctx) || !equalBytes(accountKey(ctx), ctx.identity.publicKey)) {
    throw new ClientError('NOT_PRIMARY', `${what}: only the account's primary device can change its device list`);
  }
}

/** A list has room for one more device (MAX_DEVICES_PER_ACCOUNT), else DEVICE_LIMIT. */
export function requireRoom(ctx: ClientContext): void {
  const count = ownList(ctx)?.devices.length ?? 1;
  if (count >= MAX_DEVICES_PER_ACCOUNT) {
    throw new ClientError('DEVICE_LIMIT', 'the account already has the most devices a list may name', { got: count, max: MAX_DEVICES_PER_ACCOUNT });
  }
}

/** List n+1 with `key` added under the next unused id (the first list: the primary as id 1, then it). */
export function listWith(ctx: ClientContext, key: Bytes): { list: DeviceList; id: number } {
  requireRoom(ctx);
  const previous = ownList(ctx) ?? null;
  const now = ctx.now();
  const current: DeviceEntry[] = previous?.devices.slice() ?? [{ id: PRIMARY_DEVICE_ID, key: ctx.identity.publicKey, createdAt: now }];
  if (current.some((d) => equalBytes(d.key, key))) throw new ClientError('NOT_ALLOWED', 'that device is already on the account');
  const id = Math.max(ctx.account?.nextId ?? PRIMARY_DEVICE_ID + 1, ...current.map((d) => d.id + 1));
  return { list: signDeviceList({ account: ctx.identity, previous, devices: [...current, { id, key, createdAt: now }], createdAt: now }), id };
}

/** List n+1 without device `id`: not ourselves (UNKNOWN_DEVICE for an id the list does not name, NOT_ALLOWED for our own). */
export function listWithout(ctx: ClientContext, id: number): { list: DeviceList; removed: DeviceEntry } {
  const previous = ownList(ctx) ?? null;
  const removed = previous?.devices.find((d) => d.id === id);
  if (previous === null || removed === undefined) throw new ClientError('UNKNOWN_DEVICE', 'no device with that id on the account', { id });
  if (equalBytes(removed.key, ctx.identity.publicKey)) throw new ClientError('NOT_ALLOWED', 'the primary cannot revoke itself');
  const devices = previous.devices.filter((d) => d.id !== id);
  return { list: signDeviceList({ account: ctx.identity, previous, devices, createdAt: ctx.now() }), removed };
}
