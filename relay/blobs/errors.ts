/**
 * Failures of the blob endpoints (spec/relay.md §12.3): an HTTP status and a
 * stable code in a small JSON body `{ "code": … }`, which the client maps to
 * its typed errors. `offset` goes out as the `Upload-Offset` header, so a
 * conflicting uploader learns where to resume; `size` as `Content-Range: bytes * /size` on a 416.
 */
export type BlobErrorCode =
  | 'NOT_FOUND' // unknown, expired, or (for a download) not complete
  | 'FORBIDDEN' // missing or wrong upload grant
  | 'OFFSET_MISMATCH' // Upload-Offset is not the bytes the relay holds
  | 'BUSY' // another request is uploading this blob
  | 'ALREADY_COMPLETE'
  | 'LENGTH_REQUIRED' // no Content-Length
  | 'TOO_LARGE' // the body would run past the granted size
  | 'DIGEST_REQUIRED' // the completing request lacks Parley-Digest
  | 'DIGEST_MISMATCH' // the blob does not hash to Parley-Digest: the upload is discarded
  | 'INCOMPLETE' // the body ended before its Content-Length
  | 'BAD_RANGE' // a Range this relay does not serve
  | 'RANGE_NOT_SATISFIABLE' // a Range starting at or past the end
  | 'BAD_REQUEST';

const STATUS: Record<BlobErrorCode, number> = {
  NOT_FOUND: 404, FORBIDDEN: 403, OFFSET_MISMATCH: 409, BUSY: 409, ALREADY_COMPLETE: 409, LENGTH_REQUIRED: 411,
  TOO_LARGE: 413, DIGEST_REQUIRED: 400, DIGEST_MISMATCH: 422, INCOMPLETE: 400, BAD_RANGE: 416,
  RANGE_NOT_SATISFIABLE: 416, BAD_REQUEST: 400,
};

export class BlobHttpError extends Error {
  override readonly name = 'BlobHttpError';
  readonly code: BlobErrorCode;
  readonly status: number;
  readonly offset: number | undefined;
  readonly size: number | undefined;

  constructor(code: BlobErrorCode, extra: { offset?: number; size?: number } = {}) {
    super(code);
    this.code = code;
    this.status = STATUS[code];
    this.offset = extra.offset;
    this.size = extra.size;
  }
}
