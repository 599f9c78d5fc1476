/**
 * What happens after each successful authentication at the relay, before
 * that connection's deliveries are processed: record the mailbox id the
 * relay gave us; publish or replenish prekeys, rotate the signed pair and
 * retire invitation tokens when due (a failure there is reported as an
 * `error` event and never fails the connection); then resume work a crash or a lost connection interrupted
 * (dedicated tokens, announcements of linked devices, group token rotations, the outbox).
 */
import { toHex, type Bytes } from '../../crypto/index.js';
import { put } from '../../store/index.js';
import { FOLLOW_PREFIX } from '../../wire/client/pending-follow.js';
import { issueToken } from '../contacts/tokens.js';
import type { ClientContext } from '../context.js';
import { loadedFeatures, loadFeatures } from '../features.js';
import { publishPreKeys } from './prekeys.js';
import { runUpkeep, scheduleUpkeep } from './upkeep.js';

export async function onConnected(ctx: ClientContext, mailbox: Bytes): Promise<void> {
  if (ctx.mailbox === undefined || toHex(ctx.mailbox) !== toHex(mailbox)) {
    await ctx.store.write([put('identity', 'mailbox', mailbox)]);
    ctx.mailbox = mailbox.slice();
  }
  const report = (error: unknown): void => ctx.events.emit('error', { error });
  // Prekeys never fail the connection: a failure is reported, the next `prekeys_low` or connection retries.
  await publishPreKeys(ctx).catch(report);
  await runUpkeep(ctx);
  scheduleUpkeep(ctx);
  for (const c of ctx.contacts.all()) {
    // A contact from a multi-use invitation whose dedicated token was not issued before a crash.
    if (c.ourToken === undefined && c.token !== undefined && !c.blocked) void issueToken(ctx, c).catch(report);
  }
  // Linked devices: announcements a lost connection or a restart cut off (client.md §10.3). A single-device
  // account owes none, so its client does not load that code (features.ts).
  if (ctx.account !== undefined) void Promise.resolve(loadedFeatures() ?? loadFeatures()).then((f) => f.resumeAnnouncements(ctx)).catch(report);
  // Device lists ahead of ours whose fetch from the directory a lost connection or a restart cut off (§10.2).
  void resumeFollows(ctx).catch(report);
  // Features not loaded: no group, so no rotation to resume (they are loaded whenever a group exists).
  void loadedFeatures()?.resumeRotations(ctx).catch(report);
  ctx.outbox.pump();
}

/** Follows the pending device-list announcements (stored under `account/follow/…`), if any: the common case reads an empty list. */
async function resumeFollows(ctx: ClientContext): Promise<void> {
  const pending = (await ctx.store.list('account')).filter((e) => e.key.startsWith(FOLLOW_PREFIX));
  if (pending.length === 0) return;
  await (loadedFeatures() ?? await loadFeatures()).resumeFollows(ctx, pending);
}
