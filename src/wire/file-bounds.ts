/**
 * The bounds of a file pointer (spec/protocol.md §11.5), here in src/wire
 * because the pointer travels in content (wire/client/content.ts) and
 * src/file builds on them.
 */

/** Smallest and largest chunk size a receiver accepts. */
export const FILE_MIN_CHUNK_SIZE = 1024;
export const FILE_MAX_CHUNK_SIZE = 1024 * 1024;
/** Largest plaintext size a pointer may state: 1 TiB. */
export const FILE_MAX_SIZE = 2 ** 40;
/** Length of the per-file key (§11.1). */
export const FILE_KEY_LENGTH = 32;
/** Length of the ciphertext digest, SHA-256 (§11.4). */
export const FILE_DIGEST_LENGTH = 32;
/** Largest inline preview (thumbnail, waveform) a pointer carries. */
export const FILE_MAX_PREVIEW_SIZE = 32 * 1024;
