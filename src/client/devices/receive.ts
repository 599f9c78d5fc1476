/**
 * Receiving a `device` payload (spec/client.md §10.2, design D3): a device
 * list of a contact's account — or of our own, from a sibling — and
 * possibly how to reach the sending device. The list is accepted by
 * protocol.md §12.3; a later list whose predecessors we lack is followed
 * through the relay's directory; a list that cannot be accepted is reported
 * (`device-list-conflict`) and the known one kept. Devices no longer listed
 * lose their addresses and sessions in the same batch (revocation: nothing is
 * sent to them afterwards, nothing from them is taken). The groups hook
 * (§10.6) hears of added and removed devices, and of a listed device that
 * became reachable (its first address), inside the envelope's processing: the
 * caches reflect the new list only once the batch is applied, so it takes
 * `added`/`removed` as given.
 */
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import { advanceDeviceList, advanceDeviceListChain, encodeDeviceList, openDeviceList, type DeviceList } from '../../identity/index.js';
import { del, put } from '../../store/index.js';
import type { IdentityKey } from '../../wire/brands.js';
import type { Contact } from '../../wire/client/contact.js';
import type { Payload } from '../../wire/client/payload.js';
import { decodePendingFollow, encodePendingFollow, FOLLOW_PREFIX } from '../../wire/client/pending-follow.js';
import { isInterrupted } from '../errors.js';
import { attributedKeys } from '../contacts/book.js';
import { contactWrite } from '../contacts/tokens.js';
import type { ClientContext } from '../context.js';
import { loadedFeatures } from '../features.js';
import { noEffects, type InboundEffects } from '../inbound/effects.js';
import { accountKey, accountWrite, isPrimary, ownList, withAllListed } from './account.js';
import { claimedElsewhere, deviceAddress, withDeviceAddress, withListedDevices, withoutDevices } from './addresses.js';
import { openedList } from './list-cache.js';
import { absorbing } from './merge.js';
import { isRevoked } from './revoked.js';

type DevicePayload = Extract<Payload, { type: 'device' }>;
type Address = DevicePayload['address'];

/** A `device` payload from device key `sender` (sealed sender). Appends to the envelope's effects only. */
export function onDevice(ctx: ClientContext, sender: Bytes, payload: DevicePayload, fx: InboundEffects): void {
  let next: DeviceList;
  try {
    next = openDeviceList(payload.list);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return; // not a list anyone signed: discard
  }
  if (equalBytes(next.account, accountKey(ctx))) return onOwnList(ctx, sender, next, payload.address, fx);
  const contact = ctx.contacts.byAccountKey(next.account) ?? rekeyCandidate(ctx, next, sender);
  if (contact === undefined || contact.blocked) return; // not an account we know: discard
  const known = knownList(contact);
  let accepted: DeviceList;
  try {
    accepted = advanceDeviceList(known, next);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    if (e.code === 'FUTURE_EPOCH' && known !== null) {
      owePending(next, sender, payload, fx);
      fx.followUps.push(() => followContactList(ctx, contact.id, known.version, next, sender, payload.address));
      return;
    }
    fx.events.push(['device-list-conflict', { contact, account: toHex(next.account), reason: e.code }]);
    // An honest announcement the primary's newer list overtook (client.md §10.2): the list we keep still names
    // the sender, and its address is its own word about its own mailbox — recorded, or we could not reach it.
    if (e.code === 'STALE_EPOCH' && known !== null && payload.address !== undefined) acceptContactList(ctx, contact, known, sender, payload.address, fx);
    return;
  }
  acceptContactList(ctx, contact, accepted, sender, payload.address, fx);
}

/** The list we accepted for a contact; a contact first known by a device key has none (it is re-keyed, D2). */
function knownList(c: Contact): DeviceList | null {
  return c.deviceList === undefined ? null : openedList(c.deviceList);
}

/**
 * A contact known by the sender's device key (a linked device's invitation, D2) that this list of another account
 * names. Only the device itself re-keys its contact (it vouches for its account, client.md §10.2): another
 * account's list naming that key takes nothing.
 */
function rekeyCandidate(ctx: ClientContext, list: DeviceList, sender: Bytes): Contact | undefined {
  const c = ctx.contacts.byAccountKey(sender);
  if (c === undefined || c.deviceList !== undefined || !list.devices.some((d) => equalBytes(d.key, sender))) return undefined;
  return c;
}

/**
 * Commits an accepted list of a contact's account: re-keys a contact first known by a device key, drops the
 * addresses and sessions of devices no longer listed, records the sender's address if it is listed.
 */
