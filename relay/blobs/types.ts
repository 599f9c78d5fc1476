/**
 * The blob store behind the relay's file endpoints (spec/relay.md §12):
 * opaque ciphertext blobs, written once by one uploader (resumably), then
 * read by anyone holding the id until they expire. The metadata index is
 * kept in memory by BlobService; a store only persists bytes and metadata.
 */

export interface BlobMeta {
  /** Hex of the 16-byte blob id. */
  readonly id: string;
  /** Hex of the uploader's mailbox: the quota it counts against. */
  readonly owner: string;
  /** Blob bytes the grant was for: the upload must be exactly this long. */
  readonly size: number;
  /** Hex SHA-256 of the upload grant (the grant itself is never stored). */
  readonly grantHash: string;
  /** Pending: when the unfinished upload is deleted (ms). Complete: when the blob is. */
  readonly expiresAt: number;
  readonly complete: boolean;
}

/** Appends to a pending upload. */
export interface BlobAppender {
  write(data: Uint8Array): Promise<void>;
  /** Makes what was written durable and returns the durable length of the upload. */
  close(): Promise<number>;
}

export interface BlobStore {
  /** Every blob's metadata (read at start). */
  list(): Promise<BlobMeta[]>;
  /** Records a pending upload with no bytes yet. */
  create(meta: BlobMeta): Promise<void>;
  /** Durable bytes of a pending upload. */
  received(id: string): Promise<number>;
  appender(id: string): Promise<BlobAppender>;
  /** The bytes of a pending upload, in order (to check its digest). */
  readPending(id: string): AsyncIterable<Uint8Array>;
  /** Publishes a fully received upload under its final name, atomically, with new metadata. */
  commit(meta: BlobMeta): Promise<void>;
  /** Bytes [start, end) of a complete blob. */
  read(id: string, start: number, end: number): AsyncIterable<Uint8Array>;
  /** Removes a blob, pending or complete, and its metadata. Idempotent. */
  delete(id: string): Promise<void>;
}
