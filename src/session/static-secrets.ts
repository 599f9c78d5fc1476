/**
 * A memo of one identity's sealed-sender secrets: its own X25519 private key
 * and the static secrets DH(IK_self^x, IK_peer^x), per peer.
 *
 * The static layer of sealed sender (spec/protocol.md §7.3, step 4) computes
 * the same X25519 output for every envelope between two identity keys; caching
 * it saves one X25519 (and one Edwards→Montgomery conversion) per envelope on
 * each side. Unsealing needs IK_self^x for the ephemeral DH of every envelope:
 * derived once here (a SHA-512), and, being one stable array, it also lets the
 * node provider reuse its imported key instead of importing it per message.
 *
 * It holds secrets derived from the identity key, so it lives next to that
 * key in memory (the client's context: one per open client, `clear()`ed by
 * `close()`), belongs to exactly one identity — it binds itself to the first
 * identity public key it serves and starts over, wiping, if shown another —
 * holds at most `maxEntries` peers, and is never stored.
 */
import { equalBytes, toHex, type Bytes } from '../crypto/index.js';

export class StaticSecretCache {
  readonly #secrets = new Map<string, Bytes>();
  readonly #maxEntries: number;
  #owner: Bytes | undefined;
  #ownSecret: Bytes | undefined;

  constructor(maxEntries = 1024) {
    this.#maxEntries = maxEntries;
  }

  /**
   * The X25519 private key of the identity whose public key is `owner`, or
   * the one `derive` returns (then kept until `clear()` or another owner).
   * Callers must not modify the returned array: it is the cache's own.
   */
  ownSecret(owner: Bytes, derive: () => Bytes): Bytes {
    this.#bind(owner);
    this.#ownSecret ??= derive();
    return this.#ownSecret;
  }

  /** The cached secret between `owner` and `peer`, or the one `compute` returns (then cached). */
  get(owner: Bytes, peer: Bytes, compute: () => Bytes): Bytes {
    this.#bind(owner);
    const id = toHex(peer);
    const hit = this.#secrets.get(id);
    if (hit !== undefined) return hit;
    const secret = compute();
    // Oldest first out: a Map iterates in insertion order.
    if (this.#secrets.size >= this.#maxEntries) this.#secrets.delete(this.#secrets.keys().next().value as string);
    this.#secrets.set(id, secret);
    return secret;
  }

  /** Wipes and forgets every secret (the client calls it on close). */
  clear(): void {
    for (const s of this.#secrets.values()) s.fill(0);
    this.#secrets.clear();
    this.#ownSecret?.fill(0);
    this.#ownSecret = undefined;
    this.#owner = undefined;
  }

  toJSON(): string {
    return `StaticSecretCache(${this.#secrets.size} entries, redacted)`;
  }

  /** Secrets of one identity only: another identity's key wipes what the first one left. */
  #bind(owner: Bytes): void {
    if (this.#owner !== undefined && equalBytes(this.#owner, owner)) return;
    this.clear();
    this.#owner = owner.slice();
  }
}
