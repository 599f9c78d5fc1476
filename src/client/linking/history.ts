/**
 * Optional history in the provisioning payload (spec/client.md §10.4): off
 * unless the user asks. The primary sends its stored 1:1 messages, newest
 * kept first when they do not all fit LINK_MAX_HISTORY_SIZE; the new device
 * stores those of contacts it has, under the same store keys (so a message
 * that also arrives again later is not shown twice). Group messages stay
 * behind: the new device reads a group from when its admins add it.
 */
import { LINK_MAX_HISTORY_SIZE } from '../../constants.js';
import { fromHex, toHex, type Bytes } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import { put, type StoreWrite } from '../../store/index.js';
import { decodeContent } from '../../wire/client/content.js';
import { decodeLinkHistory, encodeLinkHistory, type HistoryEntry } from '../../wire/client/link-history.js';
import { decodeStoredMessage, encodeStoredMessage } from '../../wire/client/records.js';
import type { ClientContext } from '../context.js';

/** What one entry adds to the encoded history, besides its content: two keys, a time, a flag and the framing. */
const ENTRY_OVERHEAD = 96;

export async function collectHistory(ctx: ClientContext): Promise<Bytes> {
  const entries: HistoryEntry[] = [];
  for (const e of await ctx.store.list('messages')) {
    const m = decodeStoredMessage(e.value);
    const contact = m.group === undefined ? ctx.contacts.get(m.from) : undefined;
    const sender = e.key.split(':')[0] ?? '';
    if (contact === undefined || !/^[0-9a-f]{64}$/.test(sender)) continue;
    entries.push({ contact: contact.identityKey, sender: fromHex(sender), content: m.content, at: m.receivedAt, outgoing: m.outgoing === true });
  }
  entries.sort((a, b) => b.at - a.at);
  let size = 16;
  const kept = entries.filter((e) => (size += e.content.length + ENTRY_OVERHEAD) <= LINK_MAX_HISTORY_SIZE);
  return encodeLinkHistory(kept.reverse());
}

/** The history's entries (MALFORMED etc. for bad bytes: the flow ends the link on it, before installing anything). */
export function readHistory(history: Bytes): HistoryEntry[] {
  return decodeLinkHistory(history);
}

/** The writes that store the history's messages of contacts we have (entries of unknown contacts or bad content are skipped). */
export function historyWrites(ctx: ClientContext, history: readonly HistoryEntry[]): StoreWrite[] {
  const writes: StoreWrite[] = [];
  for (const e of history) {
    const contact = ctx.contacts.byAccountKey(e.contact);
    if (contact === undefined) continue;
    let id: Bytes;
    try {
      id = decodeContent(e.content).id;
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      continue;
    }
    const record = encodeStoredMessage({ from: contact.id, content: e.content, receivedAt: e.at, ...(e.outgoing && { outgoing: true as const }) });
    writes.push(put('messages', `${toHex(e.sender)}:${toHex(id)}`, record));
  }
  return writes;
}
