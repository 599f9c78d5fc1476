/**
 * Our account's devices as the app sees them (spec/client.md §10.4): the
 * devices the account has now (next-list.ts signs the next list). A
 * single-device account has no list: it is the list of its primary alone
 * (client.md §10.1), id 1.
 */
import { equalBytes, toHex } from '../../crypto/index.js';
import type { DeviceEntry } from '../../wire/index.js';
import type { ClientContext } from '../context.js';
import { accountKey, ownList } from '../devices/account.js';

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
