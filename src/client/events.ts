/** The events a Client emits (spec/client.md), typed. */
import type { Bytes } from '../crypto/index.js';
import type { Contact } from '../wire/client/contact.js';
import type { Content } from '../wire/client/content.js';
import type { Peer } from './contacts/peer.js';
import type { ConnectionFailure, ConnectionState } from './transport/relay-api.js';

export interface MessageEvent {
  /** The sender: a contact, or (in a group) a fellow member who is not one of our contacts. */
  readonly from: Contact | Peer;
  /** Set for a group message: the group id (hex). */
  readonly group?: string;
  readonly content: Content;
  /**
   * Linked devices (client.md §10.3): a message another device of our own account sent — to the contact `from`
   * (a `sync` payload), or to the group. Absent for a received message.
   */
  readonly outgoing?: true;
}

/** A device list was accepted that adds or removes devices (client.md §10.2); keys hex. */
export interface DevicesChangedEvent {
  /** The contact whose account changed; absent when it is our own account (`self`). */
  readonly contact?: Contact;
  readonly self: boolean;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/**
 * A device list that cannot be accepted (client.md §10.2, protocol.md §12.3): an older list than one seen
 * (STALE_EPOCH), a second list of one version or a successor of another list (EPOCH_FORK), or a later list whose
 * predecessors the relay did not serve (FUTURE_EPOCH). The known list is kept. `account`: the account key (hex).
 */
export interface DeviceListConflictEvent {
  readonly contact?: Contact;
  readonly account: string;
  /** FUTURE_EPOCH, STALE_EPOCH, EPOCH_FORK (protocol.md §12.3), or DEVICE_CLAIMED (client.md §10.2). */
  readonly reason: string;
  /** DEVICE_CLAIMED: the listed device keys (hex) already attributed to another account, left out of this one. */
  readonly devices?: readonly string[];
}

/** This device was revoked: a list of its own account that no longer names it (client.md §10.5). */
export interface RevokedEvent {
  /** Our account key, hex. */
  readonly account: string;
  /** The version of the list that dropped us. */
  readonly version: number;
}

export interface ClientEvents {
  /** A stored message from a contact (text, reaction, sticker, attachment, custom …); each exactly once. */
  message: MessageEvent;
  receipt: { readonly from: Contact | Peer; readonly receipt: 'delivered' | 'read'; readonly ids: readonly Bytes[]; readonly group?: string };
  typing: { readonly from: Contact | Peer; readonly active: boolean; readonly group?: string };
  'contact-added': { readonly contact: Contact };
  /**
   * The inviter answered our acceptance: that single-use invitation had already been used by someone
   * else. The contact was removed (client.md §4.2); ask the inviter for a new invitation.
   */
  'invite-refused': { readonly contact: Contact };
  'group-change': { readonly group: string; readonly change: GroupChangeKind; readonly by?: Contact; readonly members: readonly string[] };
  /**
   * A group turned ready to send (`group(id).ready` became true, spec/client.md §6.2): every other member's current
   * group token is known, so a message reaches everyone. Once per turn — created or joined ready, or the last missing
   * token arrived (after a join, an addition or a rotation) — never again while it stays ready; not at open.
   */
  'group-ready': { readonly group: string };
  'identity-changed': { readonly contact: Contact; readonly previousIdentityKey: Bytes; readonly wasVerified: boolean };
  /** A message from `contact` could not be decrypted because our session state was lost; the session was re-established. */
  'message-lost': { readonly contact?: Contact; readonly senderIdentityKey: Bytes; readonly envelope: string; readonly reason: string };
  /** An envelope whose sender could not be authenticated (tampered, or not for us); it was discarded. */
  tampered: { readonly envelope: string; readonly reason: string };
  /**
   * An authentic-looking group message refused by the group rules, not by cryptography:
   * its sender is no longer a member (NOT_A_MEMBER — e.g. sent just before its removal),
   * may not post (NOT_AUTHORIZED — a channel reader), or its sender key has not arrived or
   * was discarded (UNKNOWN_SENDER_KEY). It was discarded.
   */
  'group-message-refused': { readonly group: string; readonly envelope: string; readonly reason: string };
  /**
   * A group message (or change) written in another group state than ours (spec/client.md §6.5): `behind` — the
   * sender is at a later epoch, we asked for the changes we missed and refuse to post until we have them; `ahead` —
   * the sender missed changes, we sent them; `fork` — same epoch, another state. `from`: the sender's identity key (hex).
   */
  'group-mismatch': {
    readonly group: string; readonly from: string; readonly epoch: number; readonly ours: number; readonly agreement: 'behind' | 'ahead' | 'fork';
  };
  /** A membership change could not be delivered to `member` (identity key, hex): the relay refused it for good with `code`. */
  'group-change-undelivered': { readonly group: string; readonly member: string; readonly code: string };
  /** `reason` (on `disconnected`) names why the last connection failed or ended: CONNECTION_REFUSED, CONNECTION_FAILED or CLOSED with its code. */
  'connection-state': { readonly state: ConnectionState; readonly attempt: number; readonly delayMs?: number; readonly reason?: ConnectionFailure };
  /** A sent message is durable at the relay. */
  sent: { readonly id: Bytes; readonly to: string };
  /**
   * The relay refused a sent message for good (spec/client.md §5.4): `code` is the relay's code
   * (e.g. TOKEN_REFUSED); `recipient` is the refused mailbox (hex) — for a group, one event per refused member.
   */
  'send-failed': { readonly id: Bytes; readonly to: string; readonly code: string; readonly recipient: string };
  'devices-changed': DevicesChangedEvent;
  /**
   * Two contacts proved to be one account (client.md §10.1): contact `from` (an id the app may hold), known only by
   * a device key, was merged into `into`, the account's contact. `from` is no longer listed; it resolves to `into`
   * (contact(), send(), messages()), and its stored messages are shown under `into`.
   */
  'contact-merged': { readonly from: string; readonly into: Contact };
  'device-list-conflict': DeviceListConflictEvent;
  revoked: RevokedEvent;
  /** A background failure (a listener threw, a replenish failed); informational. */
  error: { readonly error: unknown };
}

export type GroupChangeKind = 'created' | 'joined' | 'added' | 'removed' | 'left' | 'updated';
