/**
 * When a group is ready to send (spec/client.md §6.2): every other member's
 * current group token is known, so a message reaches everyone. The client
 * emits `group-ready { group }` each time a group turns ready — created or
 * joined ready, or the last missing token arrived — and not again while it
 * stays ready, so an app awaits the event instead of polling `group(id).ready`.
 */
import { equalBytes, type Bytes } from '../../crypto/index.js';
import type { ClientContext } from '../context.js';
import type { InboundEvent } from '../inbound/effects.js';
import type { Group } from './book.js';
import { isExcluded } from './exclusion.js';
import { currentToken, rosterEntry } from './roster.js';

export function isGroupReady(self: Bytes, g: Group): boolean {
  return g.session.group.members.every((m) => equalBytes(m.identityKey, self) || isExcluded(g, m.identityKey)
    || currentToken(rosterEntry(g.record.roster, m.identityKey), g.record.rotation) !== undefined);
}

/** Notes group `id`'s readiness after its state changed in the book: true iff it turned ready. */
export function turnedReady(ctx: ClientContext, id: string): boolean {
  return ctx.groups.noteReady(id);
}

/**
 * In a receive batch's cache update (after its commit): queues `group-ready`
 * behind the batch's other events (a `joined` comes first) if group `id`
 * turned ready, and withdraws one queued earlier in the batch if a later
 * change of the same batch made it not ready again.
 */
export function stageReadiness(ctx: ClientContext, id: string, events: InboundEvent[]): void {
  if (turnedReady(ctx, id)) {
    events.push(['group-ready', { group: id }]);
    return;
  }
  const queued = events.findIndex(([name, e]) => name === 'group-ready' && e.group === id);
  if (queued >= 0 && !ctx.groups.isNotedReady(id)) events.splice(queued, 1);
}

/** After our own operation changed group `id` (outside a receive batch): emits `group-ready` if it turned ready. */
export function emitIfTurnedReady(ctx: ClientContext, id: string): void {
  if (turnedReady(ctx, id)) ctx.events.emit('group-ready', { group: id });
}
