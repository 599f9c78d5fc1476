/**
 * Inbound group control messages (spec/client.md §6.2), inside the lane: a
 * welcome, a membership change (from its actor, or forwarded), resent changes
 * and requests for them (§6.5), a roster, a member's new token, a sender-key
 * distribution. Each stages the group's new state into the envelope's batch;
 * network work (registering a token, sending) is a follow-up after the commit.
 */
import { TOKEN_LENGTH } from '../../constants.js';
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import { applyChange, encodeGroupSession, joinGroup, processDistribution, roleOf } from '../../group/index.js';
import { del } from '../../store/index.js';
import type { Contact } from '../../wire/client/contact.js';
import {
  decodeGroupControl, GROUP_DUE_REGISTER, GROUP_DUE_ROSTER, GROUP_DUE_TELL, type GroupControl, type RosterEntry,
} from '../../wire/client/group-control.js';
import { decodeGroupChange } from '../../wire/index.js';
import type { ClientContext } from '../context.js';
import type { GroupChangeKind } from '../events.js';
import type { InboundEffects } from '../inbound/effects.js';
import type { Group } from './book.js';
import { peerIn } from './reach.js';
import { deliverOwed } from './send.js';
import { rotate, scheduleRoster, withDue } from './rotation.js';
import { mergeRoster } from './roster.js';
import { selfEntry, stageGroup } from './state.js';
import { adminsOf, askForChanges, sendChangesTo, withLogged, withSeen } from './sync.js';
import { addSubscriber, removeSubscriber } from './admin.js';
import { onSubscription } from './channel.js';
import { isSibling } from '../devices/index.js';
import { deviceAddress, memberAccounts } from './members.js';
import { isExcluded } from './exclusion.js';

type Control<T extends GroupControl['type']> = Extract<GroupControl, { type: T }>;

/** A group control payload from `sender` (a contact, or a fellow member who is not one). */
export async function onGroupControl(ctx: ClientContext, sender: Bytes, contact: Contact | undefined, bytes: Bytes, fx: InboundEffects): Promise<void> {
  let control: GroupControl;
  try {
    control = decodeGroupControl(bytes);
  } catch (e) {
    if (isProtocolError(e)) return;
    throw e;
  }
  try {
    switch (control.type) {
      case 'welcome': return onWelcome(ctx, sender, contact, control, fx);
      case 'change': return onChange(ctx, sender, contact, control, fx);
      case 'roster': return onRoster(ctx, sender, contact, control, fx);
      case 'member-token': return onMemberToken(ctx, sender, control, fx);
      case 'distribution': return onDistribution(ctx, sender, control, fx);
      case 'changes': return onChanges(ctx, sender, contact, control, fx);
      case 'resync': return onResync(ctx, sender, control, fx);
      case 'subscribe':
      case 'unsubscribe':
        return onSubscription(ctx, sender, contact, control.type, control.groupId, fx, {
          subscribe: (id, c) => addSubscriber(ctx, id, c), unsubscribe: (id, r) => removeSubscriber(ctx, id, r),
        });
    }
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    fx.events.push(['error', { error: e }]);
  }
}

function onWelcome(ctx: ClientContext, sender: Bytes, contact: Contact | undefined, c: Control<'welcome'>, fx: InboundEffects): void {
  // Only a contact (one of its listed devices) or another device of our own account may add us to a group (§10.6).
  const admin = deviceAddress(ctx, sender) ?? contact;
  if (admin === undefined || (contact === undefined && !isSibling(ctx, sender))) return;
  const session = joinGroup(ctx.identity.publicKey, sender, c.welcome);
  const id = toHex(session.group.groupId);
  if (ctx.groups.find(id) !== undefined) return;
  const token = ctx.random(TOKEN_LENGTH);
  const epoch = session.group.epoch;
  const roster = c.roster.map((e) => (equalBytes(e.identityKey, ctx.identity.publicKey) ? selfEntry(ctx, token, epoch) : e));
  // Registering the token and telling the admins are owed in the record until done (rotation.ts).
  const g: Group = {
    session,
    record: { session: encodeGroupSession(session), name: c.name, roster, token, owed: [], rotation: c.rotation, due: GROUP_DUE_REGISTER | GROUP_DUE_TELL },
  };
  stageGroup(ctx, id, g, fx);
  fx.events.push(['group-change', { group: id, change: 'joined', ...byOf(contact), members: memberAccounts(ctx, g).members }]);
  fx.followUps.push(() => rotate(ctx, id));
}

