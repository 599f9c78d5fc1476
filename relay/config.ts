/**
 * Relay options and their defaults (spec/relay.md §7). Every limit is
 * configurable; the defaults are safe for a small production relay.
 */
import type { RandomSource } from '../src/crypto/index.js';
import { RELAY_MAX_FRAME_SIZE } from '../src/constants.js';

export interface RelayLimits {
  /** WebSocket maxPayload: a larger frame closes the connection with 1009. */
  readonly maxFrameSize: number;
  /**
   * Open WebSocket connections; one more is closed at once with 1013. Clamped at start below the
   * process's file-descriptor limit (relay/admission.ts), so the cap — not the kernel — refuses.
   */
  readonly maxConnections: number;
  /** Open connections from one address (an IPv4 address, an IPv6 /64); one more is closed with 1013. */
  readonly maxConnectionsPerAddress: number;
  /** A connection that has not authenticated is closed with 4002 when no valid request arrived for this long. */
  readonly unauthenticatedIdleMs: number;
  /** Ping interval; a connection that has not answered the previous ping (or sent anything) by the next is terminated. */
  readonly pingIntervalMs: number;
  /**
   * Token bucket per connection, in cost units: a request costs one unit, a fanout one per recipient
   * (spec/relay.md §7.3), so one frame cannot buy more work than its recipients pay for.
   */
  readonly connectionRate: number;
  readonly connectionBurst: number;
  /** The same cost units, per source address: many connections from one address share this budget. */
  readonly addressRate: number;
  readonly addressBurst: number;
  /**
   * Token bucket per delivery token of a recipient mailbox: every send, fanout entry, ephemeral and
   * bundle fetch presenting that token takes one — charged only after the token was admitted (consent
   * before cost), and to that token only, so one token holder cannot starve the mailbox's other
   * contacts. (The name predates per-token buckets; it stays for operators' configurations.)
   */
  readonly mailboxRate: number;
  readonly mailboxBurst: number;
  /** Keys (mailboxes, addresses, tokens) any one rate-limit table holds at most; the stalest are forgotten first. */
  readonly maxRateLimitKeys: number;
  /** Bundles per delivery token per hour that consume one-time prekeys; beyond it bundles carry none. */
  readonly bundlesPerTokenPerHour: number;
  /** Bundles per mailbox per day that consume one-time prekeys; beyond it bundles carry none. */
  readonly bundlesPerMailboxPerDay: number;
  /** At most one `prekeys_low` push per connection in this interval. */
  readonly preKeysLowIntervalMs: number;
  /** Stored envelopes and bytes per mailbox; beyond them sends are refused with MAILBOX_FULL. */
  readonly mailboxMaxEnvelopes: number;
  readonly mailboxMaxBytes: number;
  /** Stored deliveries and their bytes over all mailboxes; beyond them sends are refused with STORAGE_FULL. */
  readonly maxStoredDeliveries: number;
  readonly maxStoredBytes: number;
  /** Registered delivery tokens per mailbox. */
  readonly maxTokensPerMailbox: number;
  /** Stored one-time prekeys per mailbox (classic, KEM). */
  readonly maxOneTimePreKeys: number;
  readonly maxKemPreKeys: number;
  /** A `prekeys_low` push is sent when either one-time count is below this. */
  readonly preKeysLowThreshold: number;
  /** Deliveries pushed but not yet acknowledged on one connection before pushing pauses. */
  readonly maxUnacked: number;
  /** Requests being handled at once on one connection before reading pauses. */
  readonly maxInFlight: number;
  /** Bytes queued on a socket above which the relay stops pushing and reading; it resumes below half. */
  readonly highWaterMark: number;
  /** Protocol violations (malformed, out-of-order frames) before the connection is closed with 4000. */
  readonly maxStrikes: number;
  /** Consecutive RATE_LIMITED answers before the connection is closed with 4008. */
  readonly maxRateLimited: number;
  /** Largest blob (file ciphertext) one upload grant may be for; a larger request is TOO_LARGE (spec/relay.md §12). */
  readonly maxBlobSize: number;
  /** Blob bytes, pending and complete, one identity may hold; beyond it a grant is QUOTA_EXCEEDED. */
  readonly blobQuotaPerIdentity: number;
  /** Blob bytes the relay holds over all identities; beyond it a grant is STORAGE_FULL. */
  readonly maxBlobBytes: number;
  /** How long an upload grant is valid; an upload not complete by then is deleted. */
  readonly blobUploadWindowMs: number;
  /** Blobs, pending and complete, one identity may hold (each costs index memory and a file, whatever its size). */
  readonly maxBlobsPerIdentity: number;
  /** Blobs the relay holds over all identities; beyond it a grant is STORAGE_FULL. */
  readonly maxBlobs: number;
  /**
   * Links open at once over the relay (spec/relay.md §14.4); one more `link_open` is STORAGE_FULL. Each
   * holds at most RELAY_LINK_MAX_BYTES (8.4 MiB) for RELAY_LINK_TTL_SECONDS, so this bounds what a flood
   * of opens can make the relay store: 1000 × 8.4 MiB.
   */
  readonly maxOpenLinks: number;
  /** Links one identity may hold open at once; one more is QUOTA_EXCEEDED. */
  readonly maxOpenLinksPerIdentity: number;
}

