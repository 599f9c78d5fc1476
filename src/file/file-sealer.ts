/**
 * Encrypting a file as a stream (spec/protocol.md §11.2): plaintext goes in
 * in pieces of any size, sealed chunks come out as soon as each is full. At
 * most one chunk of plaintext is held (in one buffer, reused), so memory does
 * not grow with the file. The digest of the ciphertext (§11.4) is computed on
 * the way.
 */
import { aeadSeal, createSha256, utf8, type Bytes, type Sha256Hasher } from '../crypto/index.js';
import { fail } from '../errors.js';
import { FILE_CHUNK_LABEL, FILE_KEY_LENGTH } from './constants.js';
import { chunkNonce, chunkPlainLength, fileLayout, type FileLayout } from './layout.js';

const CHUNK_AD = utf8(FILE_CHUNK_LABEL);

export class FileSealer {
  readonly layout: FileLayout;
  readonly #key: Bytes;
  readonly #hash: Sha256Hasher = createSha256();
  #buffer: Bytes;
  #filled = 0;
  #index = 0;
  /** Plaintext bytes taken so far (padding excluded). */
  #taken = 0;
  #digest: Bytes | undefined;

  constructor(key: Bytes, size: number, chunkSize: number) {
    if (key.length !== FILE_KEY_LENGTH) fail('INVALID_KEY', 'file key must be 32 bytes', { got: key.length });
    this.layout = fileLayout(size, chunkSize);
    this.#key = Uint8Array.from(key);
    this.#buffer = new Uint8Array(chunkPlainLength(this.layout, 0));
  }

  /** Takes plaintext; returns the chunks it completed, sealed. More than `size` bytes in total is INVALID_STATE. */
  push(data: Bytes): Bytes[] {
    if (this.#taken + data.length > this.layout.size) fail('INVALID_STATE', 'file: more bytes than its size', { max: this.layout.size });
    this.#taken += data.length;
    return this.#fill(data);
  }

  /**
   * Pads and seals what is left, one chunk per step of the iteration: the padding (up to 1/32 of a
   * large file, §11.3) is never held whole. Fewer than `size` bytes pushed is INVALID_STATE, thrown here.
   */
  finish(): Iterable<Bytes> {
    if (this.#taken !== this.layout.size) fail('INVALID_STATE', 'file: fewer bytes than its size', { got: this.#taken, expected: this.layout.size });
    return this.#padded();
  }

  *#padded(): Iterable<Bytes> {
    // Padding is zeros: the unfilled rest of the buffer (reused, so cleared here), then whole chunks of zeros.
    while (this.#index < this.layout.chunkCount) {
      this.#buffer.fill(0, this.#filled);
      this.#filled = this.#buffer.length;
      yield this.#seal();
    }
  }

  /** SHA-256 of the whole ciphertext, once the last chunk is sealed. */
  digest(): Bytes {
    return this.#digest ?? fail('INVALID_STATE', 'file: digest before finish');
  }

  #fill(data: Bytes): Bytes[] {
    const out: Bytes[] = [];
    let at = 0;
    while (at < data.length) {
      const n = Math.min(data.length - at, this.#buffer.length - this.#filled);
      this.#buffer.set(data.subarray(at, at + n), this.#filled);
      this.#filled += n;
      at += n;
      // The last chunk is sealed by finish(), after its padding.
      if (this.#filled === this.#buffer.length && this.#index < this.layout.chunkCount - 1) out.push(this.#seal());
    }
    return out;
  }

  #seal(): Bytes {
    const last = this.#index === this.layout.chunkCount - 1;
    const sealed = aeadSeal(this.#key, chunkNonce(this.#index, last), this.#buffer, CHUNK_AD);
    this.#hash.update(sealed);
    // Known as soon as the last chunk is: the uploader sends it with the segment that chunk ends.
    if (last) this.#digest = this.#hash.digest();
    this.#index++;
    this.#filled = 0;
    // The plaintext buffer is reused for the next chunk (one allocation less per 64 KiB) unless its length
    // differs (the last chunk) or the provider's output shares its memory.
    const next = this.#index < this.layout.chunkCount ? chunkPlainLength(this.layout, this.#index) : 0;
    if (next !== this.#buffer.length || sealed.buffer === this.#buffer.buffer) this.#buffer = new Uint8Array(next);
    return sealed;
  }
}
