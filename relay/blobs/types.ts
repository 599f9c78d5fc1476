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

/** The request that completes an upload, staged: its bytes and complete metadata durable, not yet under final names. */
export interface StagedBlob {
  /** The upload's length once its bytes were made durable. */
  readonly length: number;
  /** Puts the complete blob and its metadata under their final names, atomically and durably. */
  publish(): Promise<void>;
}

/** Appends one request's body to a pending upload; ends with close() or, when it completes the upload, stage(). */
export interface BlobAppender {
  write(data: Uint8Array): Promise<void>;
  /**
   * Makes what was written durable, and with it the upload (a grant is kept only in memory until its
   * first close()), and returns the durable length of the upload.
   */
  close(): Promise<number>;
  /**
   * For the request that completes the upload: makes the bytes durable and stages `done` (the complete
   * metadata) beside them, in parallel; nothing takes a final name before publish(), which the caller
   * calls only once the digest checked. An upload given up instead is removed with delete().
   */
  stage(done: BlobMeta): Promise<StagedBlob>;
}

export interface BlobStore {
  /** Every blob's metadata (read at start); leftovers no metadata names are removed. */
  list(): Promise<BlobMeta[]>;
  /**
   * Records a pending upload with no bytes yet. Need not be durable: a relay that restarts before the
   * upload's first close() or publish() has forgotten the grant (spec/relay.md §12.4).
   */
  create(meta: BlobMeta): Promise<void>;
  /** Durable bytes of a pending upload. */
  received(id: string): Promise<number>;
  appender(id: string): Promise<BlobAppender>;
  /** The bytes of a pending upload, in order (to check its digest). */
  readPending(id: string): AsyncIterable<Uint8Array>;
  /** Bytes [start, end) of a complete blob. */
  read(id: string, start: number, end: number): AsyncIterable<Uint8Array>;
  /** Removes a blob, pending or complete, and its metadata. Idempotent. */
  delete(id: string): Promise<void>;
}
