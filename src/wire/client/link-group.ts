/**
 * A group entry of the provisioning payload (spec/client.md §10.4; the `g`
 * items of protocol.md §12.4.6): informational only — the new device learns
 * which groups its account is in and shows them; it becomes a member through
 * the groups' own admins (client.md §10.6), never through this entry.
 *
 *   entry = { i: bin(16) group id, n: str name, c: bool channel, a: bool we administer it }
 */
import { GROUP_ID_LENGTH, LINK_MAX_ENTRY_SIZE, MAX_DISPLAY_NAME_LENGTH } from '../../constants.js';
import type { Bytes } from '../../crypto/index.js';
import { decodeMsgpack, encodeMsgpack, readBoolean, readBytes, readMap, readString } from '../codec.js';

export interface LinkGroupEntry {
  readonly id: Bytes;
  readonly name: string;
  readonly channel: boolean;
  readonly admin: boolean;
}

const WHAT = 'link group entry';

export function encodeLinkGroupEntry(e: LinkGroupEntry): Bytes {
  return encodeMsgpack({ i: e.id, n: e.name, c: e.channel, a: e.admin });
}

export function decodeLinkGroupEntry(bytes: Bytes): LinkGroupEntry {
  const m = readMap(decodeMsgpack(bytes, LINK_MAX_ENTRY_SIZE, WHAT), WHAT, ['i', 'n', 'c', 'a']);
  return {
    id: readBytes(m, WHAT, 'i', GROUP_ID_LENGTH), name: readString(m, WHAT, 'n', MAX_DISPLAY_NAME_LENGTH),
    channel: readBoolean(m, WHAT, 'c'), admin: readBoolean(m, WHAT, 'a'),
  };
}
