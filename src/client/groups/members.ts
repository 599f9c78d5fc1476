/**
 * Members are devices, people are accounts (spec/client.md §10.6): the group
 * protocol's members are device keys, each with its own sender key; the app
 * sees accounts. This file maps one to the other and finds how to reach a
 * device outside any group (its contact address or our sibling's), for the
 * welcome that makes it a member.
 */
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import type { Contact } from '../../wire/client/contact.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { accountKey, accountOf, contactPeers, siblingPeers } from '../devices/index.js';
import type { Group } from './book.js';
import { isExcluded } from './exclusion.js';

/** The account of member device `key`: ours or a contact's, else the key itself (a member we know only from the roster). */
export function memberAccount(ctx: ClientContext, key: Bytes): Bytes {
  return accountOf(ctx, key) ?? key;
}

/** The devices of a contact's account we can reach now (listed, with an address and a token); none of a blocked contact. */
export function reachableDevices(contact: Contact | undefined): Peer[] {
  return contact === undefined || contact.blocked ? [] : contactPeers(contact);
}

/** How to reach device `key` outside the group's roster: a contact's device or a sibling, once it announced its address. */
export function deviceAddress(ctx: ClientContext, key: Bytes): Peer | undefined {
  const contact = ctx.contacts.byDeviceKey(key);
  const peers = contact !== undefined ? reachableDevices(contact) : siblingPeers(ctx);
  return peers.find((p) => equalBytes(p.identityKey, key));
}

/** The group's members as the app sees them: account keys (hex, first appearance order) and each one's devices (hex). */
export function memberAccounts(ctx: ClientContext, g: Group): { members: string[]; devices: Record<string, string[]> } {
  const devices: Record<string, string[]> = {};
  for (const m of g.session.group.members) {
    if (isExcluded(g, m.identityKey)) continue; // on its way out: nothing reaches it any more
    const account = toHex(memberAccount(ctx, m.identityKey));
    (devices[account] ??= []).push(toHex(m.identityKey));
  }
  return { members: Object.keys(devices), devices };
}

/** The member devices of `account` in the group (the excluded ones left out). */
export function devicesInGroup(ctx: ClientContext, g: Group, account: Bytes): Bytes[] {
  return g.session.group.members
    .filter((m) => !isExcluded(g, m.identityKey) && equalBytes(memberAccount(ctx, m.identityKey), account))
    .map((m) => m.identityKey);
}

/** Is `account` our own? */
export function isOwnAccount(ctx: ClientContext, account: Bytes): boolean {
  return equalBytes(account, accountKey(ctx));
}
