/**
 * Groups with linked devices (spec/client.md §10.6): the members of the group
 * protocol are device keys, so every device has its own sender key. The
 * devices code calls `onDevicesChanged` after it committed a new device list
 * of an account (a contact's or our own).
 */
import type { Bytes } from '../../crypto/index.js';
import type { ClientContext } from '../context.js';
import type { InboundEffects } from '../inbound/effects.js';

/**
 * A member account's (or our own account's) device list changed: `added` and `removed` are device keys.
 * Never throws: the list is already committed, and group upkeep must not undo it.
 */
export function onDevicesChanged(
  ctx: ClientContext, account: Bytes, added: readonly Bytes[], removed: readonly Bytes[], fx?: InboundEffects,
): void {
  void ctx; void account; void added; void removed; void fx; // D6 lands in the next commits
}
