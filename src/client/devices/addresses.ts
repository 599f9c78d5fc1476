/**
 * Where each device of an account is reached (spec/client.md §10.1, design
 * D2): a contact's devices and our siblings, as Peers a pairwise send takes.
 *
 * A contact's device address: its `devices` entry if it has one; otherwise,
 * for the device whose key is the account key, the contact's `mailbox` and
 * `token`. So a contact that never linked a device is reached exactly as
 * before, and a contact re-keyed from a device key to its account (D2) holds
 * an entry for the account-key device with no address until that device
 * announces itself.
 */
import { equalBytes, type Bytes } from '../../crypto/index.js';
import type { IdentityKey, MailboxId } from '../../wire/brands.js';
import type { Contact, ContactDevice } from '../../wire/client/contact.js';
import { attributedKeys, deviceFirst, listedKeys } from '../contacts/book.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { accountKey, ownList, siblings } from './account.js';

/** The `id` of a sibling as a Peer (it names the outbox entry; siblings are not contacts). */
export const SIBLING_PEER_ID = 'self';

/** The address of a contact's device `key`, or undefined while it has none (or no token). */
export function deviceAddress(c: Contact, key: Bytes): { mailbox: Bytes; token?: Bytes } | undefined {
  const entry = c.devices?.find((d) => equalBytes(d.key, key));
  if (entry !== undefined) return entry.mailbox === undefined ? undefined : { mailbox: entry.mailbox, ...(entry.token !== undefined && { token: entry.token }) };
  if (equalBytes(key, c.identityKey)) return { mailbox: c.mailbox, ...(c.token !== undefined && { token: c.token }) };
  return undefined;
}

/** Every attributed device of the contact we can send to (an address and a token), as Peers named by the contact's id. */
export function contactPeers(c: Contact): Peer[] {
  const out: Peer[] = [];
  for (const key of attributedKeys(c)) {
    const a = deviceAddress(c, key);
    if (a?.token === undefined) continue;
    out.push({ id: c.id, identityKey: key as IdentityKey, mailbox: a.mailbox as MailboxId, token: a.token, ...(c.name !== undefined && { name: c.name }) });
  }
  return out;
}

/** Our listed siblings we can send to. */
export function siblingPeers(ctx: ClientContext): Peer[] {
  const list = ownList(ctx);
  if (list === undefined) return [];
  return siblings(ctx).flatMap((s) => (
    s.mailbox === undefined || s.token === undefined || !list.devices.some((d) => equalBytes(d.key, s.key)) ? []
      : [{ id: SIBLING_PEER_ID, identityKey: s.key as IdentityKey, mailbox: s.mailbox as MailboxId, token: s.token }]
  ));
}

/** The contact with device `key`'s address set to (mailbox, token). */
export function withDeviceAddress(c: Contact, key: Bytes, mailbox: Bytes, token: Bytes): Contact {
  const has = c.devices?.some((d) => equalBytes(d.key, key)) === true;
  if (!has && equalBytes(key, c.identityKey)) return { ...c, mailbox: mailbox as MailboxId, token };
  const entry: ContactDevice = { key, mailbox, token };
  const others = (c.devices ?? []).filter((d) => !equalBytes(d.key, key));
  return { ...c, devices: [...others, entry] };
}

/** The contact without `devices` entries (addresses) for `keys`. */
export function withoutDevices(c: Contact, keys: readonly Bytes[]): Contact {
  if (c.devices === undefined) return c;
  const devices = c.devices.filter((d) => !keys.some((k) => equalBytes(k, d.key)));
  return devices.length === c.devices.length ? c : { ...c, devices };
}

/** The contact with only the `devices` entries its list still names. */
export function withListedDevices(c: Contact): Contact {
  if (c.devices === undefined) return c;
  const keys = listedKeys(c);
  const devices = c.devices.filter((d) => keys.some((k) => equalBytes(k, d.key)));
  return devices.length === c.devices.length ? c : { ...c, devices };
}

/**
 * The device keys attributed to an account (client.md §10.2): ours (our list, or our identity key alone), a
 * contact's (listed by its list and vouched, or its identity key alone), or `[account]` for an account we know
 * nothing of.
 */
export function devicesOf(ctx: ClientContext, account: Bytes): Bytes[] {
  if (equalBytes(account, accountKey(ctx))) return ownList(ctx)?.devices.map((d) => d.key) ?? [ctx.identity.publicKey];
  const c = ctx.contacts.byAccountKey(account);
  return c === undefined ? [account] : attributedKeys(c);
}

/** The account device `deviceKey` is attributed to: ours or a contact's; undefined for a key attributed to none. */
export function accountOf(ctx: ClientContext, deviceKey: Bytes): Bytes | undefined {
  if (devicesOf(ctx, accountKey(ctx)).some((k) => equalBytes(k, deviceKey))) return accountKey(ctx);
  return ctx.contacts.byDeviceKey(deviceKey)?.identityKey;
}

/**
 * Is `deviceKey` attributed to an account other than contact `contactId`'s (account `account`): one of ours while
 * `account` is not, or another contact's? Such a key, named by this account's list, is not attributed to it
 * (client.md §10.2: `DEVICE_CLAIMED`).
 */
export function claimedElsewhere(ctx: ClientContext, deviceKey: Bytes, contactId: string | undefined, account: Bytes): boolean {
  const own = accountKey(ctx);
  if (!equalBytes(account, own) && devicesOf(ctx, own).some((k) => equalBytes(k, deviceKey))) return true;
  const holder = ctx.contacts.byDeviceKey(deviceKey) ?? ctx.contacts.byAccountKey(deviceKey);
  // A contact known only by this device is no account's claim: the device may vouch for the account listing it.
  return holder !== undefined && holder.id !== contactId && !deviceFirst(holder, deviceKey);
}