/** A change from its actor or forwarded by any member (the signature binds the actor, §6.5). */
function onChange(ctx: ClientContext, sender: Bytes, contact: Contact | undefined, c: Control<'change'>, fx: InboundEffects): void {
  const body = decodeGroupChange(c.change).value;
  const id = toHex(body.groupId);
  const g = ctx.groups.find(id);
  if (g === undefined || !mayRelay(g, sender, body.actor)) return;
  const step = applyIncoming(ctx, id, g, c.change, c.roster, sender, contact, fx);
  if (step.group !== undefined && step.group !== g) stageGroup(ctx, id, step.group, fx);
}

/** A member resends changes we missed, oldest first: applied in order; the ones we hold are skipped. */
function onChanges(ctx: ClientContext, sender: Bytes, contact: Contact | undefined, c: Control<'changes'>, fx: InboundEffects): void {
  const id = toHex(c.groupId);
  let g = ctx.groups.find(id);
  if (g === undefined || roleOf(g.session.group, sender) === null) return;
  const from = g;
  for (const encoded of c.changes) {
    const step = applyIncoming(ctx, id, g, encoded, undefined, sender, contact, fx);
    if (step.group === undefined) return; // we were taken out
    g = step.group;
    if (step.stop) break; // a change we cannot apply: the rest cannot apply either
  }
  // The sender's word on its own epoch replaces a claim (a message's epoch) we could not confirm.
  const seen = Math.max(g.session.group.epoch, Math.min(g.record.seen ?? 0, c.epoch));
  // An admin's roster comes along (§6.5): merged as a roster control is (the newer token wins).
  const roster = c.roster !== undefined && roleOf(g.session.group, sender) === 'admin'
    ? mergeRoster(c.roster, g.record.roster, g.session, ctx.identity.publicKey) : g.record.roster;
  if (g !== from || seen !== g.record.seen || roster !== g.record.roster) stageWithOwed(ctx, id, { ...g, record: { ...g.record, seen, roster } }, fx);
}

/** A member asks for the changes after its epoch (answered even when we have none: our epoch settles its doubt). */
function onResync(ctx: ClientContext, sender: Bytes, c: Control<'resync'>, fx: InboundEffects): void {
  const id = toHex(c.groupId);
  const g = ctx.groups.find(id);
  if (g === undefined || roleOf(g.session.group, sender) === null) return;
  fx.followUps.push(() => sendChangesTo(ctx, id, sender, c.epoch));
}

/** A change may come from its actor or from a current member (who forwards it). */
function mayRelay(g: Group, sender: Bytes, actor: Bytes): boolean {
  return equalBytes(actor, sender) || roleOf(g.session.group, sender) !== null;
}

/**
 * Applies one signed change to `g`. Returns the group to stage (unchanged for a change we hold), undefined if we
 * were taken out (the deletion is staged here), and `stop` when the change cannot apply: a later epoch (we ask the
 * sender and the admins for what we missed, and record that we are behind) or a fork (flagged).
 */
function applyIncoming(
  ctx: ClientContext, id: string, g: Group, encoded: Bytes, incoming: readonly RosterEntry[] | undefined, sender: Bytes,
  contact: Contact | undefined, fx: InboundEffects,
): { group: Group | undefined; stop: boolean } {
  // A device its account revoked is excluded at once (§10.6) but stays in the group state until the acting admin
  // removes it: until then a change it signs (say, an admin device adding one of the thief's) is refused, except
  // its own leave. A member that has not yet processed the revocation may apply it (threat model, limits).
  const proposed = decodeGroupChange(encoded).value;
  if (isExcluded(g, proposed.actor) && !(proposed.operation === 'leave' && equalBytes(proposed.target, proposed.actor))) {
    return { group: g, stop: true };
  }
  let applied;
  try {
    applied = applyChange(g.session, encoded);
  } catch (e) {
    if (!isProtocolError(e) || !OUT_OF_STEP.has(e.code)) throw e;
    return { group: onUnapplied(ctx, id, g, decodeGroupChange(encoded).value.epoch, e.code, sender, fx), stop: e.code !== 'STALE_EPOCH' };
  }
  const { session, change } = applied;
  const { members } = memberAccounts(ctx, { session, record: g.record });
  if (equalBytes(change.target, ctx.identity.publicKey) && change.role === null) {
    fx.writes.push(del('groups', id));
    fx.apply.push(() => ctx.groups.delete(id));
    fx.events.push(['group-change', { group: id, change: 'removed', ...byOf(contact), members: [] }]);
    fx.followUps.push(() => ctx.relay.revokeToken(g.record.token));
    return { group: undefined, stop: true };
  }
  const roster = mergeRoster(incoming ?? g.record.roster, g.record.roster, session, ctx.identity.publicKey);
  // Someone left or was removed: every remaining member replaces its token (client.md §6.3) — not in a channel,
  // whose readers never see changes (§6.6).
  const rotation = change.role === null && session.group.mode !== 'channel' ? session.group.epoch : g.record.rotation;
  if (rotation !== g.record.rotation) fx.followUps.push(() => rotate(ctx, id));
  const kind: GroupChangeKind = change.operation === 'add' || change.operation === 'subscribe' ? 'added'
    : change.operation === 'leave' ? 'left' : change.role === null ? 'removed' : 'updated';
  fx.events.push(['group-change', { group: id, change: kind, ...byOf(contact), members }]);
  return { group: { session, record: withLogged({ ...g.record, roster, rotation }, encoded) }, stop: false };
}

