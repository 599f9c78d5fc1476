/**
 * ClientError: misuse of the client API and transport failures (spec/client.md
 * §8). Protocol failures (bad bytes, failed authentication) stay ProtocolError;
 * storage failures are StoreError. Callers branch on `code`.
 */
export type ClientErrorCode =
  | 'CLOSED' // the client was closed
  | 'NOT_CONNECTED' // the operation needs the relay and the connection is down
  | 'TIMEOUT' // the relay did not answer in time
  | 'RELAY_ERROR' // the relay refused a request (details.relayCode names its code)
  | 'UNKNOWN_CONTACT' // no contact with that id
  | 'BLOCKED' // the contact is blocked
  | 'IDENTITY_CHANGED' // a verified contact's identity key changed: approve it before sending
  | 'UNKNOWN_GROUP' // no group with that id
  | 'NOT_ALLOWED' // the operation is not allowed in this state (e.g. not a group admin, posting to a channel as a reader)
  | 'INVALID_ARGUMENT' // an argument of the wrong shape
  | 'NOT_READY' // a group post no member can receive yet (their group tokens have not arrived): nothing was sent
  | 'BEHIND' // a group post while another member showed a later epoch: the missing changes were requested, nothing was sent
  | 'INVITE_INVALID' // the invitation was already used, or its owner revoked it: nothing was recorded
  | 'ABORTED' // a file transfer was cancelled by its AbortSignal
  | 'BLOB_REFUSED' // the relay's blob endpoint refused (details: status, blobCode; relay.md §12.3)
  | 'NOT_PRIMARY' // linking or revoking a device on a linked device: only the primary signs the device list (client.md §10.4)
  | 'DEVICE_LIMIT' // the account already lists MAX_DEVICES_PER_ACCOUNT devices (details: got, max)
  | 'UNKNOWN_DEVICE' // no device with that id on the account (details: id)
  | 'DEVICE_LIST_CONFLICT' // the relay holds a list of our own account that does not follow ours: no list was signed over it (details: reason)
  | 'LINK_FAILED'; // a link ended without an account: the SAS was rejected, a channel message refused, or the link expired (details: reason)

export type ClientErrorDetails = Readonly<Record<string, string | number | boolean>>;

export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;
  readonly details: ClientErrorDetails;

  constructor(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = details;
  }
}

export function isClientError(e: unknown, code?: ClientErrorCode): e is ClientError {
  return e instanceof ClientError && (code === undefined || e.code === code);
}

/**
 * A failure that says nothing about the request itself: the connection went, the relay did not answer in time, or
 * the client closed. Owed work (group steps, announcements, list follows) waits for the next authentication.
 */
export function isInterrupted(e: unknown): boolean {
  return isClientError(e, 'NOT_CONNECTED') || isClientError(e, 'TIMEOUT') || isClientError(e, 'CLOSED');
}
