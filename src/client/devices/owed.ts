/**
 * Announcements owed (spec/client.md §10.3 "Announcing"): the account record
 * keeps the peers still owed our `device` announcement — every peer
 * (`owedToAll`, set with a list this device takes on) or the device keys
 * listed (`owed`) — from the commit that makes one necessary until the relay
 * took it or refused it for good. One cut off by a lost connection, a
 * timeout, the client's close or a passing refusal stays owed and is made
 * again after the next authentication (resumeAnnouncements). Announcing is
 * idempotent, so a peer announced to twice changes nothing.
 */
import { MAX_OWED_ANNOUNCEMENTS } from '../../constants.js';
import { equalBytes, type Bytes } from '../../crypto/index.js';
import type { AccountRecord } from '../../wire/client/account.js';
import type { ClientContext } from '../context.js';
import { accountWrite } from './account.js';

/** What a record owes: every peer, or these device keys. */
export type Owing = 'all' | readonly Bytes[];

/** `record` also owing `owing`; more keys than a record holds are owed as "every peer". */
export function owing(record: AccountRecord, owe: Owing): AccountRecord {
  if (owe === 'all' || record.owedToAll === true) return owe === 'all' && record.owedToAll !== true ? withoutKeys({ ...record, owedToAll: true }) : record;
  const known = record.owed ?? [];
  const added = owe.filter((k, i) => !known.some((o) => equalBytes(o, k)) && owe.findIndex((o) => equalBytes(o, k)) === i);
  if (added.length === 0) return record;
  const owed = [...known, ...added];
  return owed.length > MAX_OWED_ANNOUNCEMENTS ? withoutKeys({ ...record, owedToAll: true }) : { ...record, owed };
}

/** `record` no longer owing `done` (and, with `all`, no longer every peer) but still owing `cut`. */
export function settled(record: AccountRecord, done: readonly Bytes[], all: boolean, cut: readonly Bytes[]): AccountRecord {
  const { owedToAll, owed, ...rest } = record;
  const left = (owed ?? []).filter((k) => !done.some((d) => equalBytes(d, k)));
  const base: AccountRecord = { ...rest, ...(owedToAll === true && !all && { owedToAll }), ...(left.length > 0 && { owed: left }) };
  return owing(base, cut);
}

function withoutKeys(record: AccountRecord): AccountRecord {
  const { owed: _owed, ...rest } = record;
  return rest;
}

/** Commits `change` of the account record in the lane (nothing written when it changes nothing). */
export async function updateOwed(ctx: ClientContext, change: (r: AccountRecord) => AccountRecord): Promise<void> {
  await ctx.lane.run(async () => {
    const account = ctx.account;
    if (account === undefined) return;
    const next = change(account);
    if (next === account) return;
    await ctx.store.write([accountWrite(next)]);
    ctx.account = next;
  });
}