function acceptContactList(ctx: ClientContext, contact: Contact, accepted: DeviceList, sender: Bytes, address: Address, fx: InboundEffects): void {
  const before = attributedKeys(contact);
  let c: Contact = contact.deviceList !== undefined && openedList(contact.deviceList) === accepted ? contact : { ...contact, deviceList: encodeDeviceList(accepted) };
  if (!equalBytes(contact.identityKey, accepted.account)) c = rekey(c, accepted.account, fx);
  // A listed key already attributed to another account is not this one's (client.md §10.2): no address, no vouch.
  const claimed = accepted.devices.map((d) => d.key).filter((k) => claimedElsewhere(ctx, k, contact.id, accepted.account));
  if (claimed.length > 0) {
    c = withoutDevices(c, claimed);
    fx.events.push(['device-list-conflict', { contact: c, account: toHex(accepted.account), reason: 'DEVICE_CLAIMED', devices: claimed.map(toHex) }]);
  }
  c = withListedDevices(c);
  // A listed device vouching for this account, which we could not reach until now: the groups hook adds it where
  // it is owed (§10.6). Its address, from its own announcement, is what attributes it (client.md §10.2).
  let reachable: Bytes[] = [];
  const vouches = accepted.devices.some((d) => equalBytes(d.key, sender)) && !claimed.some((k) => equalBytes(k, sender));
  if (address !== undefined && vouches) {
    if (deviceAddress(c, sender)?.token === undefined) reachable = [sender];
    c = withDeviceAddress(c, sender, address.mailbox, address.token);
  }
  const after = attributedKeys(c);
  const added = after.filter((k) => !before.some((b) => equalBytes(b, k)));
  const removed = before.filter((k) => !after.some((a) => equalBytes(a, k)));
  // A contact known only by a device this list now attributes to the account is the account's (client.md §10.1).
  const final = absorbing(ctx, c, fx);
  fx.writes.push(contactWrite(final), ...removed.map((k) => del('sessions', toHex(k))));
  fx.apply.push(() => {
    ctx.contacts.set(final);
    for (const k of removed) ctx.sessions.delete(toHex(k));
  });
  if (added.length > 0 || removed.length > 0) {
    fx.events.push(['devices-changed', { contact: final, self: false, added: added.map(toHex), removed: removed.map(toHex) }]);
  }
  const hookAdded = [...added, ...reachable.filter((k) => !added.some((a) => equalBytes(a, k)))];
  if (hookAdded.length > 0 || removed.length > 0) loadedFeatures()?.onDevicesChanged(ctx, accepted.account, hookAdded, removed, fx);
}

/**
 * A contact first known by a device key becomes its account (D2): the identity key becomes the account key,
 * the device keeps its address as a `devices` entry, and the account-key device has none until it announces
 * itself. Verified against the device key: an identity change (client.md §4.4).
 */
function rekey(c: Contact, account: Bytes, fx: InboundEffects): Contact {
  const device = c.identityKey;
  const updated: Contact = {
    ...c, identityKey: account as IdentityKey, previousIdentityKey: device,
    devices: [{ key: device, mailbox: c.mailbox, ...(c.token !== undefined && { token: c.token }) }, { key: account }],
    ...(c.verified && { verified: false, changed: true }),
  };
  if (c.verified) fx.events.push(['identity-changed', { contact: updated, previousIdentityKey: device, wasVerified: true }]);
  return updated;
}

/**
 * FUTURE_EPOCH: the relay's directory should hold the lists in between (relay.md §13.2). Fetches them and follows
 * the chain in order up to the announced list; a relay that withholds one cannot be followed — the known list
 * stays and `device-list-conflict` says so.
 */
async function followContactList(ctx: ClientContext, id: string, since: number, announced: DeviceList, sender: Bytes, address: Address): Promise<void> {
  const fetched = await fetchChain(ctx, announced.account, since);
  if (fetched === undefined) return; // cut off: still pending, redone after the next authentication
  await commitAlone(ctx, (fx) => {
    fx.writes.push(del('account', followKey(announced.account)));
    const contact = ctx.contacts.get(id);
    if (contact === undefined) return;
    const accepted = follow(knownList(contact), fetched, announced);
    if (typeof accepted === 'string') {
      fx.events.push(['device-list-conflict', { contact, account: toHex(announced.account), reason: accepted }]);
      return;
    }
    acceptContactList(ctx, contact, accepted, sender, address, fx);
  });
}

