/**
 * What the client needs from its relay (relay.md), as an interface: the
 * connection (relay-connection.ts) implements it over the relay's frames, and
 * nothing else in the client knows the frame format.
 */
import type { Bytes } from '../../crypto/index.js';
import type { RelayRecipient } from '../../wire/client/relay-envelope.js';
import type { RelayLinkSide } from '../../wire/relay-link-frames.js';
import type { ConnectionFailure } from './websocket.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export type { RelayRecipient, ConnectionFailure };

/**
 * Called when the relay answers a request after it failed with TIMEOUT (client.md §5.4): 'ok' means the relay
 * holds the envelope after all. Answers of requests on a connection that has since closed never come.
 */
export type LateAnswer = (answer: 'ok' | 'refused') => void;

/** Per-recipient outcome of a fan-out: ok, or the relay's refusal code. */
export type FanoutResult = { readonly ok: true } | { readonly ok: false; readonly code: string };

export interface Delivery {
  /** The relay's id for the envelope (acknowledged with ack). */
  readonly id: number;
  readonly data: Bytes;
  /** Ephemeral deliveries are never stored by the relay and need no ack. */
  readonly ephemeral: boolean;
}

/** The public prekeys a device uploads (encoded with src/wire/prekeys.ts codecs). */
export interface PreKeyUpload {
  readonly signedPreKey?: Bytes;
  readonly lastResortKemPreKey?: Bytes;
  readonly oneTimePreKeys: readonly Bytes[];
  readonly kemOneTimePreKeys: readonly Bytes[];
}

export interface PreKeyCounts {
  readonly oneTime: number;
  readonly kem: number;
}

/** An upload grant for a file blob (relay.md §12.2). */
export interface BlobGrant {
  readonly blob: Bytes;
  readonly grant: Bytes;
  /** The upload deadline, ms since the epoch. */
  readonly expires: number;
}

/**
 * A listen on one side of a link (relay.md §14.3). The connection listens again after every reconnect,
 * from the last message it handed over, and hands each message over once, in the relay's order.
 */
export interface LinkListening {
  /** When the relay deletes the link (ms since the epoch): nothing arrives after it. */
  readonly expires: number;
  /** Stops listening: nothing more is handed over, and later connections do not listen again. */
  stop(): void;
}

export interface RelayHandlers {
  /** Called after each successful authentication, before deliveries of that connection are processed. */
  onConnected(mailbox: Bytes): Promise<void>;
  onDelivery(delivery: Delivery): Promise<void>;
  onPreKeysLow(): void;
  onState(state: ConnectionState, detail: { readonly attempt: number; readonly delayMs?: number; readonly reason?: ConnectionFailure }): void;
  /** The sealed connection is open again after a loss failed requests written on it (their senders may retry now). */
  onSealedReady?(): void;
}

export interface RelayApi {
  readonly state: ConnectionState;
  /** Resolves when connected and authenticated (rejects CLOSED if closed first). */
  whenConnected(): Promise<void>;
  publishPreKeys(upload: PreKeyUpload): Promise<void>;
  preKeyCounts(): Promise<PreKeyCounts>;
  /** The encoded PreKeyBundle of (mailbox), admitted by token. */
  fetchBundle(recipient: RelayRecipient): Promise<Bytes>;
  /** Registers `token` for our mailbox; `replaces`, if given, is revoked in the same step (rotation, relay.md §5). */
  registerToken(token: Bytes, replaces?: Bytes): Promise<void>;
  revokeToken(token: Bytes): Promise<void>;
  /**
   * Resolves once the relay has the envelope durably. A RATE_LIMITED refusal rejects at once (with retryAfter):
   * the outbox, not the connection, decides when to send again. `late` hears an answer that comes after TIMEOUT.
   */
  send(recipient: RelayRecipient, data: Bytes, late?: LateAnswer): Promise<void>;
  fanout(recipients: readonly RelayRecipient[], data: Bytes): Promise<readonly FanoutResult[]>;
  sendEphemeral(recipient: RelayRecipient, data: Bytes): Promise<void>;
  ack(ids: readonly number[]): Promise<void>;
  /** Reserves `size` bytes for a file blob, over the authenticated connection (relay.md §12.2). Optional: test transports may lack it. */
  blobGrant?(size: number): Promise<BlobGrant>;
  /*
   * The linking mailboxes (relay.md §14), over the authenticated connection; optional like blobGrant.
   * N (the new device) opens the link, listens on 'n', sends its proof to 'e', and closes the link
   * when done; E (the existing device) listens on 'e' and sends its hello and chunks to 'n'. Refusals
   * reject with ClientError RELAY_ERROR and the relay's code: NO_LINK (unknown, expired, or not N's
   * to use), LINK_EXISTS (opened twice), LINK_FULL (the side's message or byte quota), STORAGE_FULL /
   * QUOTA_EXCEEDED (too many open links at the relay / of this identity), TOO_LARGE.
   */
  /** Opens link `link` (16 bytes, the offer's id); resolves with when the relay deletes it (ms since the epoch). */
  linkOpen?(link: Bytes): Promise<number>;
  /** Stores `data` (≤ LINK_MAX_CHUNK_MESSAGE_SIZE) towards side `to`; resolves with its seq once durable. */
  linkSend?(link: Bytes, to: RelayLinkSide, data: Bytes): Promise<number>;
  /** Listens on `side`: `onMessage` gets every message stored there, in order, once each. */
  linkListen?(link: Bytes, side: RelayLinkSide, onMessage: (data: Bytes) => void): Promise<LinkListening>;
  /** Deletes the link and its messages (N only) before it expires. */
  linkClose?(link: Bytes): Promise<void>;
  /** Publishes a signed device list (relay.md §13.1); resolves with its version once durable. Optional: test transports may lack it. */
  publishDeviceList?(list: Bytes): Promise<number>;
  /** The signed lists of `account` above version `since` (or the newest), oldest first (relay.md §13.2). Optional like publishDeviceList. */
  fetchDeviceLists?(account: Bytes, since?: number): Promise<readonly Bytes[]>;
  /** Drops the connection as a network loss would (it reconnects). */
  interrupt(): void;
  /** Reconnects at once instead of waiting out the backoff (the network is back); no-op while connected. */
  reconnectNow(): void;
  close(): Promise<void>;
}
