/** Stored received messages (spec/client.md §5.1, `messages/<sender hex>:<id hex>`), as the app reads them. */
import { decodeContent, type Content } from '../../wire/client/content.js';
import { decodeStoredMessage } from '../../wire/client/records.js';
import type { ClientContext } from '../context.js';

export interface StoredMessageView {
  readonly from: string;
  readonly group?: string;
  readonly content: Content;
  readonly receivedAt: number;
  /** Sent by another device of our account (client.md §10.3); `from` is then the contact it was sent to. */
  readonly outgoing?: true;
}

/** Oldest first; optionally only from one contact or group. */
export async function storedMessages(ctx: ClientContext, filter: { contact?: string; group?: string }): Promise<StoredMessageView[]> {
  const out: StoredMessageView[] = [];
  // A contact merged into another (client.md §10.1) is shown, and asked for, as the one it became.
  const current = (id: string): string => ctx.contacts.get(id)?.id ?? id;
  const contact = filter.contact === undefined ? undefined : current(filter.contact);
  for (const e of await ctx.store.list('messages')) {
    const m = decodeStoredMessage(e.value);
    const from = current(m.from);
    if (contact !== undefined && from !== contact) continue;
    if (filter.group !== undefined && m.group !== filter.group) continue;
    out.push({ from, content: decodeContent(m.content), receivedAt: m.receivedAt, ...(m.group !== undefined && { group: m.group }), ...(m.outgoing === true && { outgoing: true as const }) });
  }
  return out.sort((a, b) => a.receivedAt - b.receivedAt);
}
