/** What every connection of one relay shares (no globals: one context per startRelay). */
import type { Logger } from 'pino';
import type { Bytes } from '../src/crypto/index.js';
import type { RelayOptions } from './config.js';
import type { AttackLog } from './attack-log.js';
import type { RelayMetrics } from './metrics.js';
import type { Limiter } from './limiter.js';
import type { RelayStore } from './store/types.js';
import type { BlobService } from './blobs/service.js';
import type { LinkListeners } from './link-listeners.js';

/** The part of a connection that other connections reach: pushes to its mailbox. */
export interface MailboxSession {
  /** New envelopes are durable for this mailbox: push them. */
  notify(): void;
  /**
   * This mailbox's envelope `eid` (holding `data`) has just been committed: pushed from memory when it
   * is the next one the connection would read, so a caught-up recipient costs no re-read; else notify().
   */
  offer(eid: number, data: Bytes): void;
  /**
   * Envelope `eid` (holding `data`) is written for this mailbox and its commit is running (spec/relay.md
   * §2.3): pushed at once when the connection is caught up — `eid` is the next one it would read, no read
   * is running, the window and the socket are open — and true is returned; the caller then reports the
   * commit with settleAhead. False: nothing pushed (the caller offers it once committed).
   */
  pushAhead(eid: number, data: Bytes): boolean;
  /** The commit of pushed-ahead `eid` ended: false (it failed, or stored the envelope under another eid) closes the connection with 1011. */
  settleAhead(eid: number, stored: boolean): void;
  /** Pushes an ephemeral payload; false when not delivered (backpressure). */
  pushEphemeral(data: Bytes): boolean;
  /** Pushes `prekeys_low`, at most once per preKeysLowIntervalMs on this connection. */
  pushPreKeysLow(oneTime: number, kem: number): void;
  /** Closes this connection because a newer one authenticated for the same mailbox. */
  replaced(): void;
}

export interface RelayContext {
  readonly options: RelayOptions;
  readonly store: RelayStore;
  readonly metrics: RelayMetrics;
  readonly log: Logger;
  readonly relaySecret: Bytes;
  readonly relayId: Bytes;
  /** Authenticated connections by hex mailbox id (in memory only, never logged). */
  readonly online: Map<string, MailboxSession>;
  /** The shared budgets of spec/relay.md §7.3: in memory on one node, in Redis across several. */
  readonly limiter: Limiter;
  readonly attacks: AttackLog;
  /** File blobs (spec/relay.md §12). */
  readonly blobs: BlobService;
  /** Connections listening on linking mailboxes (spec/relay.md §14.3), by link id. */
  readonly links: LinkListeners;
  draining: boolean;
}
