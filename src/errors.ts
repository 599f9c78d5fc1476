/**
 * The one error type of the protocol core.
 *
 * Every failure of src/ surfaces as a ProtocolError whose `code` is a stable
 * string from the union below; callers branch on `code`, never on `message`.
 * Messages and details never carry key material or plaintext: details hold
 * numbers and names only (`{ got, max }`, `{ field }`).
 *
 * The codes are part of the public API and listed in spec/protocol.md §Errors.
 */
export type ProtocolErrorCode =
  // wire decoding (src/wire)
  | 'MALFORMED' // not msgpack, wrong type, missing or extra field, bad length
  | 'OVERSIZE' // input larger than the bound for its kind
  | 'UNSUPPORTED_VERSION' // a version number this implementation does not speak
  // keys and signatures
  | 'INVALID_KEY' // a public key that is not usable (wrong length, low order, all-zero DH)
  | 'BAD_SIGNATURE' // a signature that does not verify
  // handshake (src/handshake)
  | 'UNKNOWN_PREKEY' // an initial message names a prekey id we do not hold
  | 'PREKEY_CONSUMED' // an initial message names a one-time prekey already used
  // ratchet (src/ratchet)
  | 'DECRYPT_FAILED' // authentication failed: tampered, wrong key, or not for this session
  | 'DUPLICATE_MESSAGE' // a message whose key was already used (replay or duplicate delivery)
  | 'TOO_MANY_SKIPPED' // the message is further ahead than MAX_SKIP allows
  | 'INVALID_STATE' // serialized state that fails validation, or an operation the state does not allow
  // sessions (src/session)
  | 'NO_SESSION' // no session with that peer
  | 'UNTRUSTED_IDENTITY' // the peer's identity key differs from the one on record
  // groups (src/group)
  | 'UNKNOWN_SENDER_KEY' // no sender key for that (group, sender, key id)
  | 'NOT_A_MEMBER' // the sender or target is not a member of the group
  | 'NOT_AUTHORIZED' // the actor lacks the role the operation needs (e.g. a channel reader posting)
  | 'STALE_EPOCH' // a membership change for an epoch older than ours
  | 'EPOCH_FORK' // a membership change conflicting with one already applied at that epoch
  | 'FUTURE_EPOCH' // a membership change more than one epoch ahead: an earlier change is missing
  // files (src/file)
  | 'FILE_TRUNCATED' // the blob ended before its last chunk
  | 'FILE_TRAILING_DATA' // bytes after the blob's last chunk
  | 'FILE_DIGEST_MISMATCH'; // the blob's SHA-256 differs from the pointer's digest

export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ProtocolErrorCode, message: string, details: ErrorDetails = {}) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = details;
  }
}

export function isProtocolError(e: unknown, code?: ProtocolErrorCode): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code);
}

/** Throws a ProtocolError; a helper for expression positions. */
export function fail(code: ProtocolErrorCode, message: string, details?: ErrorDetails): never {
  throw new ProtocolError(code, message, details);
}
