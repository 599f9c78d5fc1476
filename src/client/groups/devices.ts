/**
 * Groups with linked devices (spec/client.md §10.6): the members of the group
 * protocol are device keys, so every device has its own sender key. The
 * devices code calls `onDevicesChanged` after it accepted a new device list of
 * an account (a contact's or our own), or learned how to reach a listed
 * device.
 *
 * - Every member excludes the devices the list dropped at once (exclusion.ts):
 *   nothing of ours reaches them, and our next post starts a fresh sender key.
 * - One admin, the *acting* admin (the first admin device in member order that
 *   is not excluded), makes the signed changes: it removes the excluded devices
 *   (rotation, §6.3) and adds the account's new reachable devices with the role
 *   its other devices have. One admin acts so that two admins never make two
 *   changes of one epoch (a fork); the others' exclusion already protects
 *   what they send while it has not acted.
 */
import { equalBytes, type Bytes } from '../../crypto/index.js';
import { roleOf, type GroupRole } from '../../group/index.js';
import type { ClientContext } from '../context.js';
import { attributedKeys } from '../contacts/book.js';
import { accountKey, devicesOf, siblingPeers } from '../devices/index.js';
import type { InboundEffects } from '../inbound/effects.js';
import { addDevices, removeDevices } from './admin.js';
import type { Group } from './book.js';
import { isExcluded, withExcluded } from './exclusion.js';
import { devicesInGroup, isOwnAccount, reachableDevices } from './members.js';
import { commitGroup, stageGroup } from './state.js';

/**
 * `account`'s device list changed (`added`, `removed`: device keys), or a listed device became reachable (in
 * `added`). With `fx` (inside an envelope's processing) the exclusions join its batch and the admin's work is a
 * follow-up; without, both run in the background. Never throws: the list is already committed.
 */
export function onDevicesChanged(
  ctx: ClientContext, account: Bytes, added: readonly Bytes[], removed: readonly Bytes[], fx?: InboundEffects,
): void {
  void added; // reconciling reads the committed list, which names them
  try {
    const revoked = removed.filter((k) => !listedByAnother(ctx, account, k));
    if (fx !== undefined) {
      for (const [id, g] of ctx.groups.entries()) {
        const next = withExcluded(g, revoked, ctx.identity.publicKey);
        if (next !== undefined) stageGroup(ctx, id, next, fx);
      }
      fx.followUps.push(() => reconcileAll(ctx, account));
      return;
    }
    void (async () => {
      await ctx.lane.run(async () => {
        for (const [id, g] of ctx.groups.entries()) {
          const next = withExcluded(g, revoked, ctx.identity.publicKey);
          if (next !== undefined) await commitGroup(ctx, id, next, []);
        }
      });
      await reconcileAll(ctx, account);
    })().catch((error: unknown) => ctx.events.emit('error', { error }));
  } catch (error) {
    ctx.events.emit('error', { error });
  }
}

/**
 * A device attributed to another account (client.md §10.2: listed by it and vouching for it) is not excluded on
 * this account's word: an account cannot have another account's device shut out of groups by listing it and then
 * dropping it.
 */
function listedByAnother(ctx: ClientContext, account: Bytes, key: Bytes): boolean {
  if (!isOwnAccount(ctx, account) && devicesOf(ctx, accountKey(ctx)).some((k) => equalBytes(k, key))) return true;
  return ctx.contacts.all().some((c) => !equalBytes(c.identityKey, account) && attributedKeys(c).some((k) => equalBytes(k, key)));
}

/** The acting admin's work in every group after `account`'s list changed; also after a (re)connection (resume). */
export async function reconcileAll(ctx: ClientContext, account?: Bytes): Promise<void> {
  for (const id of ctx.groups.ids()) {
    if (ctx.closed) return;
    try {
      await reconcile(ctx, id, account);
    } catch (error) {
      ctx.events.emit('error', { error });
    }
  }
}

/** Is this device the group's acting admin: the first admin in member order that is not excluded? */
export function isActingAdmin(ctx: ClientContext, g: Group): boolean {
  const first = g.session.group.members.find((m) => m.role === 'admin' && !isExcluded(g, m.identityKey));
  return first !== undefined && equalBytes(first.identityKey, ctx.identity.publicKey);
}

/** Removes the group's excluded devices, then adds `account`'s new reachable devices (when it is a member account). */
async function reconcile(ctx: ClientContext, id: string, account: Bytes | undefined): Promise<void> {
  const g = ctx.groups.find(id);
  if (g === undefined || !isActingAdmin(ctx, g)) return;
  const excluded = g.record.excluded ?? [];
  if (excluded.length > 0) await removeDevices(ctx, id, excluded, false);
  if (account === undefined) return;
  const now = ctx.groups.find(id);
  if (now === undefined) return;
  const role = roleOfAccount(ctx, now, account);
  if (role === null) return; // not a member account: a list change does not make it one
  const peers = isOwnAccount(ctx, account) ? siblingPeers(ctx) : reachableDevices(ctx.contacts.byAccountKey(account));
  await addDevices(ctx, id, peers, role);
}

/** The role `account`'s devices have in the group (ours: our own), or null when none of them is a member. */
function roleOfAccount(ctx: ClientContext, g: Group, account: Bytes): GroupRole | null {
  if (isOwnAccount(ctx, account)) return roleOf(g.session.group, ctx.identity.publicKey);
  const first = devicesInGroup(ctx, g, account)[0];
  return first === undefined ? null : roleOf(g.session.group, first);
}
