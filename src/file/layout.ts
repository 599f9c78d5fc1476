/**
 * Where every byte of a file goes (spec/protocol.md §11.2–§11.3): the padded
 * size class, the number of chunks, the ciphertext length and each chunk's
 * nonce. Pure arithmetic on public values, shared by sender, receiver and
 * anyone computing a Range for resuming.
 */
import { AEAD_TAG_LENGTH, concatBytes, uintToBytes, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { padme } from '../wire/padding.js';
import { FILE_MAX_CHUNK_SIZE, FILE_MAX_SIZE, FILE_MIN_CHUNK_SIZE, FILE_MIN_PADDED_SIZE } from './constants.js';

export interface FileLayout {
  /** Plaintext bytes of the file. */
  readonly size: number;
  readonly chunkSize: number;
  /** Plaintext bytes after padding: the size class (§11.3). */
  readonly paddedSize: number;
  readonly chunkCount: number;
  /** Bytes of the encrypted blob: paddedSize + 16 per chunk. */
  readonly blobSize: number;
}

/** The layout of a file; a size or chunk size out of bounds is MALFORMED. */
export function fileLayout(size: number, chunkSize: number): FileLayout {
  if (!Number.isSafeInteger(size) || size < 0 || size > FILE_MAX_SIZE) fail('MALFORMED', 'file: size out of range', { got: size, max: FILE_MAX_SIZE });
  if (!Number.isSafeInteger(chunkSize) || chunkSize < FILE_MIN_CHUNK_SIZE || chunkSize > FILE_MAX_CHUNK_SIZE) {
    fail('MALFORMED', 'file: chunk size out of range', { got: chunkSize, min: FILE_MIN_CHUNK_SIZE, max: FILE_MAX_CHUNK_SIZE });
  }
  // Padmé (§11.3), the same size classes as message padding (§3.1).
  const paddedSize = padme(Math.max(size, FILE_MIN_PADDED_SIZE));
  const chunkCount = Math.ceil(paddedSize / chunkSize);
  return { size, chunkSize, paddedSize, chunkCount, blobSize: paddedSize + chunkCount * AEAD_TAG_LENGTH };
}

/** Plaintext bytes of chunk i (the last may be shorter). */
export function chunkPlainLength(layout: FileLayout, index: number): number {
  return index < layout.chunkCount - 1 ? layout.chunkSize : layout.paddedSize - index * layout.chunkSize;
}

/** Offset of chunk i in the blob: where a download resumes. */
export function chunkOffset(layout: FileLayout, index: number): number {
  return index * (layout.chunkSize + AEAD_TAG_LENGTH);
}

/** nonce_i = u32(last ? 1 : 0) ‖ u64(i) (§11.2): the counter orders chunks, the flag marks the end. */
export function chunkNonce(index: number, last: boolean): Bytes {
  return concatBytes(uintToBytes(last ? 1 : 0, 4), uintToBytes(index, 8));
}
