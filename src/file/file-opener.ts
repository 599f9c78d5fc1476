/**
 * Decrypting a file as a stream (spec/protocol.md §11.6): ciphertext goes in
 * in pieces of any size (as it arrives from the network), and plaintext comes
 * out one verified chunk at a time, never a byte before its chunk's tag
 * verified. At most one sealed chunk is held. The chunk counter and the final
 * flag in each nonce make reordering, duplication, truncation and chunks
 * spliced from another file fail; the digest is checked at the end.
 *
 * A failure leaves the opener failed: every later call throws the same error,
 * so a caller cannot carry on past a bad chunk by mistake.
 */
import { AEAD_TAG_LENGTH, aeadTryOpen, createSha256, equalBytes, utf8, type Bytes, type Sha256Hasher } from '../crypto/index.js';
import { fail, ProtocolError } from '../errors.js';
import { FILE_CHUNK_LABEL, FILE_DIGEST_LENGTH, FILE_KEY_LENGTH } from './constants.js';
import { chunkNonce, chunkOffset, chunkPlainLength, fileLayout, type FileLayout } from './layout.js';

const CHUNK_AD = utf8(FILE_CHUNK_LABEL);

/** What a receiver needs from the pointer to open the blob (§11.5). */
export interface FileSecrets {
  readonly key: Bytes;
  readonly size: number;
  readonly chunkSize: number;
  readonly digest: Bytes;
}

export class FileOpener {
  readonly layout: FileLayout;
  readonly #key: Bytes;
  readonly #digest: Bytes;
  readonly #hash: Sha256Hasher = createSha256();
  #buffer: Bytes;
  #filled = 0;
  #index = 0;
  #failure: ProtocolError | undefined;

  constructor(secrets: FileSecrets) {
    if (secrets.key.length !== FILE_KEY_LENGTH) fail('INVALID_KEY', 'file key must be 32 bytes', { got: secrets.key.length });
    if (secrets.digest.length !== FILE_DIGEST_LENGTH) fail('MALFORMED', 'file digest must be 32 bytes', { got: secrets.digest.length });
    this.layout = fileLayout(secrets.size, secrets.chunkSize);
    this.#key = Uint8Array.from(secrets.key);
    this.#digest = Uint8Array.from(secrets.digest);
    this.#buffer = new Uint8Array(this.#sealedLength(0));
  }

  /** Blob bytes taken so far: a download that was cut resumes at this offset. */
  get offset(): number {
    return chunkOffset(this.layout, this.#index) + this.#filled;
  }

  /** Verified plaintext bytes handed out so far. */
  get delivered(): number {
    return Math.min(this.#index * this.layout.chunkSize, this.layout.size);
  }

  get done(): boolean {
    return this.#index === this.layout.chunkCount;
  }

  /** Takes ciphertext; returns the plaintext of the chunks it completed, each verified (padding removed). */
  push(data: Bytes): Bytes[] {
    this.#check();
    return this.#guard(() => this.#fill(data));
  }

  /** The end of the blob: FILE_TRUNCATED before the last chunk, FILE_DIGEST_MISMATCH if the digest differs. */
  finish(): void {
    this.#check();
    this.#guard(() => {
      if (!this.done) fail('FILE_TRUNCATED', 'file: the blob ended early', { got: this.offset, expected: this.layout.blobSize });
      if (!equalBytes(this.#hash.digest(), this.#digest)) fail('FILE_DIGEST_MISMATCH', 'file: ciphertext digest differs from the pointer');
    });
  }

  #fill(data: Bytes): Bytes[] {
    const out: Bytes[] = [];
    let at = 0;
    while (at < data.length) {
      if (this.done) fail('FILE_TRAILING_DATA', 'file: bytes after the last chunk', { expected: this.layout.blobSize });
      const n = Math.min(data.length - at, this.#buffer.length - this.#filled);
      this.#buffer.set(data.subarray(at, at + n), this.#filled);
      this.#filled += n;
      at += n;
      if (this.#filled === this.#buffer.length) {
        const plain = this.#open();
        if (plain.length > 0) out.push(plain);
      }
    }
    return out;
  }

  #open(): Bytes {
    const i = this.#index;
    const last = i === this.layout.chunkCount - 1;
    const plain = aeadTryOpen(this.#key, chunkNonce(i, last), this.#buffer, CHUNK_AD);
    if (plain === null) fail('DECRYPT_FAILED', 'file: chunk does not verify', { chunk: i });
    this.#hash.update(this.#buffer);
    const start = i * this.layout.chunkSize;
    const keep = Math.max(0, Math.min(plain.length, this.layout.size - start));
    for (let j = keep; j < plain.length; j++) if (plain[j] !== 0) fail('MALFORMED', 'file: padding is not zero', { chunk: i });
    this.#index++;
    this.#filled = 0;
    // The sealed chunk is hashed and done with: its buffer takes the next one, unless the length differs
    // (the last chunk) or the plaintext handed out shares its memory.
    const next = this.done ? 0 : this.#sealedLength(this.#index);
    if (next !== this.#buffer.length || plain.buffer === this.#buffer.buffer) this.#buffer = new Uint8Array(next);
    return plain.subarray(0, keep);
  }

  #sealedLength(index: number): number {
    return chunkPlainLength(this.layout, index) + AEAD_TAG_LENGTH;
  }

  #check(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof ProtocolError) this.#failure = e;
      throw e;
    }
  }
}
