/**
 * The (mailbox, token hash) pairs a store knows to be held, bounded, for a
 * store that is the only writer of its tokens (SQLite on one node): every
 * request of an admitted sender is checked against its token (spec/relay.md
 * §7.3), and a hit spares that query. A revoke or a replacement drops its pair
 * inside the write that deletes the row, so no request admitted after the
 * deletion commits finds it here; a miss (or an eviction) just asks the
 * database. Never used where other nodes may revoke (PostgreSQL).
 */
import type { Bytes } from '../../src/crypto/index.js';

/** Pairs held at most (~150 bytes each): a busy node's active senders, not every token it stores. */
export const TOKEN_CACHE_MAX = 10_000;

function keyOf(mailbox: Bytes, tokenHash: Bytes): string {
  const text = (b: Bytes): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  return `${mailbox.length}:${text(mailbox)}${text(tokenHash)}`;
}

export class TokenCache {
  private readonly held = new Set<string>();

  has(mailbox: Bytes, tokenHash: Bytes): boolean {
    return this.held.has(keyOf(mailbox, tokenHash));
  }

  /** Remembers a held pair, forgetting the oldest when full. */
  add(mailbox: Bytes, tokenHash: Bytes): void {
    if (this.held.size >= TOKEN_CACHE_MAX) {
      for (const oldest of this.held) {
        this.held.delete(oldest);
        break;
      }
    }
    this.held.add(keyOf(mailbox, tokenHash));
  }

  delete(mailbox: Bytes, tokenHash: Bytes): void {
    this.held.delete(keyOf(mailbox, tokenHash));
  }
}
