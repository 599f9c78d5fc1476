/** Every bound and label of the file format (spec/protocol.md §11.7), in one place. */
export {
  FILE_DIGEST_LENGTH, FILE_KEY_LENGTH, FILE_MAX_CHUNK_SIZE, FILE_MAX_PREVIEW_SIZE, FILE_MAX_SIZE, FILE_MIN_CHUNK_SIZE,
} from '../wire/file-bounds.js';

/** Plaintext bytes per chunk that senders use (§11.2); the pointer carries the size actually used. */
export const FILE_CHUNK_SIZE = 64 * 1024;
/** Every padded file is at least this long, so all small files share one size class (§11.3). */
export const FILE_MIN_PADDED_SIZE = 256;
/** AEAD associated data of every chunk (§11.2). */
export const FILE_CHUNK_LABEL = 'Parley_File_Chunk_v1';
