/**
 * A Bloom filter of the key tags an SQLite store holds (spec/client.md §5.2):
 * it lets a read of a key the store never held answer on the app's thread,
 * without a round trip to the worker. The client reads such keys on every
 * received message (`messages/<sender>:<id>`, its deduplication check), and
 * that round trip is what serialized a receiver with its worker's commits.
 *
 * A key tag is an HMAC output, so its bytes are already uniform: the K bit
 * positions are taken straight from its 32-bit words, with no hashing. The
 * filter only ever says "absent" or "maybe": a put adds its tag, a delete
 * removes nothing (a deleted key stays a "maybe", which the worker answers).
 * Shared by the worker, which builds a filter from the rows, and the app's
 * thread, which keeps it current; no Node import.
 */

/** Bit positions per key (a tag's first K 32-bit words). */
const K = 6;
/** At least this many bits (16 KiB): a new store does not rebuild at once. */
const MIN_BITS = 1 << 17;
/** Bits per key a filter is built with; it asks to be rebuilt below half of that (false positives then ≈ 2 %). */
const BITS_PER_KEY = 16;

export class KeyFilter {
  readonly #bits: Uint8Array;
  readonly #mask: number;
  #keys: number;

  /** `words`: the bits, a power of two of them; `keys`: how many keys were added to them already. */
  private constructor(words: Uint8Array, keys: number) {
    this.#bits = words;
    this.#mask = words.length * 8 - 1;
    this.#keys = keys;
  }

  /** An empty filter sized for `keys` keys. */
  static sizedFor(keys: number): KeyFilter {
    let bits = MIN_BITS;
    while (bits < keys * BITS_PER_KEY) bits *= 2;
    return new KeyFilter(new Uint8Array(bits / 8), 0);
  }

  /** A filter from its bytes (as the worker sends them) and the number of keys they hold. */
  static from(words: Uint8Array, keys: number): KeyFilter {
    const length = words.length;
    if (length < MIN_BITS / 8 || (length & (length - 1)) !== 0) throw new RangeError('a key filter is a power of two bits, at least the minimum');
    return new KeyFilter(words, keys);
  }

  add(tag: Uint8Array): void {
    const view = wordsOf(tag);
    for (let i = 0; i < K; i++) {
      const bit = view.getUint32(i * 4, true) & this.#mask;
      this.#bits[bit >>> 3] = (this.#bits[bit >>> 3] as number) | (1 << (bit & 7));
    }
    this.#keys++;
  }

  /** False only if `tag` was never added. */
  mayHold(tag: Uint8Array): boolean {
    const view = wordsOf(tag);
    for (let i = 0; i < K; i++) {
      const bit = view.getUint32(i * 4, true) & this.#mask;
      if (((this.#bits[bit >>> 3] as number) & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }

  /** Past half its bits per key: rebuilding it from the rows (deleted keys gone) keeps false positives rare. */
  get full(): boolean {
    return this.#keys * BITS_PER_KEY > this.#bits.length * 8 * 2;
  }

  get keys(): number {
    return this.#keys;
  }

  get words(): Uint8Array {
    return this.#bits;
  }
}

function wordsOf(tag: Uint8Array): DataView {
  if (tag.length < K * 4) throw new RangeError('a key tag is 32 bytes');
  return new DataView(tag.buffer, tag.byteOffset, tag.length);
}
