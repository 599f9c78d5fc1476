/**
 * The relay's storage interface (spec/relay.md §8). Every method is async so
 * that a networked store (Redis, a later issue) fits behind it. A store never
 * sees plaintext: envelopes are opaque bytes, tokens arrive hashed, prekeys
 * are public keys.
 *
 * Every mutating method is atomic: it takes effect whole or not at all, and
 * when its promise resolves the change is durable (for a durable store).
 */
import type { Bytes } from '../../src/crypto/index.js';

export interface StoredPreKey {
  /** The owner's prekey id (from the decoded prekey). */
  readonly id: number;
  /** The prekey exactly as published (its src/wire/prekeys.ts encoding). */
  readonly encoded: Bytes;
}

export interface PreKeyPublish {
  readonly identityKey: Bytes;
  /** Replaces the stored signed prekey when present. */
  readonly signedPreKey?: Bytes;
  /** Replaces the stored last-resort KEM prekey when present. */
  readonly kemPreKey?: Bytes;
  /** Added (a same id replaces the stored one). */
  readonly oneTime: readonly StoredPreKey[];
  readonly kemOneTime: readonly StoredPreKey[];
}

export interface PreKeyCounts {
  readonly oneTime: number;
  readonly kem: number;
}

export interface PreKeyCaps {
  readonly maxOneTime: number;
  readonly maxKem: number;
}

/** What one bundle fetch took: encoded prekeys, at most one of each one-time kind consumed. */
export interface TakenBundle {
  readonly identityKey: Bytes;
  readonly signedPreKey: Bytes;
  /** A one-time KEM prekey if one was left, else the last-resort one. */
  readonly kemPreKey: Bytes;
  readonly oneTimePreKey?: Bytes;
  /** Counts left after this fetch. */
  readonly counts: PreKeyCounts;
}

export interface Recipient {
  readonly mailbox: Bytes;
  readonly tokenHash: Bytes;
}

export interface Quota {
  /** Per mailbox: deliveries held and their bytes. */
  readonly maxEnvelopes: number;
  readonly maxBytes: number;
  /** Over the whole store: deliveries held and their bytes (a fanout's data counts once per recipient). */
  readonly maxTotalDeliveries: number;
  readonly maxTotalBytes: number;
}

/** Called by a store with an enqueue's results once its statements ran, before its commit (RelayStore.enqueue). */
export type StagedEnqueue = (results: readonly EnqueueResult[]) => void;

export type EnqueueResult =
  | { readonly ok: true; readonly eid: number }
  | { readonly ok: false; readonly code: 'TOKEN_REFUSED' | 'MAILBOX_FULL' | 'STORAGE_FULL' };

/** Expired deliveries removed per sweep transaction, so a sweep never holds the store for long (spec/relay.md §8.2). */
export const SWEEP_BATCH = 256;

export interface PendingEnvelope {
  /** Assigned per mailbox: strictly increasing within the mailbox, never reused (no relay-wide counter). */
  readonly eid: number;
  readonly data: Bytes;
}

/** One signed device list of an account (spec/relay.md §13), as the relay keeps it. */
export interface StoredDeviceList {
  readonly version: number;
  /** H(list) of protocol.md §12.3: what the next version's `previous` must be. */
  readonly hash: Bytes;
  /** The signed list exactly as published. */
  readonly list: Bytes;
}

/** A link side (spec/relay.md §14): 'n' towards the new device, 'e' towards the existing one. */
export type LinkSide = 'n' | 'e';

/** Caps on open links (§14.4): over the relay (STORAGE_FULL) and per opening identity (QUOTA_EXCEEDED). */
export interface LinkCaps {
  readonly maxOpen: number;
  readonly maxPerOwner: number;
}

/** What one link holds at most (§14.2): messages per side, bytes over both (LINK_FULL). */
export interface LinkQuota {
  readonly maxToNew: number;
  readonly maxToExisting: number;
  readonly maxBytes: number;
}

export interface StoredLink {
  /** The mailbox id of the identity that opened the link (N). */
  readonly owner: Bytes;
  readonly expiresAt: number;
}

export interface LinkMessage {
  /** 1, 2, … per side, in the order the messages were stored. */
  readonly seq: number;
  readonly data: Bytes;
}

export interface StoreStats {
  /** Distinct stored envelopes (a fanout counts once). */
  readonly envelopes: number;
  readonly bytes: number;
  /** Deliveries held and their bytes, as the global quota counts them. */
  readonly deliveries: number;
  readonly deliveryBytes: number;
}

export interface RelayStore {
  /** The relay secret, created from `random` on first use and kept (relay.md §3). */
  secret(create: () => Bytes): Promise<Bytes>;

  /** Throws RelayError TOO_MANY_PREKEYS (nothing stored) when a cap would be exceeded. */
  publishPreKeys(mailbox: Bytes, publish: PreKeyPublish, caps: PreKeyCaps): Promise<PreKeyCounts>;
  preKeyCounts(mailbox: Bytes): Promise<PreKeyCounts>;
  /**
   * Checks the token and, when `consumeOneTime`, consumes the oldest one-time prekey of each kind;
   * otherwise serves the signed and last-resort keys only. Throws RelayError TOKEN_REFUSED or
   * NO_PREKEYS (nothing consumed).
   */
  takeBundle(mailbox: Bytes, tokenHash: Bytes, consumeOneTime: boolean): Promise<TakenBundle>;

