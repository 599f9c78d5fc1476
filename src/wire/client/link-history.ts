/**
 * The history section of the provisioning payload (spec/client.md §10.4; the
 * `h` of protocol.md §12.4.6), sent only when the user asks for it: the
 * primary's stored 1:1 messages, each named by the contact's account key
 * (contact ids are local to a device) and by the device key that keys it in
 * the store (client.md §5.1), oldest first.
 *
 *   history = { v: 1, m: [[a: bin(32) contact account key, s: bin(32) sender device key, c: bin content, t: uint at, o: bool ours], …] }
 */
import { CONTENT_VERSION, LINK_MAX_HISTORY_SIZE, MAX_CONTENT_SIZE } from '../../constants.js';
import { ED25519_PUBLIC_KEY_LENGTH, type Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { checkBytes, checkUint, decodeMsgpack, encodeMsgpack, readArray, readMap, readVersion } from '../codec.js';

export interface HistoryEntry {
  /** The contact's account key. */
  readonly contact: Bytes;
  /** The device key the message is stored under (the sending device, or our account for what we sent). */
  readonly sender: Bytes;
  /** The encoded content. */
  readonly content: Bytes;
  readonly at: number;
  /** Sent by our account (a sync), not received. */
  readonly outgoing: boolean;
}

const WHAT = 'link history';
/** Most entries a history can hold: each takes at least ~75 bytes (two keys, one content byte, the array). */
const MAX_ENTRIES = Math.floor(LINK_MAX_HISTORY_SIZE / 72);

export function encodeLinkHistory(entries: readonly HistoryEntry[]): Bytes {
  return encodeMsgpack({ v: CONTENT_VERSION, m: entries.map((e) => [e.contact, e.sender, e.content, e.at, e.outgoing]) });
}

function readEntry(value: unknown): HistoryEntry {
  if (!Array.isArray(value) || value.length !== 5) fail('MALFORMED', `${WHAT}: an entry is not a 5-tuple`, { what: WHAT, field: 'm' });
  const [contact, sender, content, at, outgoing] = value as unknown[];
  if (typeof outgoing !== 'boolean') fail('MALFORMED', `${WHAT}: o is not a boolean`, { what: WHAT, field: 'm' });
  return {
    contact: checkBytes(contact, WHAT, 'a', ED25519_PUBLIC_KEY_LENGTH), sender: checkBytes(sender, WHAT, 's', ED25519_PUBLIC_KEY_LENGTH),
    content: checkBytes(content, WHAT, 'c', { min: 1, max: MAX_CONTENT_SIZE }), at: checkUint(at, WHAT, 't'), outgoing,
  };
}

export function decodeLinkHistory(bytes: Bytes): HistoryEntry[] {
  const m = readMap(decodeMsgpack(bytes, LINK_MAX_HISTORY_SIZE, WHAT), WHAT, ['v', 'm']);
  readVersion(m, WHAT, [CONTENT_VERSION]);
  return readArray(m, WHAT, 'm', MAX_ENTRIES).map(readEntry);
}