/**
 * The lists of `account` above `since` the relay serves, opened; those that do not open are left out. Undefined
 * when a lost connection, a timeout or the client's close cut the fetch off: that says nothing about the relay's
 * directory, so it is no conflict — the announcement stays pending (FOLLOW_PREFIX).
 */
async function fetchChain(ctx: ClientContext, account: Bytes, since: number): Promise<DeviceList[] | undefined> {
  let lists: readonly Bytes[] = [];
  try {
    lists = (await ctx.relay.fetchDeviceLists?.(account, since)) ?? [];
  } catch (error) {
    if (isInterrupted(error)) return undefined;
    ctx.events.emit('error', { error });
  }
  return lists.flatMap((bytes) => {
    try {
      return [openDeviceList(bytes)];
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      return [];
    }
  });
}

/** Follows `chain` (lists above `known`) and then `announced`; the list reached, or the refusal's code. */
function follow(known: DeviceList | null, chain: readonly DeviceList[], announced: DeviceList): DeviceList | string {
  try {
    const base = known === null ? null : known;
    const ahead = chain.filter((l) => base === null || l.version > base.version).sort((a, b) => a.version - b.version);
    return advanceDeviceList(advanceDeviceListChain(base, ahead), announced);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return e.code;
  }
}

/** Runs `collect` in the lane on fresh effects and commits them as one batch (work that follows an envelope). */
async function commitAlone(ctx: ClientContext, collect: (fx: InboundEffects) => void): Promise<void> {
  const fx = noEffects();
  await ctx.lane.run(async () => {
    collect(fx);
    if (fx.writes.length > 0) await ctx.store.write(fx.writes);
    for (const apply of fx.apply) apply();
  });
  for (const [name, event] of fx.events) ctx.events.emit(name, event as never);
  for (const followUp of fx.followUps) void followUp().catch((error: unknown) => ctx.events.emit('error', { error }));
}

// ── our own account ─────────────────────────────────────────────────────────

/**
 * A list of our own account, from a sibling. The primary signs every list, so it takes no list but its own
 * (anything else is a conflict) and only records the sibling's address; a linked device accepts the next list
 * by protocol.md §12.3 — its siblings follow the list, those dropped lose their sessions.
 */
function onOwnList(ctx: ClientContext, sender: Bytes, next: DeviceList, address: Address, fx: InboundEffects): void {
  const known = ownList(ctx);
  if (ctx.account === undefined || known === undefined) return; // a single-device account has no list to compare
  if (isRevoked(ctx)) return; // the account is done with us: later lists change nothing here
  let accepted: DeviceList;
  try {
    // The primary signed every list up to ours: one at our version with another hash, or ahead of it, is a fork.
    if (isPrimary(ctx) && next.version >= known.version && !equalBytes(next.hash, known.hash)) return conflict(ctx, next, 'EPOCH_FORK', fx);
    accepted = advanceDeviceList(known, next);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    if (e.code === 'FUTURE_EPOCH') {
      owePending(next, sender, { list: encodeDeviceList(next), address }, fx);
      fx.followUps.push(() => followOwnList(ctx, known.version, next, sender, address));
      return;
    }
    conflict(ctx, next, e.code, fx);
    // A sibling's announcement our newer list overtook (say, made while the primary linked the next device): the
    // list we keep still names it, and its address is its own word about its own mailbox — recorded, as for a
    // contact's device (client.md §10.2), or we could not reach it until it announced again.
    if (e.code === 'STALE_EPOCH') acceptOwnList(ctx, known, sender, address, fx);
    return;
  }
  acceptOwnList(ctx, accepted, sender, address, fx);
}

function conflict(ctx: ClientContext, list: DeviceList, reason: string, fx: InboundEffects): void {
  void ctx;
  fx.events.push(['device-list-conflict', { account: toHex(list.account), reason }]);
}

