/**
 * Committing a group's state (spec/client.md §5.1): directly, for our own
 * operations, or staged into the inbound batch so that it commits with the
 * session record of the envelope that carried it. Also the app's view of a
 * group (GroupInfo).
 */
import type { Bytes } from '../../crypto/index.js';
import { encodeGroupSession, roleOf } from '../../group/index.js';
import { put, type StoreWrite } from '../../store/index.js';
import { encodeGroupRecord, type GroupRecord, type RosterEntry } from '../../wire/client/group-control.js';
import type { ClientContext } from '../context.js';
import type { InboundEffects } from '../inbound/effects.js';
import type { Group } from './book.js';
import { withoutDeparted } from './exclusion.js';
import { memberAccounts } from './members.js';
import { emitIfTurnedReady, isGroupReady, stageReadiness } from './readiness.js';

export interface GroupOptions {
  /** A broadcast channel: the creator posts, members read. */
  readonly channel?: boolean;
}

export interface GroupInfo {
  readonly id: string;
  readonly name: string;
  readonly mode: 'group' | 'channel';
  /** Members' account keys (hex), ourselves included: each account once, whatever its number of devices (client.md §10.6). */
  readonly members: readonly string[];
  /** Each member account's devices in the group (device keys, hex): the members of the group protocol. */
  readonly devices: Readonly<Record<string, readonly string[]>>;
  /** Every member's group token is known: a message reaches everyone. */
  readonly ready: boolean;
  readonly admin: boolean;
  /** The membership epoch (protocol.md §8.7): every change advances it by one. */
  readonly epoch: number;
}

export function groupInfo(ctx: ClientContext, id: string): GroupInfo {
  const g = ctx.groups.get(id);
  const self = ctx.identity.publicKey;
  const { members, devices } = memberAccounts(ctx, g);
  return {
    id, name: g.record.name, mode: g.session.group.mode, members, devices,
    ready: isGroupReady(self, g),
    admin: roleOf(g.session.group, self) === 'admin', epoch: g.session.group.epoch,
  };
}

/** Our own roster entry: the group token we registered at `epoch`. */
export function selfEntry(ctx: ClientContext, token: Bytes, epoch: number): RosterEntry {
  return { identityKey: ctx.identity.publicKey, mailbox: ctx.mailbox as Bytes, token, epoch, ...(ctx.displayName !== undefined && { name: ctx.displayName }) };
}

/** Writes the group (with `extra` writes in the same batch), then updates the book (and emits `group-ready`). Run in the lane. */
export async function commitGroup(ctx: ClientContext, id: string, g: Group, extra: StoreWrite[]): Promise<void> {
  const record: GroupRecord = { ...withoutDeparted(g.record, g), session: encodeGroupSession(g.session) };
  await ctx.store.write([put('groups', id, encodeGroupRecord(record)), ...extra]);
  ctx.groups.set(id, { record, session: g.session });
  emitIfTurnedReady(ctx, id);
}

/** Adds the group's new state to the receive batch (applied to the book after the commit). */
export function stageGroup(ctx: ClientContext, id: string, g: Group, fx: InboundEffects): void {
  const record: GroupRecord = { ...withoutDeparted(g.record, g), session: encodeGroupSession(g.session) };
  const i = fx.writes.findIndex((w) => w.namespace === 'groups' && w.key === id);
  if (i >= 0) fx.writes.splice(i, 1);
  fx.writes.push(put('groups', id, encodeGroupRecord(record)));
  fx.apply.push(() => {
    ctx.groups.set(id, { record, session: g.session });
    stageReadiness(ctx, id, fx.events);
  });
}
