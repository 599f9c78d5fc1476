/**
 * The sends of owed work (client.md §6.3 group steps, §10.3 announcements,
 * §10.5 the notice to a revoked device): which of them ended — delivered, or
 * refused for good — so that the record owes them no more. One cut off by a
 * lost connection, a timeout or the client's close, or refused with a passing
 * relay code, stays owed and is redone after the next authentication.
 */
import type { ClientContext } from '../context.js';
import { isClientError, isInterrupted } from '../errors.js';
import { TRANSIENT } from './outbox.js';

/**
 * A failed send that ended for good: refused with a final relay code, or a client error other than a lost
 * connection (the peer's session or identity is refused). A passing relay code or an unexpected failure (a store
 * write, say) stays owed.
 */
export function isFinal(error: unknown): boolean {
  if (!isClientError(error) || isInterrupted(error)) return false;
  return !isClientError(error, 'RELAY_ERROR') || !TRANSIENT.has(String(error.details['relayCode']));
}

/**
 * The items whose send ended (`results[i]` is `items[i]`'s): delivered or finally refused. Every failure but a
 * lost connection is an `error` event.
 */
export function endedSends<T>(ctx: ClientContext, items: readonly T[], results: readonly PromiseSettledResult<unknown>[]): T[] {
  for (const r of results) if (r.status === 'rejected' && !isInterrupted(r.reason)) ctx.events.emit('error', { error: r.reason });
  return items.filter((_, i) => {
    const r = results[i]!;
    return r.status === 'fulfilled' || isFinal(r.reason);
  });
}
