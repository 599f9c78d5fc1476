/**
 * A memo of sealed-sender static secrets, DH(IK_self^x, IK_peer^x), per peer.
 *
 * The static layer of sealed sender (spec/protocol.md §7.3, step 4) computes
 * the same X25519 output for every envelope between two identity keys; caching
 * it saves one X25519 (and one Edwards→Montgomery conversion) per envelope on
 * each side. It holds secrets derived from the identity key, so it lives next
 * to that key in memory, belongs to exactly one identity, and is never stored.
 */
import { toHex, type Bytes } from '../crypto/index.js';

export class StaticSecretCache {
  readonly #secrets = new Map<string, Bytes>();
  readonly #maxEntries: number;

  constructor(maxEntries = 1024) {
    this.#maxEntries = maxEntries;
  }

  /** The cached secret for `peer`, or the one `compute` returns (then cached). */
  get(peer: Bytes, compute: () => Bytes): Bytes {
    const id = toHex(peer);
    const hit = this.#secrets.get(id);
    if (hit !== undefined) return hit;
    const secret = compute();
    // Oldest first out: a Map iterates in insertion order.
    if (this.#secrets.size >= this.#maxEntries) this.#secrets.delete(this.#secrets.keys().next().value as string);
    this.#secrets.set(id, secret);
    return secret;
  }

  clear(): void {
    for (const s of this.#secrets.values()) s.fill(0);
    this.#secrets.clear();
  }

  toJSON(): string {
    return `StaticSecretCache(${this.#secrets.size} entries, redacted)`;
  }
}
