/**
 * A contact entry (spec/client.md §10.2): one contact as a sibling device
 * hands it to another — in a `contact-sync` payload and as a `c` item of the
 * provisioning payload (protocol.md §12.4.6).
 *
 *   { a: bin(32) account key, r: str relay, n?: str name, l?: bin signed device list,
 *     dv: [{ k: bin(32) device key, mb: bin mailbox, tok?: bin token }], v: bool verified, b: bool blocked }
 *
 * The tokens in `dv` are those the contact gave our account: bearer tokens,
 * so every device of ours may use them. Keys in this order; at most
 * LINK_MAX_ENTRY_SIZE bytes.
 */
import { LINK_MAX_ENTRY_SIZE, MAX_DEVICE_LIST_SIZE, MAX_DEVICES_PER_ACCOUNT, MAX_DISPLAY_NAME_LENGTH } from '../../constants.js';
import { ED25519_PUBLIC_KEY_LENGTH, type Bytes } from '../../crypto/index.js';
import { checkBytes, decodeMsgpack, encodeMsgpack, readArray, readBoolean, readBytes, readMap, readOptional, readString, type WireMap } from '../codec.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';

export interface DeviceAddress {
  /** The device key. */
  readonly key: Bytes;
  readonly mailbox: Bytes;
  /** A delivery token for that mailbox (absent until the device gave one). */
  readonly token?: Bytes;
}

export interface ContactEntry {
  readonly accountKey: Bytes;
  readonly relay: string;
  readonly name?: string;
  readonly deviceList?: Bytes;
  readonly devices: readonly DeviceAddress[];
  readonly verified: boolean;
  readonly blocked: boolean;
}

const WHAT = 'contact entry';
const MAX_RELAY_LENGTH = 512;

export function encodeContactEntry(e: ContactEntry): Bytes {
  return encodeMsgpack({
    a: e.accountKey, r: e.relay, ...(e.name !== undefined && { n: e.name }), ...(e.deviceList !== undefined && { l: e.deviceList }),
    dv: e.devices.map((d) => ({ k: d.key, mb: d.mailbox, ...(d.token !== undefined && { tok: d.token }) })),
    v: e.verified, b: e.blocked,
  });
}

function readAddress(value: unknown): DeviceAddress {
  const w = `${WHAT} device`;
  const m: WireMap = readMap(value, w, ['k', 'mb'], ['tok']);
  const token = readOptional(m, 'tok', () => readBytes(m, w, 'tok', TOKEN_RANGE));
  return { key: checkBytes(m['k'], w, 'k', ED25519_PUBLIC_KEY_LENGTH), mailbox: readBytes(m, w, 'mb', MAILBOX_RANGE), ...(token !== undefined && { token }) };
}

export function decodeContactEntry(bytes: Bytes): ContactEntry {
  const m: WireMap = readMap(decodeMsgpack(bytes, LINK_MAX_ENTRY_SIZE, WHAT), WHAT, ['a', 'r', 'dv', 'v', 'b'], ['n', 'l']);
  const name = readOptional(m, 'n', () => readString(m, WHAT, 'n', MAX_DISPLAY_NAME_LENGTH));
  const deviceList = readOptional(m, 'l', () => readBytes(m, WHAT, 'l', { min: 1, max: MAX_DEVICE_LIST_SIZE }));
  return {
    accountKey: readBytes(m, WHAT, 'a', ED25519_PUBLIC_KEY_LENGTH),
    relay: readString(m, WHAT, 'r', MAX_RELAY_LENGTH),
    ...(name !== undefined && { name }),
    ...(deviceList !== undefined && { deviceList }),
    devices: readArray(m, WHAT, 'dv', MAX_DEVICES_PER_ACCOUNT).map(readAddress),
    verified: readBoolean(m, WHAT, 'v'),
    blocked: readBoolean(m, WHAT, 'b'),
  };
}
