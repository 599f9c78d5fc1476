/**
 * A device list we must still follow (spec/client.md §10.2): an announcement
 * whose list is ahead of the one we know (FUTURE_EPOCH), kept under
 * `follows/<account key hex>` from the envelope's batch until the relay's
 * directory answered, so a fetch cut off by a lost connection, a restart or
 * the client's close is redone after the next authentication. Stored as
 * `[1, "follow", { s: bin(32) the announcing device, l: bin signed list, mb?: bin, tok?: bin }]`.
 */
import { MAX_DEVICE_LIST_SIZE } from '../../constants.js';
import { ED25519_PUBLIC_KEY_LENGTH, type Bytes } from '../../crypto/index.js';
import { readBytes, readMap, readOptional } from '../codec.js';
import { decodeState, encodeState } from '../state-envelope.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';

/** The key prefix of pending follows in the `account` namespace (followed by the account key in hex). */
export const FOLLOW_PREFIX = 'follow/';

export interface PendingFollow {
  readonly sender: Bytes;
  readonly list: Bytes;
  readonly address?: { readonly mailbox: Bytes; readonly token: Bytes };
}

const WHAT = 'pending follow';

export function encodePendingFollow(f: PendingFollow): Bytes {
  return encodeState('follow', { s: f.sender, l: f.list, ...(f.address !== undefined && { mb: f.address.mailbox, tok: f.address.token }) });
}

export function decodePendingFollow(bytes: Bytes): PendingFollow {
  const m = readMap(decodeState(bytes, 'follow', 2 * MAX_DEVICE_LIST_SIZE, WHAT), WHAT, ['s', 'l'], ['mb', 'tok']);
  const mailbox = readOptional(m, 'mb', () => readBytes(m, WHAT, 'mb', MAILBOX_RANGE));
  const token = readOptional(m, 'tok', () => readBytes(m, WHAT, 'tok', TOKEN_RANGE));
  return {
    sender: readBytes(m, WHAT, 's', ED25519_PUBLIC_KEY_LENGTH), list: readBytes(m, WHAT, 'l', { min: 1, max: MAX_DEVICE_LIST_SIZE }),
    ...(mailbox !== undefined && token !== undefined && { address: { mailbox, token } }),
  };
}
