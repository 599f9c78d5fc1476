/**
 * Contact entries (spec/client.md §10.2): a contact as one of our devices
 * hands it to another — every contact in the provisioning payload, one in a
 * `contact-sync`. An entry carries the addresses and tokens the contact gave
 * our account (bearer tokens, usable by every device of ours), never the
 * tokens we issued (each device issues its own).
 */
import { equalBytes, type Bytes } from '../../crypto/index.js';
import { advanceDeviceList, openDeviceList } from '../../identity/index.js';
import { isProtocolError } from '../../errors.js';
import type { IdentityKey, MailboxId } from '../../wire/brands.js';
import type { Contact, ContactDevice } from '../../wire/client/contact.js';
import type { ContactEntry, DeviceAddress } from '../../wire/client/contact-entry.js';
import { attributedKeys } from '../contacts/book.js';
import { newContactId } from '../contacts/tokens.js';
import type { ClientContext } from '../context.js';
import { claimedElsewhere, deviceAddress } from './addresses.js';
import { openedList } from './list-cache.js';

/**
 * Of the list we hold and the one an entry brings, the one protocol.md §12.3 leaves us with: ours on any refusal,
 * none when there is neither a valid list of the entry's account nor one of ours.
 */
function newerList(account: Bytes, known: Bytes | undefined, offered: Bytes): Bytes | undefined {
  try {
    const next = openDeviceList(offered);
    if (!equalBytes(next.account, account)) return known;
    if (known === undefined) return offered;
    return advanceDeviceList(openedList(known), next) === openedList(known) ? known : offered;
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return known;
  }
}

/** The entry of one contact: every attributed device (client.md §10.2) with a known address. */
export function contactEntry(c: Contact): ContactEntry {
  const devices: DeviceAddress[] = [];
  for (const key of attributedKeys(c)) {
    const a = deviceAddress(c, key);
    if (a !== undefined) devices.push({ key, mailbox: a.mailbox, ...(a.token !== undefined && { token: a.token }) });
  }
  return {
    accountKey: c.identityKey, relay: c.relay, ...(c.name !== undefined && { name: c.name }),
    ...(c.deviceList !== undefined && { deviceList: c.deviceList }), devices, verified: c.verified, blocked: c.blocked,
  };
}

/** The entries of all contacts, for the provisioning payload (protocol.md §12.4.6). */
export function contactEntries(ctx: ClientContext): ContactEntry[] {
  return ctx.contacts.all().map(contactEntry);
}

/**
 * The contact an entry describes, merged into `existing` (the contact we already have with that account key):
 * the entry's list and addresses win (a sibling saw them later or at once), our own token and id stay. The
 * account-key device's address goes to `mailbox`/`token`; without one, `mailbox` takes the first address and
 * an address-less entry for the account-key device says so (addresses.ts).
 */
export function contactFromEntry(ctx: ClientContext, e: ContactEntry, existing: Contact | undefined): Contact {
  // A device another account we know holds is not this one's (client.md §10.2), whatever the entry says.
  const entered = e.devices.filter((d) => !claimedElsewhere(ctx, d.key, existing?.id, e.accountKey));
  const own = entered.find((d) => equalBytes(d.key, e.accountKey));
  const first = own ?? entered[0];
  const others: ContactDevice[] = entered.filter((d) => d !== own).map((d) => ({ key: d.key, mailbox: d.mailbox, ...(d.token !== undefined && { token: d.token }) }));
  const devices = own === undefined && first !== undefined ? [{ key: e.accountKey }, ...others] : others;
  const base: Contact = existing ?? {
    id: newContactId(ctx), identityKey: e.accountKey as IdentityKey, relay: e.relay, mailbox: (first?.mailbox ?? new Uint8Array(1)) as MailboxId,
    verified: e.verified, changed: false, blocked: e.blocked, createdAt: ctx.now(),
  };
  const { token: _oldToken, devices: _oldDevices, deviceList: _oldList, ...rest } = base;
  const deviceList = e.deviceList === undefined ? base.deviceList : newerList(e.accountKey, base.deviceList, e.deviceList);
  return {
    ...rest,
    ...(first !== undefined && { mailbox: first.mailbox as MailboxId }),
    ...(own?.token !== undefined && { token: own.token }),
    ...(own === undefined && base.token !== undefined && first === undefined && { token: base.token }),
    ...(e.name !== undefined && base.name === undefined && { name: e.name }),
    ...(deviceList !== undefined && { deviceList }),
    ...(devices.length > 0 ? { devices } : base.devices !== undefined && { devices: base.devices }),
    verified: existing === undefined ? e.verified : base.verified || e.verified,
    blocked: base.blocked || e.blocked,
  };
}
