/**
 * The group roster (spec/client.md §6.2, the three epochs in §6.3): how members reach each other. Each
 * entry's token carries the group epoch at which its member registered it; a
 * token is *current* when that epoch is at least the group's rotation epoch
 * (the epoch of the last removal or leave), since every remaining member
 * replaces its token at the relay after a removal.
 */
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import type { GroupSession } from '../../group/index.js';
import type { RosterEntry } from '../../wire/client/group-control.js';
import type { Peer } from '../contacts/peer.js';

/** Roster entries by identity key (hex), built once per roster array (rosters are replaced, never mutated). */
const INDEXES = new WeakMap<readonly RosterEntry[], ReadonlyMap<string, RosterEntry>>();

/**
 * The entry of `identityKey` in `roster`: a map lookup, so a post to a channel of n readers costs O(n), not O(n²)
 * (an admin's roster lists every reader). A duplicated key keeps its first entry, as a linear search would.
 */
export function rosterEntry(roster: readonly RosterEntry[], identityKey: Bytes): RosterEntry | undefined {
  let index = INDEXES.get(roster);
  if (index === undefined) {
    const map = new Map<string, RosterEntry>();
    for (const e of roster) {
      const k = toHex(e.identityKey);
      if (!map.has(k)) map.set(k, e);
    }
    INDEXES.set(roster, map);
    index = map;
  }
  return index.get(toHex(identityKey));
}

/** The entry's token, if it is current at rotation epoch `rotation`. */
export function currentToken(e: RosterEntry | undefined, rotation: number): Bytes | undefined {
  return e?.token !== undefined && e.epoch >= rotation ? e.token : undefined;
}

/** A roster entry for a member device (a contact's, or our sibling) whose group token is not known yet. */
export function entryOf(c: Peer, epoch: number): RosterEntry {
  return { identityKey: c.identityKey, mailbox: c.mailbox, epoch, ...(c.name !== undefined && { name: c.name }) };
}

/** A group member who is not one of our contacts, as the roster describes it. */
export function peerOf(e: { identityKey: Bytes; mailbox: Bytes; token?: Bytes; name?: string }): Peer {
  return {
    id: toHex(e.identityKey), identityKey: e.identityKey, mailbox: e.mailbox,
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
    const mine = rosterEntry(known, m.identityKey);
    if (equalBytes(m.identityKey, self) && mine !== undefined) return mine;
    const theirs = rosterEntry(incoming, m.identityKey);
    if (theirs === undefined) return mine ?? { identityKey: m.identityKey, mailbox: new Uint8Array(1), epoch: 0 };
    if (mine?.token !== undefined && (theirs.token === undefined || mine.epoch > theirs.epoch)) return mine;
    return theirs;
  });
}