export interface RelayOptions {
  readonly host: string;
  /** 0 picks an ephemeral port. */
  readonly port: number;
  /** SQLite directory; undefined keeps everything in memory (RelayMemoryStore). */
  readonly dataDir: string | undefined;
  /** A shared PostgreSQL store (`postgres://…`), for several relay nodes; overrides dataDir (spec/relay.md §8.3). */
  readonly postgres: { readonly url: string; readonly schema?: string } | undefined;
  /** Budgets shared by several nodes in Redis (`redis://…`, key prefix); else in memory (spec/relay.md §8.4). */
  readonly redis: { readonly url: string; readonly prefix: string } | undefined;
  /** SQLite synchronous mode: 'full' (durable across power loss, the default) or 'normal' (across process crash only). */
  readonly sqliteSync: 'full' | 'normal';
  /**
   * Runs the SQLite store in its own thread, so commits never block the event loop (spec/relay.md §8.2).
   * Off by default: on the 2-core bench machine it did not raise throughput and cost more CPU per message.
   */
  readonly sqliteThread: boolean;
  /** Default and longest envelope TTL (seconds); a sender may ask for less. */
  readonly ttlSeconds: number;
  /** Lifetime of a complete blob (seconds from its upload's completion); defaults to ttlSeconds. */
  readonly blobTtlSeconds: number;
  /** Interval of the expiry sweep. */
  readonly sweepIntervalMs: number;
  readonly limits: RelayLimits;
  /** pino level: 'info' by default, 'silent' in tests. */
  readonly logLevel: string;
  /** Attack warnings name the source address only when the operator opts in (spec/relay.md §9). */
  readonly logAddresses: boolean;
  /** The /metrics listener: its own port (default 127.0.0.1, ephemeral), optionally behind a bearer token; false turns it off. */
  readonly metrics: MetricsListen | false;
  readonly random: RandomSource;
  /** Current time in ms (tests may inject a clock for TTL). */
  readonly now: () => number;
}

export interface MetricsListen {
  readonly host: string;
  /** 0 picks an ephemeral port. */
  readonly port: number;
  /** When set, /metrics answers 401 unless `Authorization: Bearer <token>`. */
  readonly token?: string;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameSize: RELAY_MAX_FRAME_SIZE,
  maxConnections: 20_000,
  maxConnectionsPerAddress: 200,
  unauthenticatedIdleMs: 30_000,
  pingIntervalMs: 30_000,
  connectionRate: 1000,
  connectionBurst: 2000,
  addressRate: 2000,
  addressBurst: 4000,
  mailboxRate: 100,
  mailboxBurst: 200,
  maxRateLimitKeys: 100_000,
  bundlesPerTokenPerHour: 5,
  bundlesPerMailboxPerDay: 200,
  preKeysLowIntervalMs: 60_000,
  mailboxMaxEnvelopes: 10_000,
  mailboxMaxBytes: 100 * 1024 * 1024,
  maxStoredDeliveries: 20_000_000,
  maxStoredBytes: 16 * 1024 * 1024 * 1024,
  maxTokensPerMailbox: 1000,
  maxOneTimePreKeys: 200,
  maxKemPreKeys: 100,
  preKeysLowThreshold: 10,
  maxUnacked: 500,
  maxInFlight: 64,
  highWaterMark: 1024 * 1024,
  maxStrikes: 10,
  maxRateLimited: 200,
  maxBlobSize: 2 * 1024 * 1024 * 1024,
  blobQuotaPerIdentity: 4 * 1024 * 1024 * 1024,
  maxBlobBytes: 64 * 1024 * 1024 * 1024,
  blobUploadWindowMs: 60 * 60 * 1000,
  maxBlobsPerIdentity: 10_000,
  maxBlobs: 200_000,
  maxOpenLinks: 1000,
  maxOpenLinksPerIdentity: 4,
};

export const DEFAULT_TTL_SECONDS = 30 * 24 * 60 * 60;
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