  /** Adds a token hash, atomically removing `replaces`; throws RelayError TOO_MANY_TOKENS. */
  addToken(mailbox: Bytes, tokenHash: Bytes, replaces: Bytes | undefined, max: number): Promise<void>;
  revokeToken(mailbox: Bytes, tokenHash: Bytes): Promise<void>;
  hasToken(mailbox: Bytes, tokenHash: Bytes): Promise<boolean>;
  /** hasToken for many (mailbox, token) pairs at once (a fanout's recipients), in order. */
  hasTokens(refs: readonly Recipient[]): Promise<boolean[]>;

  /**
   * Stores `data` once and queues it for every recipient whose token and quota admit it; one result per
   * recipient, in order. A store may call `staged` once, before the commit, with the results the commit
   * will make durable (spec/relay.md §2.3: the relay pushes them ahead of it): if the promise then
   * resolves, it holds the same eids; if it rejects, the staged eids are not stored, and a
   * single-writer store (memory, SQLite) never assigns them again while it is open. A store that
   * cannot say before its commit never calls it.
   */
  enqueue(data: Bytes, expiresAt: number, recipients: readonly Recipient[], quota: Quota, staged?: StagedEnqueue): Promise<EnqueueResult[]>;
  /** Unexpired envelopes of a mailbox with eid > afterEid, in eid order. */
  pending(mailbox: Bytes, afterEid: number, limit: number, now: number): Promise<PendingEnvelope[]>;
  /** Deletes the mailbox's envelopes with these eids (others' and unknown ids are ignored); returns how many. */
  ack(mailbox: Bytes, eids: readonly number[]): Promise<number>;
  /**
   * Deletes every delivery whose TTL has passed, SWEEP_BATCH per transaction, yielding to the event
   * loop between batches; returns how many were dropped.
   */
  sweep(now: number): Promise<number>;

  /** The account's newest device list, or undefined when it has none. */
  latestDeviceList(account: Bytes): Promise<StoredDeviceList | undefined>;
  /** The account's kept device lists with version > `after`, oldest first, at most `limit`. */
  deviceListsSince(account: Bytes, after: number, limit: number): Promise<StoredDeviceList[]>;
  /**
   * Stores `list` as the account's newest device list unless a list of its version or a later one is
   * stored (false: another publish won; the caller judges again), then keeps only the `keep` newest.
   * The caller has checked that `list` follows the newest one (§13): the store only settles races.
   */
  appendDeviceList(account: Bytes, list: StoredDeviceList, keep: number): Promise<boolean>;

  /**
   * Creates link `link` owned by `owner` until `expiresAt`. Throws RelayError LINK_EXISTS when the id is
   * stored (expired or not, until the sweep deletes it), STORAGE_FULL at caps.maxOpen unexpired links,
   * QUOTA_EXCEEDED at caps.maxPerOwner unexpired links of `owner`; nothing stored on a refusal.
   */
  openLink(link: Bytes, owner: Bytes, expiresAt: number, caps: LinkCaps, now: number): Promise<void>;
  /** The unexpired link's owner and expiry, or undefined. */
  linkInfo(link: Bytes, now: number): Promise<StoredLink | undefined>;
  /**
   * Stores `data` as the next message towards `side` and returns its seq. Throws RelayError NO_LINK for
   * an unknown or expired link, or a message towards 'e' from a `sender` other than the owner; LINK_FULL
   * beyond the quota. Nothing stored on a refusal.
   */
  appendLinkMessage(link: Bytes, side: LinkSide, data: Bytes, sender: Bytes, quota: LinkQuota, now: number): Promise<number>;
  /** Messages towards `side` of an unexpired link with seq > afterSeq, in seq order, at most `limit`. */
  linkMessages(link: Bytes, side: LinkSide, afterSeq: number, limit: number, now: number): Promise<LinkMessage[]>;
  /** Deletes the link and its messages if `owner` opened it; returns whether it did. */
  closeLink(link: Bytes, owner: Bytes): Promise<boolean>;
  /** Deletes every expired link with its messages, a few links per transaction; returns how many links. */
  sweepLinks(now: number): Promise<number>;

  stats(): Promise<StoreStats>;
  close(): Promise<void>;

  /**
   * For a store shared by several relay nodes: calls `onStored` with the mailboxes that received
   * envelopes through any node, once those envelopes are committed — or with 'all' when the store
   * may have missed some (its watch connection was lost), so that every connected mailbox looks
   * again. A stored link message wakes its link id in the same way (the id in place of a mailbox:
   * the relay looks both up). Resolves to a function that stops watching. Absent on single-node stores.
   */
  watch?(onStored: (mailboxes: readonly Bytes[] | 'all') => void): Promise<() => Promise<void>>;
}
