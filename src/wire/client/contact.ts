/**
 * A contact (spec/client.md §4.3): someone we exchanged delivery tokens with.
 * Stored under `contacts/<id>` as `[1, "contact", map]`.
 *
 * `id` is a local, stable name (16 random bytes, hex); the identity key can
 * change (a reinstall re-invited through a token bound to this contact), and
 * `verified`/`changed` record what the user confirmed about it.
 */
import { ED25519_PUBLIC_KEY_LENGTH, type Bytes } from '../../crypto/index.js';
import { checkBytes, readArray, readBoolean, readBytes, readMap, readOptional, readString, readUint, type WireMap } from '../codec.js';
import { decodeState, encodeState } from '../state-envelope.js';
import { MAX_CONTACT_RECORD_SIZE, MAX_DEVICE_LIST_SIZE, MAX_DEVICES_PER_ACCOUNT, MAX_DISPLAY_NAME_LENGTH, MAX_MERGED_CONTACT_IDS } from '../../constants.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';
import type { IdentityKey, MailboxId } from '../brands.js';

export interface Contact {
  readonly id: string;
  readonly identityKey: IdentityKey;
  /** A display name the contact suggested (unauthenticated) or the user set. */
  readonly name?: string;
  readonly relay: string;
  /** The contact's mailbox id at its relay. */
  readonly mailbox: MailboxId;
  /** The delivery token the contact gave us (absent until it has). */
  readonly token?: Bytes;
  /** The delivery token we issued to this contact (revoked on block). */
  readonly ourToken?: Bytes;
  /** The user compared safety numbers and confirmed this identity key. */
  readonly verified: boolean;
  /** The identity key changed since the user verified it; sending needs approveIdentity(). */
  readonly changed: boolean;
  readonly previousIdentityKey?: IdentityKey;
  readonly blocked: boolean;
  readonly createdAt: number;
  /** Linked devices (§10.1): the newest signed device list (protocol.md §12.2) of the contact's account we accepted. */
  readonly deviceList?: Bytes;
  /**
   * Addresses of the contact's listed devices other than the one whose key is the account key (that one uses
   * `mailbox`/`token`): each learned from a `device` payload or a sibling's contact entry.
   */
  readonly devices?: readonly ContactDevice[];
  /**
   * Ids of contacts merged into this one (§10.1: a list proved them devices of this account), which the app may
   * still hold: each resolves to this contact.
   */
  readonly merged?: readonly string[];
}

/** How to reach one linked device of a contact; `mailbox`/`token` absent until it announced itself. */
export interface ContactDevice {
  readonly key: Bytes;
  readonly mailbox?: Bytes;
  readonly token?: Bytes;
}

const WHAT = 'contact';
const KIND = 'contact';
const FIELDS = ['id', 'identityKey', 'relay', 'mailbox', 'verified', 'changed', 'blocked', 'createdAt'];
const OPTIONAL = ['name', 'token', 'ourToken', 'previousIdentityKey'];
const DEVICE_FIELDS = ['deviceList', 'devices', 'merged'];

export function encodeContact(c: Contact): Bytes {
  const map: Record<string, unknown> = {
    id: c.id, identityKey: c.identityKey, relay: c.relay, mailbox: c.mailbox, verified: c.verified, changed: c.changed,
    blocked: c.blocked, createdAt: c.createdAt,
  };
  for (const k of OPTIONAL) {
    const value = (c as unknown as Record<string, unknown>)[k];
    if (value !== undefined) map[k] = value;
  }
  if (c.deviceList !== undefined) map['deviceList'] = c.deviceList;
  if (c.devices !== undefined) {
    map['devices'] = c.devices.map((d) => ({ k: d.key, ...(d.mailbox !== undefined && { mb: d.mailbox }), ...(d.token !== undefined && { tok: d.token }) }));
  }
  if (c.merged !== undefined && c.merged.length > 0) map['merged'] = c.merged;
  return encodeState(KIND, map);
}

export function decodeContact(bytes: Bytes): Contact {
  const m: WireMap = readMap(decodeState(bytes, KIND, MAX_CONTACT_RECORD_SIZE, WHAT), WHAT, FIELDS, [...OPTIONAL, ...DEVICE_FIELDS]);
  const opt = (f: string, len: number | { min: number; max: number }) => readOptional(m, f, () => readBytes(m, WHAT, f, len));
  const name = readOptional(m, 'name', () => readString(m, WHAT, 'name', MAX_DISPLAY_NAME_LENGTH));
  const token = opt('token', TOKEN_RANGE);
  const ourToken = opt('ourToken', TOKEN_RANGE);
  const previousIdentityKey = opt('previousIdentityKey', ED25519_PUBLIC_KEY_LENGTH);
  const deviceList = opt('deviceList', { min: 1, max: MAX_DEVICE_LIST_SIZE });
  const devices = readOptional(m, 'devices', () => readArray(m, WHAT, 'devices', MAX_DEVICES_PER_ACCOUNT).map(readDevice));
  const merged = readOptional(m, 'merged', () => readArray(m, WHAT, 'merged', MAX_MERGED_CONTACT_IDS).map(readMergedId));
  return {
    id: readString(m, WHAT, 'id', 64),
    identityKey: readBytes(m, WHAT, 'identityKey', ED25519_PUBLIC_KEY_LENGTH),
    relay: readString(m, WHAT, 'relay', 512),
    mailbox: readBytes(m, WHAT, 'mailbox', MAILBOX_RANGE),
    verified: readBoolean(m, WHAT, 'verified'),
    changed: readBoolean(m, WHAT, 'changed'),
    blocked: readBoolean(m, WHAT, 'blocked'),
    createdAt: readUint(m, WHAT, 'createdAt'),
    ...(name !== undefined && { name }),
    ...(token !== undefined && { token }),
    ...(ourToken !== undefined && { ourToken }),
    ...(previousIdentityKey !== undefined && { previousIdentityKey }),
    ...(deviceList !== undefined && { deviceList }),
    ...(devices !== undefined && { devices }),
    ...(merged !== undefined && merged.length > 0 && { merged }),
  };
}

function readMergedId(value: unknown): string {
  return readString({ id: value }, `${WHAT} merged`, 'id', 64);
}

function readDevice(value: unknown): ContactDevice {
  const w = `${WHAT} device`;
  const d: WireMap = readMap(value, w, ['k'], ['mb', 'tok']);
  const mailbox = readOptional(d, 'mb', () => readBytes(d, w, 'mb', MAILBOX_RANGE));
  const token = readOptional(d, 'tok', () => readBytes(d, w, 'tok', TOKEN_RANGE));
  return { key: checkBytes(d['k'], w, 'k', ED25519_PUBLIC_KEY_LENGTH), ...(mailbox !== undefined && { mailbox }), ...(token !== undefined && { token }) };
}
