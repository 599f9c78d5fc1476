/**
 * The provisioning payload (spec/protocol.md §12.4.6): what the existing
 * device sends the new one, encrypted and chunked by src/linking.
 *
 *   payload = { v: 1, a: bin(32) account key, l: bin (signed device list, §12.2), d: uint32 device id,
 *               c: [bin …] contacts, g: [bin …] groups, s: [[str name, bin value] …] settings,
 *               h: bin history (optional) }
 *
 * Contacts, groups, settings and history are opaque to the protocol (the
 * client defines them); the codec bounds each and keeps one canonical order
 * for settings (names strictly ascending). Signatures and keys are checked in
 * src/linking.
 */
import {
  LINK_MAX_CONTACTS, LINK_MAX_ENTRY_SIZE, LINK_MAX_GROUPS, LINK_MAX_HISTORY_SIZE, LINK_MAX_PAYLOAD_SIZE, LINK_MAX_SETTING_NAME_LENGTH,
  LINK_MAX_SETTING_VALUE_SIZE, LINK_MAX_SETTINGS, LINK_VERSION, MAX_DEVICE_LIST_SIZE,
} from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { checkBytes, decodeMsgpack, encodeMsgpack, readArray, readBytes, readMap, readOptional, readUint, readVersion } from './codec.js';

export interface LinkSetting {
  readonly name: string;
  readonly value: Bytes;
}

export interface LinkPayload {
  /** The account's public key; its private key never leaves the primary (§12.1). */
  readonly account: Bytes;
  /** The signed device list (§12.2 bytes) that names the new device: the account's signature on it. */
  readonly deviceList: Bytes;
  /** The id the list gives the new device. */
  readonly deviceId: number;
  readonly contacts: readonly Bytes[];
  readonly groups: readonly Bytes[];
  /** In strictly ascending name order (UTF-16 code units, as JavaScript compares strings). */
  readonly settings: readonly LinkSetting[];
  /** Recent history (its format is the client's), at most LINK_MAX_HISTORY_SIZE bytes; absent when the user declined. */
  readonly history?: Bytes;
}

const WHAT = 'link payload';

export function encodeLinkPayload(p: LinkPayload): Bytes {
  const map: Record<string, unknown> = {
    v: LINK_VERSION, a: p.account, l: p.deviceList, d: p.deviceId, c: p.contacts, g: p.groups,
    s: p.settings.map((e) => [e.name, e.value]),
  };
  if (p.history !== undefined) map['h'] = p.history;
  return encodeMsgpack(map);
}

function readEntries(map: Readonly<Record<string, unknown>>, field: string, max: number): Bytes[] {
  return readArray(map, WHAT, field, max).map((e) => checkBytes(e, WHAT, field, { min: 0, max: LINK_MAX_ENTRY_SIZE }));
}

function readSetting(entry: unknown, previous: string | null): LinkSetting {
  if (!Array.isArray(entry) || entry.length !== 2) fail('MALFORMED', `${WHAT}: a setting is not a pair`, { what: WHAT, field: 's' });
  const [name, value] = entry as [unknown, unknown];
  if (typeof name !== 'string' || name.length === 0 || name.length > LINK_MAX_SETTING_NAME_LENGTH) {
    fail('MALFORMED', `${WHAT}: a setting name is not a string of 1 to ${LINK_MAX_SETTING_NAME_LENGTH}`, { what: WHAT, field: 's' });
  }
  if (previous !== null && name <= previous) fail('MALFORMED', `${WHAT}: setting names not strictly ascending`, { what: WHAT, field: 's' });
  return { name, value: checkBytes(value, WHAT, 's', { min: 0, max: LINK_MAX_SETTING_VALUE_SIZE }) };
}

export function decodeLinkPayload(bytes: Bytes): LinkPayload {
  const map = readMap(decodeMsgpack(bytes, LINK_MAX_PAYLOAD_SIZE, WHAT), WHAT, ['v', 'a', 'l', 'd', 'c', 'g', 's'], ['h']);
  readVersion(map, WHAT, [LINK_VERSION]);
  const settings: LinkSetting[] = [];
  for (const e of readArray(map, WHAT, 's', LINK_MAX_SETTINGS)) settings.push(readSetting(e, settings.at(-1)?.name ?? null));
  const history = readOptional(map, 'h', () => readBytes(map, WHAT, 'h', { min: 0, max: LINK_MAX_HISTORY_SIZE }));
  return {
    account: readBytes(map, WHAT, 'a', 32),
    deviceList: readBytes(map, WHAT, 'l', { min: 1, max: MAX_DEVICE_LIST_SIZE }),
    deviceId: readUint(map, WHAT, 'd', 0xffffffff),
    contacts: readEntries(map, 'c', LINK_MAX_CONTACTS),
    groups: readEntries(map, 'g', LINK_MAX_GROUPS),
    settings,
    ...(history === undefined ? {} : { history }),
  };
}