function acceptOwnList(ctx: ClientContext, accepted: DeviceList, sender: Bytes, address: Address, fx: InboundEffects): void {
  const account = ctx.account;
  const known = ownList(ctx);
  if (account === undefined || known === undefined) return;
  const self = ctx.identity.publicKey;
  if (!accepted.devices.some((d) => equalBytes(d.key, self))) return acceptRevocation(ctx, accepted, fx);
  let siblings = withAllListed(account.siblings, accepted, self);
  let reachable: Bytes[] = [];
  if (address !== undefined && !equalBytes(sender, self) && accepted.devices.some((d) => equalBytes(d.key, sender))) {
    if (siblings.find((s) => equalBytes(s.key, sender))?.token === undefined) reachable = [sender];
    siblings = siblings.map((s) => (equalBytes(s.key, sender) ? { ...s, mailbox: address.mailbox, token: address.token } : s));
  }
  const changed = accepted !== known;
  const record = { ...account, siblings, ...(changed && { list: encodeDeviceList(accepted), nextId: Math.max(account.nextId, ...accepted.devices.map((d) => d.id + 1)) }) };
  const added = accepted.devices.filter((d) => !known.devices.some((k) => equalBytes(k.key, d.key))).map((d) => d.key);
  const removed = known.devices.filter((d) => !accepted.devices.some((k) => equalBytes(k.key, d.key))).map((d) => d.key);
  fx.writes.push(accountWrite(record), ...removed.map((k) => del('sessions', toHex(k))));
  fx.apply.push(() => {
    ctx.account = record;
    for (const k of removed) ctx.sessions.delete(toHex(k));
  });
  if (added.length > 0 || removed.length > 0) fx.events.push(['devices-changed', { self: true, added: added.map(toHex), removed: removed.map(toHex) }]);
  const hookAdded = [...added, ...reachable.filter((k) => !added.some((a) => equalBytes(a, k)))];
  if (hookAdded.length > 0 || removed.length > 0) loadedFeatures()?.onDevicesChanged(ctx, accepted.account, hookAdded, removed, fx);
}

/**
 * A list of our own account without us: this device was revoked (client.md §10.5). The list is recorded (which
 * is what isRevoked reads), the siblings forgotten (nothing syncs to them any more), the rest of the store kept.
 */
function acceptRevocation(ctx: ClientContext, accepted: DeviceList, fx: InboundEffects): void {
  const account = ctx.account;
  if (account === undefined) return;
  const record = { ...account, siblings: [], list: encodeDeviceList(accepted) };
  fx.writes.push(accountWrite(record));
  fx.apply.push(() => { ctx.account = record; });
  fx.events.push(['revoked', { account: toHex(accepted.account), version: accepted.version }]);
}

async function followOwnList(ctx: ClientContext, since: number, announced: DeviceList, sender: Bytes, address: Address): Promise<void> {
  const fetched = await fetchChain(ctx, announced.account, since);
  if (fetched === undefined) return; // cut off: still pending, redone after the next authentication
  await commitAlone(ctx, (fx) => {
    fx.writes.push(del('account', followKey(announced.account)));
    const accepted = follow(ownList(ctx) ?? null, fetched, announced);
    if (typeof accepted === 'string') conflict(ctx, announced, accepted, fx);
    else acceptOwnList(ctx, accepted, sender, address, fx);
  });
}

// ── announcements still to follow ───────────────────────────────────────────

/** Where an announcement ahead of the list we know waits until the relay's directory answered (client.md §10.2). */
function followKey(account: Bytes): string {
  return `${FOLLOW_PREFIX}${toHex(account)}`;
}

/** Keeps the announcement in the envelope's batch: a fetch that a lost connection or a restart cuts off is redone. */
function owePending(next: DeviceList, sender: Bytes, payload: Pick<DevicePayload, 'list' | 'address'>, fx: InboundEffects): void {
  fx.writes.push(put('account', followKey(next.account), encodePendingFollow({ sender, list: payload.list, ...(payload.address !== undefined && { address: payload.address }) })));
}

/**
 * After each authentication (account/connect.ts): every announcement still pending is received again — followed
 * through the directory if it is still ahead, dropped if a later announcement got us there meanwhile.
 */
export async function resumeFollows(ctx: ClientContext, stored: readonly { key: string; value: Bytes }[]): Promise<void> {
  for (const { key, value } of stored) {
    await commitAlone(ctx, (fx) => {
      const pending = decodePendingFollow(value);
      const list = openDeviceList(pending.list);
      const known = equalBytes(list.account, accountKey(ctx)) ? ownList(ctx) : knownListOf(ctx, list.account);
      if (known === undefined || known === null || list.version <= known.version) {
        fx.writes.push(del('account', key));
        return;
      }
      onDevice(ctx, pending.sender, { type: 'device', list: pending.list, ...(pending.address !== undefined && { address: pending.address }) }, fx);
    });
  }
}

function knownListOf(ctx: ClientContext, account: Bytes): DeviceList | null | undefined {
  const contact = ctx.contacts.byAccountKey(account);
  return contact === undefined ? undefined : knownList(contact);
}
