/**
 * Admission control (spec/relay.md §7.3): which new connections the relay
 * takes. A relay must refuse with its own clean 1013 long before the kernel
 * refuses with EMFILE, so the connection cap is clamped below the process's
 * file-descriptor limit, and one address may hold only a small share of it.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { RelayLimits } from './config.js';

/** Descriptors kept free for SQLite (database, WAL, shm), the listeners, logs and sockets closing with 1013. */
export const RESERVED_FILE_DESCRIPTORS = 256;
/** Sockets beyond maxConnections still accepted, to be told 1013 rather than reset. */
export const REFUSAL_MARGIN = 64;

/** The soft RLIMIT_NOFILE of this process, from /proc on Linux; undefined where it cannot be read. */
export function fileDescriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.trim().split(/\s+/)[3];
    if (soft === undefined || soft === 'unlimited') return undefined;
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The largest maxConnections a descriptor limit allows (at least 1). */
export function safeConnectionCap(fdLimit: number): number {
  return Math.max(1, fdLimit - RESERVED_FILE_DESCRIPTORS - REFUSAL_MARGIN);
}

/** `limits` with maxConnections clamped below the descriptor limit (and a warning saying so). */
export function clampToFileDescriptors(limits: RelayLimits, fdLimit: number | undefined, log: Logger): RelayLimits {
  if (fdLimit === undefined) {
    log.info({ maxConnections: limits.maxConnections }, 'file-descriptor limit unknown; maxConnections not checked against it');
    return limits;
  }
  const cap = safeConnectionCap(fdLimit);
  if (limits.maxConnections <= cap) return limits;
  log.warn({ maxConnections: limits.maxConnections, fileDescriptorLimit: fdLimit, clampedTo: cap },
    'maxConnections exceeds what the file-descriptor limit allows; clamped (raise `ulimit -n` to allow more)');
  return { ...limits, maxConnections: cap };
}

/** Open connections per address key; refuses past the per-address cap. */
export class AddressCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Counts one more connection from `key`, or returns false (nothing counted) at the cap. */
  admit(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.maxPerAddress) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = this.counts.get(key) ?? 0;
    if (n <= 1) this.counts.delete(key);
    else this.counts.set(key, n - 1);
  }
}
