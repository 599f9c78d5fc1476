/**
 * The two ways our account record (account.ts) is written whole (spec/client.md
 * §10.1): installed on a newly linked device, and committed by the primary
 * after it signed a new list. Only linking calls them, so they live apart from
 * account.ts, which every client reads: a web app's entry then leaves them to
 * the chunk loaded on first use (features.ts).
 */
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { advanceDeviceList, deviceListChanges, openDeviceList, type DeviceList } from '../../identity/index.js';
import { del, type StoreWrite } from '../../store/index.js';
import { MAX_DEVICES_PER_ACCOUNT } from '../../constants.js';
import type { AccountRecord, RevokedAddress, SiblingRecord } from '../../wire/client/account.js';
import type { ContactEntry } from '../../wire/client/contact-entry.js';
import { contactWrite } from '../contacts/tokens.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import { loadedFeatures } from '../features.js';
import { accountKey, accountWrite, isPrimary, ownList, withAllListed } from './account.js';
import { contactFromEntry } from './entries.js';

export interface InstallAccount {
  readonly accountKey: Bytes;
  /** Our id in `list`. */
  readonly deviceId: number;
  /** The signed list (protocol.md §12.2 bytes) that names us. */
  readonly list: Bytes;
  readonly contacts: readonly ContactEntry[];
  /** The siblings we know how to reach (the linking device, with the token it issued for us). */
  readonly siblings: readonly SiblingRecord[];
}

/**
 * A newly linked device takes on its account (the linking flow on N, D5): the account record
 * (not primary), the contacts of the provisioning payload, its siblings — one atomic store write. It then
 * announces itself (announce(ctx)), which the caller starts once this resolves.
 */
export async function installAccount(ctx: ClientContext, a: InstallAccount): Promise<void> {
  const list = openDeviceList(a.list);
  if (!equalBytes(list.account, a.accountKey)) throw new ClientError('INVALID_ARGUMENT', 'the device list is of another account');
  if (!list.devices.some((d) => d.id === a.deviceId && equalBytes(d.key, ctx.identity.publicKey))) {
    throw new ClientError('INVALID_ARGUMENT', 'the device list does not name this device under its id');
  }
  const listed = (key: Bytes): boolean => list.devices.some((d) => equalBytes(d.key, key));
  const record: AccountRecord = {
    accountKey: a.accountKey, deviceId: a.deviceId, primary: false, list: a.list,
    nextId: Math.max(...list.devices.map((d) => d.id)) + 1,
    siblings: withAllListed(a.siblings.filter((s) => listed(s.key)), list, ctx.identity.publicKey),
    owedToAll: true, // every peer is owed our announcement from this commit on (client.md §10.3)
  };
  await ctx.lane.run(async () => {
    const contacts = a.contacts.map((e) => contactFromEntry(ctx, e, ctx.contacts.byAccountKey(e.accountKey)));
    await ctx.store.write([accountWrite(record), ...contacts.map(contactWrite)]);
    ctx.account = record;
    for (const c of contacts) ctx.contacts.set(c);
  });
}

/** What a list change did to our own account. */
export interface OwnListChange {
  readonly added: readonly Bytes[];
  readonly removed: readonly Bytes[];
}

/**
 * The primary commits the list it signed and published (after linking or revoking, D5): the account record
 * (created with this first list), `added` siblings with the token we issued each; siblings no longer listed are
 * dropped with their sessions and the tokens we issued them (revoked at the relay afterwards). Emits
 * `devices-changed` and calls the groups hook. The list must follow ours (protocol.md §12.3).
 */
export async function commitOwnList(
  ctx: ClientContext, signedList: Bytes, changes: { readonly added?: readonly SiblingRecord[] } = {},
): Promise<OwnListChange> {
  if (!isPrimary(ctx)) throw new ClientError('NOT_ALLOWED', 'only the primary device changes the device list');
  const next = openDeviceList(signedList);
  if (!equalBytes(next.account, ctx.identity.publicKey)) throw new ClientError('INVALID_ARGUMENT', 'the device list is of another account');
  const result = await ctx.lane.run(async () => {
    const known = ownList(ctx) ?? null;
    advanceDeviceList(known, next); // throws STALE_EPOCH / EPOCH_FORK / FUTURE_EPOCH: nothing committed
    const before = ctx.account;
    const diff = known === null ? { added: next.devices.filter((d) => !equalBytes(d.key, ctx.identity.publicKey)), removed: [] } : deviceListChanges(known, next);
    const kept = [...(before?.siblings ?? []), ...(changes.added ?? [])];
    const dropped = (before?.siblings ?? []).filter((s) => diff.removed.some((d) => equalBytes(d.key, s.key)));
    const untold = untoldAfter(before?.untold ?? [], dropped);
    const record: AccountRecord = {
      accountKey: ctx.identity.publicKey, deviceId: before?.deviceId ?? ownId(next, ctx.identity.publicKey), primary: true, list: signedList,
      nextId: Math.max(before?.nextId ?? 0, ...next.devices.map((d) => d.id + 1)),
      siblings: withAllListed(kept, next, ctx.identity.publicKey),
      owedToAll: true, // the new list is owed to every peer from this commit on (client.md §10.3)
      ...(untold.length > 0 && { untold }), // and to each device it revokes, last (§10.5)
    };
    await ctx.store.write([accountWrite(record), ...dropped.flatMap(forgetSibling)]);
    ctx.account = record;
    for (const s of dropped) ctx.sessions.delete(toHex(s.key));
    return { added: diff.added.map((d) => d.key), removed: diff.removed.map((d) => d.key), dropped };
  });
  for (const s of result.dropped) if (s.ourToken !== undefined) void ctx.relay.revokeToken(s.ourToken).catch((error: unknown) => ctx.events.emit('error', { error }));
  ownListChanged(ctx, result);
  return { added: result.added, removed: result.removed };
}

/** The revoked devices still to be told: those before, and each sibling dropped now that we could reach (newest kept). */
function untoldAfter(before: readonly RevokedAddress[], dropped: readonly SiblingRecord[]): RevokedAddress[] {
  const fresh = dropped.flatMap((s) => (s.mailbox === undefined || s.token === undefined ? [] : [{ key: s.key, mailbox: s.mailbox, token: s.token }]));
  return [...before.filter((u) => !fresh.some((f) => equalBytes(f.key, u.key))), ...fresh].slice(-MAX_DEVICES_PER_ACCOUNT);
}

function ownId(list: DeviceList, self: Bytes): number {
  const d = list.devices.find((e) => equalBytes(e.key, self));
  if (d === undefined) throw new ClientError('INVALID_ARGUMENT', 'the device list does not name this device');
  return d.id;
}

/** The writes that forget a sibling no longer listed: its session record. */
export function forgetSibling(s: SiblingRecord): StoreWrite[] {
  return [del('sessions', toHex(s.key))];
}

/** The event and the groups hook after a committed change of our own list. */
export function ownListChanged(ctx: ClientContext, change: OwnListChange): void {
  if (change.added.length === 0 && change.removed.length === 0) return;
  ctx.events.emit('devices-changed', { self: true, added: change.added.map(toHex), removed: change.removed.map(toHex) });
  loadedFeatures()?.onDevicesChanged(ctx, accountKey(ctx), change.added, change.removed);
}
