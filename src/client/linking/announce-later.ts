/**
 * Announcing after a link took effect (spec/client.md §10.4): once the new
 * device installed its account, or the primary committed the list naming it,
 * the link is done — confirm() resolves — and the announcements follow in
 * the background. The commit that took the list on owes the announcement to
 * every peer in the account record (devices/owed.ts): a peer the relay took
 * it for, or refused it for good, is owed no more; one a lost connection, a
 * restart or a passing failure cut off is announced to again after the next
 * authentication. A failure other than a lost connection is an `error` event.
 */
import type { ClientContext } from '../context.js';
import { announce } from '../devices/index.js';
import { isClientError } from '../errors.js';

export function announceInBackground(ctx: ClientContext): void {
  void announce(ctx).catch((error: unknown) => {
    if (!isClientError(error, 'CLOSED')) ctx.events.emit('error', { error });
  });
}
