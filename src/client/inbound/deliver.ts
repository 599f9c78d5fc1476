/**
 * Delivering a decrypted content (spec/client.md §2.3, §5.1): typing and
 * receipts become events only; anything else is stored under
 * `messages/<sender hex>:<id hex>` and announced once per (sender, id).
 */
import { toHex, type Bytes } from '../../crypto/index.js';
import { put } from '../../store/index.js';
import { isProtocolError } from '../../errors.js';
import { decodeContent, isEphemeral, type Content } from '../../wire/client/content.js';
import { encodeStoredMessage } from '../../wire/client/records.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import type { InboundEffects } from './effects.js';

export async function deliverContent(
  ctx: ClientContext, from: Peer, content: Content, encoded: Bytes, group: string | undefined, fx: InboundEffects,
): Promise<void> {
  const body = content.body;
  const g = group === undefined ? {} : { group };
  if (body.type === 'typing') {
    fx.events.push(['typing', { from, active: body.active, ...g }]);
    return;
  }
  if (body.type === 'receipt') {
    fx.events.push(['receipt', { from, receipt: body.receipt, ids: body.ids, ...g }]);
    return;
  }
  if (isEphemeral(body)) return;
  const key = `${toHex(from.identityKey)}:${toHex(content.id)}`;
  if (await ctx.store.get('messages', key) !== undefined) return; // already shown
  if (fx.writes.some((w) => w.namespace === 'messages' && w.key === key)) return;
  fx.writes.push(put('messages', key, encodeStoredMessage({ from: from.id, content: encoded, receivedAt: ctx.now(), ...g })));
  fx.events.push(['message', { from, content, ...g }]);
}

/** The Content in a payload, or undefined when it does not decode (bad bytes from an authenticated sender are dropped). */
export function contentOrNothing(encoded: Bytes): Content | undefined {
  try {
    return decodeContent(encoded);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return undefined;
  }
}
