/**
 * The primary revokes one of its devices (spec/client.md §10.5, the
 * primary's steps): it signs list n+1 without it, publishes it at the relay
 * first, commits it — the sibling's address, its sessions and the token we
 * issued it are dropped, and the groups hook runs (§10.6) — then announces
 * the list to every contact device and remaining sibling, and sends it to the
 * revoked device too, which learns it was revoked. From then on nothing we
 * send reaches the revoked device; each contact stops sending to it once the
 * announcement (or a fetch of the list) reaches it.
 */
import { encodeDeviceList } from '../../identity/index.js';
import type { ClientContext } from '../context.js';
import { announce, commitOwnList, tellRevoked } from '../devices/index.js';
import { publishList } from './link-device.js';
import { listLane } from './list-lane.js';
import { adoptRelayLists } from './recover.js';
import { listWithout, requirePrimary } from './next-list.js';
import { ownDevices, type DeviceInfo } from './own-list.js';

/** Revokes device `id`; resolves with the account's devices once the new list is announced. */
export async function revokeDevice(ctx: ClientContext, id: number): Promise<DeviceInfo[]> {
  requirePrimary(ctx, 'revoking a device');
  await listLane(ctx).run(async () => {
    await adoptRelayLists(ctx); // a list we published and lost (a crash before its commit) comes first
    const { list } = listWithout(ctx, id);
    const encoded = encodeDeviceList(list);
    await publishList(ctx, encoded);
    // The commit keeps the revoked device's address in the record's `untold` until it has been told (§10.5).
    await commitOwnList(ctx, encoded);
  });
  await announce(ctx);
  await tellRevoked(ctx);
  return ownDevices(ctx);
}
