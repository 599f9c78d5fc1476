/**
 * The account record (spec/client.md §10.1): what one device keeps about its
 * own account once the account has linked devices. Stored under
 * `account/state` as `[1, "account", map]`:
 *
 *   { a: bin(32) account key, id: uint32 own device id, p: bool primary, l?: bin signed device list (protocol.md §12.2),
 *     next: uint32 next device id, sib: [{ k: bin(32) device key, mb?: bin mailbox, tok?: bin token, our?: bin token }],
 *     due?: uint announcement owed to every peer (1), owe?: [bin(32) device key owed an announcement],
 *     rv?: [{ k: bin(32), mb: bin, tok: bin }] revoked devices not yet told, with their addresses }
 *
 * `l` is the newest list of the account this device accepted (the primary's
 * own signed list); `next` is the id the primary gives the next device it
 * links (ids are never reused, protocol.md §12.2); `sib` are the account's other devices:
 * how to reach each (`mb`, and `tok`, the token that sibling registered for
 * us) and `our`, the token we registered for it. `due` and `owe` are the
 * announcements (client.md §10.3) still owed: to every peer (`due` = 1), or to
 * the devices listed, from the commit that made them necessary until the
 * relay took or finally refused each. A single-device account has no record at all.
 */
import { MAX_DEVICE_LIST_SIZE, MAX_DEVICES_PER_ACCOUNT, MAX_OWED_ANNOUNCEMENTS } from '../../constants.js';
import { ED25519_PUBLIC_KEY_LENGTH, type Bytes } from '../../crypto/index.js';
import { checkBytes, readArray, readBoolean, readBytes, readMap, readOptional, readUint, type WireMap } from '../codec.js';
import { decodeState, encodeState } from '../state-envelope.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';

export interface SiblingRecord {
  /** The sibling's device key (its identity key at the relay). */
  readonly key: Bytes;
  readonly mailbox?: Bytes;
  /** The delivery token the sibling registered for us. */
  readonly token?: Bytes;
  /** The delivery token we registered for the sibling. */
  readonly ourToken?: Bytes;
}

export interface AccountRecord {
  readonly accountKey: Bytes;
  readonly deviceId: number;
  readonly primary: boolean;
  /** The newest signed device list (protocol.md §12.2 bytes) we accepted for our own account. */
  readonly list?: Bytes;
  /** The id the primary gives the next device it links. */
  readonly nextId: number;
  readonly siblings: readonly SiblingRecord[];
  /** Our announcement is owed to every peer (client.md §10.3): set with a list we take on, cleared once made. */
  readonly owedToAll?: true;
  /** The device keys (contacts' devices, siblings) still owed our announcement. */
  readonly owed?: readonly Bytes[];
  /**
   * Revoked devices not yet told (client.md §10.5), each with the address it had: set in the commit that drops
   * them, cleared once the relay took the new list for it or finally refused it. At most MAX_DEVICES_PER_ACCOUNT.
   */
  readonly untold?: readonly RevokedAddress[];
}

export interface RevokedAddress {
  readonly key: Bytes;
  readonly mailbox: Bytes;
  readonly token: Bytes;
}

const WHAT = 'account';
const KIND = 'account';
const MAX_ID = 0xffffffff;
/** `due` bit: an announcement owed to every peer. */
const DUE_ALL = 1;
/** A list, up to 7 siblings with three tokens/mailboxes each, 96 owed device keys, 8 revoked addresses, and the overhead. */
export const MAX_ACCOUNT_RECORD_SIZE = 16384;

export function encodeAccountRecord(r: AccountRecord): Bytes {
  return encodeState(KIND, {
    a: r.accountKey, id: r.deviceId, p: r.primary, ...(r.list !== undefined && { l: r.list }), next: r.nextId,
    sib: r.siblings.map((s) => ({
      k: s.key, ...(s.mailbox !== undefined && { mb: s.mailbox }), ...(s.token !== undefined && { tok: s.token }),
      ...(s.ourToken !== undefined && { our: s.ourToken }),
    })),
    ...(r.owedToAll === true && { due: DUE_ALL }),
    ...(r.owed !== undefined && r.owed.length > 0 && { owe: r.owed }),
    ...(r.untold !== undefined && r.untold.length > 0 && { rv: r.untold.map((u) => ({ k: u.key, mb: u.mailbox, tok: u.token })) }),
  });
}

function readSibling(value: unknown): SiblingRecord {
  const m: WireMap = readMap(value, `${WHAT} sibling`, ['k'], ['mb', 'tok', 'our']);
  const w = `${WHAT} sibling`;
  const mailbox = readOptional(m, 'mb', () => readBytes(m, w, 'mb', MAILBOX_RANGE));
  const token = readOptional(m, 'tok', () => readBytes(m, w, 'tok', TOKEN_RANGE));
  const ourToken = readOptional(m, 'our', () => readBytes(m, w, 'our', TOKEN_RANGE));
  return {
    key: checkBytes(m['k'], w, 'k', ED25519_PUBLIC_KEY_LENGTH),
    ...(mailbox !== undefined && { mailbox }), ...(token !== undefined && { token }), ...(ourToken !== undefined && { ourToken }),
  };
}

function readRevoked(value: unknown): RevokedAddress {
  const w = `${WHAT} rv`;
  const m: WireMap = readMap(value, w, ['k', 'mb', 'tok']);
  return { key: checkBytes(m['k'], w, 'k', ED25519_PUBLIC_KEY_LENGTH), mailbox: readBytes(m, w, 'mb', MAILBOX_RANGE), token: readBytes(m, w, 'tok', TOKEN_RANGE) };
}

export function decodeAccountRecord(bytes: Bytes): AccountRecord {
  const m: WireMap = readMap(decodeState(bytes, KIND, MAX_ACCOUNT_RECORD_SIZE, WHAT), WHAT, ['a', 'id', 'p', 'next', 'sib'], ['l', 'due', 'owe', 'rv']);
  const list = readOptional(m, 'l', () => readBytes(m, WHAT, 'l', { min: 1, max: MAX_DEVICE_LIST_SIZE }));
  const due = readOptional(m, 'due', () => readUint(m, WHAT, 'due', DUE_ALL)) ?? 0;
  const untold = readOptional(m, 'rv', () => readArray(m, WHAT, 'rv', MAX_DEVICES_PER_ACCOUNT).map(readRevoked));
  const owed = readOptional(m, 'owe', () => readArray(m, WHAT, 'owe', MAX_OWED_ANNOUNCEMENTS).map((k) => checkBytes(k, `${WHAT} owe`, 'k', ED25519_PUBLIC_KEY_LENGTH)));
  return {
    accountKey: readBytes(m, WHAT, 'a', ED25519_PUBLIC_KEY_LENGTH),
    deviceId: readUint(m, WHAT, 'id', MAX_ID),
    primary: readBoolean(m, WHAT, 'p'),
    ...(list !== undefined && { list }),
    nextId: readUint(m, WHAT, 'next', MAX_ID),
    siblings: readArray(m, WHAT, 'sib', MAX_DEVICES_PER_ACCOUNT - 1).map(readSibling),
    ...((due & DUE_ALL) !== 0 && { owedToAll: true as const }),
    ...(owed !== undefined && owed.length > 0 && { owed }),
    ...(untold !== undefined && untold.length > 0 && { untold }),
  };
}
