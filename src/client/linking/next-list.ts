/**
 * The next list the primary signs when it links or revokes a device (spec/client.md
 * §10.4, §10.5). A single-device account has no list (client.md §10.1), so the
 * first link signs version 1 naming the primary (id 1) and the new device. Apart
 * from own-list.ts, which the client's core reads: only linking signs lists, and it
 * loads on first use (features.ts).
 */
import { MAX_DEVICES_PER_ACCOUNT } from '../../constants.js';
import { equalBytes, type Bytes } from '../../crypto/index.js';
import { signDeviceList, type DeviceList } from '../../identity/index.js';
import type { DeviceEntry } from '../../wire/index.js';
import type { ClientContext } from '../context.js';
import { accountKey, isPrimary, ownList } from '../devices/account.js';
import { ClientError } from '../errors.js';
import { PRIMARY_DEVICE_ID } from './own-list.js';

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
