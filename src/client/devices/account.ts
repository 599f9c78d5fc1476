/**
 * Our own account (spec/client.md §10.1): the account record's cache
 * (`ctx.account`) and what it says about us; account-commit.ts writes it
 * whole. A single-device account has no record: its account key is its
 * identity key and it has no list (design D1).
 */
import { equalBytes, type Bytes } from '../../crypto/index.js';
import type { DeviceList } from '../../identity/index.js';
import { put, type Store, type StoreWrite } from '../../store/index.js';
import { decodeAccountRecord, encodeAccountRecord, type AccountRecord, type SiblingRecord } from '../../wire/client/account.js';
import type { ClientContext } from '../context.js';
import { openedList } from './list-cache.js';

export async function loadAccount(store: Store): Promise<AccountRecord | undefined> {
  const stored = await store.get('account', 'state');
  return stored === undefined ? undefined : decodeAccountRecord(stored);
}

export function accountWrite(record: AccountRecord): StoreWrite {
  return put('account', 'state', encodeAccountRecord(record));
}

/** Our account key: the record's, or our identity key for a single-device account (D1). */
export function accountKey(ctx: ClientContext): Bytes {
  return ctx.account?.accountKey ?? ctx.identity.publicKey;
}

/** The primary holds the account key; a single-device account is its own primary. */
export function isPrimary(ctx: ClientContext): boolean {
  return ctx.account === undefined || ctx.account.primary;
}

/** The other devices of our account, with what we know of their addresses. */
export function siblings(ctx: ClientContext): readonly SiblingRecord[] {
  return ctx.account?.siblings ?? [];
}

/** The newest list of our own account we accepted (undefined for a single-device account). */
export function ownList(ctx: ClientContext): DeviceList | undefined {
  return ctx.account?.list === undefined ? undefined : openedList(ctx.account.list);
}

/** A listed sibling: another device of our account that our accepted list names. */
export function isSibling(ctx: ClientContext, key: Bytes): boolean {
  const list = ownList(ctx);
  return list !== undefined && !equalBytes(key, ctx.identity.publicKey) && list.devices.some((d) => equalBytes(d.key, key));
}

/** The siblings of `list` (every listed device but us), keeping what `known` says of each. */
export function withAllListed(known: readonly SiblingRecord[], list: DeviceList, self: Bytes): SiblingRecord[] {
  return list.devices.filter((d) => !equalBytes(d.key, self)).map((d) => known.find((s) => equalBytes(s.key, d.key)) ?? { key: d.key });
}
