/**
 * What the client needs from its relay (relay.md), as an interface: the
 * connection (relay-connection.ts) implements it over the relay's frames, and
 * nothing else in the client knows the frame format.
 */
import type { Bytes } from '../../crypto/index.js';
import type { RelayRecipient } from '../../wire/client/relay-envelope.js';
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
