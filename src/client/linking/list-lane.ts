/**
 * Changes of our own device list run one at a time (a link and a revocation,
 * or two links): each signs the successor of the list the previous one
 * committed, so two never sign the same version (a fork, protocol.md §12.3).
 * Separate from the client's lane, which a list change must not hold while
 * it waits for the relay.
 */
import type { ClientContext } from '../context.js';
import { SerialLane } from '../serial.js';

const lanes = new WeakMap<ClientContext, SerialLane>();

export function listLane(ctx: ClientContext): SerialLane {
  let lane = lanes.get(ctx);
  if (lane === undefined) {
    lane = new SerialLane();
    lanes.set(ctx, lane);
  }
  return lane;
}
