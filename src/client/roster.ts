/**
 * The group roster (spec/client.md §6.2): how members reach each other. Each
 * entry's token carries the group epoch at which its member registered it; a
 * token is *current* when that epoch is at least the group's rotation epoch
 * (the epoch of the last removal or leave), since every remaining member
 * replaces its token at the relay after a removal.
 */
import { equalBytes, toHex, type Bytes } from '../crypto/index.js';
import type { GroupSession } from '../group/index.js';
import type { Contact } from './contact.js';
import type { RosterEntry } from './group-control.js';

/** The entry's token, if it is current at rotation epoch `rotation`. */
export function currentToken(e: RosterEntry | undefined, rotation: number): Bytes | undefined {
  return e?.token !== undefined && e.epoch >= rotation ? e.token : undefined;
}

/** A roster entry for a contact whose group token is not known yet. */
export function entryOf(c: Contact, epoch: number): RosterEntry {
  return { identityKey: c.identityKey, mailbox: c.mailbox, epoch, ...(c.name !== undefined && { name: c.name }) };
}

/** A Contact-shaped handle for a group member who is not one of our contacts. */
export function peerOf(e: { identityKey: Bytes; mailbox: Bytes; token?: Bytes; name?: string }): Contact {
  return {
    id: toHex(e.identityKey), identityKey: e.identityKey, relay: '', mailbox: e.mailbox, verified: false, changed: false, blocked: false, createdAt: 0,
    ...(e.token !== undefined && { token: e.token }), ...(e.name !== undefined && { name: e.name }),
  };
}

/**
 * The roster for the session's current members: our own entry stays ours; for
 * everyone else the entry with the newer token wins (an older roster arriving
 * late never brings back a replaced token).
 */
export function mergeRoster(incoming: readonly RosterEntry[], known: readonly RosterEntry[], session: GroupSession, self: Bytes): RosterEntry[] {
  return session.group.members.map((m) => {
    const mine = known.find((e) => equalBytes(e.identityKey, m.identityKey));
    if (equalBytes(m.identityKey, self) && mine !== undefined) return mine;
    const theirs = incoming.find((e) => equalBytes(e.identityKey, m.identityKey));
    if (theirs === undefined) return mine ?? { identityKey: m.identityKey, mailbox: new Uint8Array(1), epoch: 0 };
    if (mine?.token !== undefined && (theirs.token === undefined || mine.epoch > theirs.epoch)) return mine;
    return theirs;
  });
}