/** Epoch refusals (protocol.md §8.7 step 3): a change we hold, one from a later epoch, a fork. */
const OUT_OF_STEP: ReadonlySet<string> = new Set(['STALE_EPOCH', 'FUTURE_EPOCH', 'EPOCH_FORK']);

/** A change we could not apply: a later epoch means we missed some (we ask for them); a fork is flagged. */
function onUnapplied(ctx: ClientContext, id: string, g: Group, epoch: number, code: string, sender: Bytes, fx: InboundEffects): Group {
  const ours = g.session.group.epoch;
  if (code === 'FUTURE_EPOCH') {
    fx.events.push(['group-mismatch', { group: id, from: toHex(sender), epoch, ours, agreement: 'behind' }]);
    fx.followUps.push(() => askForChanges(ctx, id, [sender, ...adminsOf(ctx, g)]));
    return { ...g, record: withSeen(g, epoch, ctx.now()) };
  }
  if (code === 'EPOCH_FORK') fx.events.push(['group-mismatch', { group: id, from: toHex(sender), epoch, ours, agreement: 'fork' }]);
  return g;
}

function onRoster(ctx: ClientContext, sender: Bytes, contact: Contact | undefined, c: Control<'roster'>, fx: InboundEffects): void {
  const id = toHex(c.groupId);
  const g = ctx.groups.find(id);
  if (g === undefined || roleOf(g.session.group, sender) !== 'admin') return;
  const roster = mergeRoster(c.roster, g.record.roster, g.session, ctx.identity.publicKey);
  stageWithOwed(ctx, id, { ...g, record: { ...g.record, roster } }, fx);
  fx.events.push(['group-change', { group: id, change: 'updated', ...byOf(contact), members: memberAccounts(ctx, g).members }]);
}

function onMemberToken(ctx: ClientContext, sender: Bytes, c: Control<'member-token'>, fx: InboundEffects): void {
  const id = toHex(c.groupId);
  const g = ctx.groups.find(id);
  if (g === undefined || roleOf(g.session.group, sender) === null) return;
  const roster = g.record.roster.map((e) => (equalBytes(e.identityKey, sender) && (e.token === undefined || c.epoch >= e.epoch)
    ? { ...e, mailbox: c.mailbox, token: c.token, epoch: c.epoch } : e));
  // An admin owes a roster broadcast from this commit on, until it is sent (rotation.ts).
  const admin = roleOf(g.session.group, ctx.identity.publicKey) === 'admin';
  stageWithOwed(ctx, id, withDue({ ...g, record: { ...g.record, roster } }, admin ? GROUP_DUE_ROSTER : 0, 0), fx);
  if (admin) fx.followUps.push(() => scheduleRoster(ctx, id));
}

function onDistribution(ctx: ClientContext, sender: Bytes, c: Control<'distribution'>, fx: InboundEffects): void {
  // The group id is inside the distribution; the group that accepts it is the one.
  for (const [id, g] of ctx.groups.entries()) {
    if (roleOf(g.session.group, sender) === null) continue;
    try {
      const { session } = processDistribution(g.session, sender, c.distribution);
      stageGroup(ctx, id, { ...g, session }, fx);
      return;
    } catch (e) {
      // A distribution delivered again (owed work redone after a lost connection, §6.3): the key is installed.
      if (isProtocolError(e) && e.code === 'DUPLICATE_MESSAGE') return;
      if (!isProtocolError(e) || e.code !== 'INVALID_STATE') throw e;
    }
  }
}

/**
 * Stages the group and, after the commit, delivers owed distributions to members who just became reachable: they
 * stay owed in the record until delivered (send.ts), so a lost connection only defers them.
 */
function stageWithOwed(ctx: ClientContext, id: string, g: Group, fx: InboundEffects): void {
  stageGroup(ctx, id, g, fx);
  if (g.record.owed.some((o) => peerIn(ctx, g, o.identityKey) !== undefined)) fx.followUps.push(() => deliverOwed(ctx, id));
}

function byOf(contact: Contact | undefined): { by?: Contact } {
  return contact === undefined ? {} : { by: contact };
}
