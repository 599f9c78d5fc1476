/**
 * Relay options and their defaults (spec/relay.md §7). Every limit is
 * configurable; the defaults are safe for a small production relay.
 */
import type { RandomSource } from '../src/crypto/index.js';
import { RELAY_MAX_FRAME_SIZE } from '../src/constants.js';

export interface RelayLimits {
  /** WebSocket maxPayload: a larger frame closes the connection with 1009. */
  readonly maxFrameSize: number;
  /** Open WebSocket connections; one more is closed at once with 1013. */
  readonly maxConnections: number;
  /** Ping interval; a connection that has not answered the previous ping (or sent anything) by the next is terminated. */
  readonly pingIntervalMs: number;
  /** Token bucket per connection: every request frame takes one token. */
  readonly connectionRate: number;
  readonly connectionBurst: number;
  /** Token bucket per recipient mailbox: every send, fanout entry, ephemeral and bundle fetch aimed at it takes one. */
  readonly mailboxRate: number;
  readonly mailboxBurst: number;
  /** Stored envelopes and bytes per mailbox; beyond them sends are refused with MAILBOX_FULL. */
  readonly mailboxMaxEnvelopes: number;
  readonly mailboxMaxBytes: number;
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
}

export interface RelayOptions {
  readonly host: string;
  /** 0 picks an ephemeral port. */
  readonly port: number;
  /** SQLite directory; undefined keeps everything in memory (MemoryStore). */
  readonly dataDir: string | undefined;
  /** SQLite synchronous mode: 'full' (durable across power loss, the default) or 'normal' (across process crash only). */
  readonly sqliteSync: 'full' | 'normal';
  /** Default and longest envelope TTL (seconds); a sender may ask for less. */
  readonly ttlSeconds: number;
  /** Interval of the expiry sweep. */
  readonly sweepIntervalMs: number;
  readonly limits: RelayLimits;
  /** pino level: 'info' by default, 'silent' in tests. */
  readonly logLevel: string;
  readonly random: RandomSource;
  /** Current time in ms (tests may inject a clock for TTL). */
  readonly now: () => number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameSize: RELAY_MAX_FRAME_SIZE,
  maxConnections: 20_000,
  pingIntervalMs: 30_000,
  connectionRate: 200,
  connectionBurst: 400,
  mailboxRate: 100,
  mailboxBurst: 200,
  mailboxMaxEnvelopes: 10_000,
  mailboxMaxBytes: 100 * 1024 * 1024,
  maxTokensPerMailbox: 1000,
  maxOneTimePreKeys: 200,
  maxKemPreKeys: 100,
  preKeysLowThreshold: 10,
  maxUnacked: 500,
  maxInFlight: 64,
  highWaterMark: 1024 * 1024,
  maxStrikes: 10,
  maxRateLimited: 200,
};

export const DEFAULT_TTL_SECONDS = 30 * 24 * 60 * 60;
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
