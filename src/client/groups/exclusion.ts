/**
 * Excluding a revoked device before its removal (spec/client.md §10.6). Only
 * an admin's signed change takes a member out of the group state, and the
 * admin may be offline; but every member that accepts a device list without
 * device R stops serving R at once: R is recorded in the group record's
 * `excluded` set, nothing of ours reaches it any more (no fan-out, no
 * sender-key distribution, no control message: `peerIn` and `reach` answer
 * undefined), and our sender key is dropped, so our next post starts a fresh
 * one that every member but R receives. R leaves the set when a change
 * removes it from the state.
 */
import { equalBytes, type Bytes } from '../../crypto/index.js';
import { roleOf, rotateSenderKey } from '../../group/index.js';
import type { GroupRecord } from '../../wire/client/group-control.js';
import type { Group } from './book.js';

export function isExcluded(g: Group, key: Bytes): boolean {
  return g.record.excluded?.some((k) => equalBytes(k, key)) === true;
}

/**
 * The group with `keys` excluded: those that are members, not us and not excluded yet. Our sender key is dropped
 * and nothing stays owed to them. Undefined when none is new (nothing to change).
 */
export function withExcluded(g: Group, keys: readonly Bytes[], self: Bytes): Group | undefined {
  const fresh = keys.filter((k, i) => !equalBytes(k, self) && roleOf(g.session.group, k) !== null && !isExcluded(g, k)
    && keys.findIndex((x) => equalBytes(x, k)) === i);
  if (fresh.length === 0) return undefined;
  const owed = g.record.owed.filter((o) => !fresh.some((k) => equalBytes(k, o.identityKey)));
  const excluded = [...(g.record.excluded ?? []), ...fresh.map((k) => k.slice())];
  return { session: rotateSenderKey(g.session), record: { ...g.record, excluded, owed } };
}

/** The record without the excluded devices that are no longer members (their removal was applied). */
export function withoutDeparted(record: GroupRecord, g: Pick<Group, 'session'>): GroupRecord {
  if (record.excluded === undefined) return record;
  const excluded = record.excluded.filter((k) => roleOf(g.session.group, k) !== null);
  if (excluded.length === record.excluded.length) return record;
  if (excluded.length > 0) return { ...record, excluded };
  const { excluded: _, ...rest } = record;
  return rest;
}
