/**
 * What processing one inbound envelope produces (spec/client.md §5.1): the
 * store writes to commit as ONE batch, the cache updates to apply once that
 * batch is durable, the events to emit after it, and the follow-ups (network
 * work: issue a token, heal a session, rotate a group token) to start outside
 * the lane. Every handler on the inbound path only appends here; only
 * receive.ts commits.
 */
import type { StoreWrite } from '../../store/index.js';
import type { ClientEvents } from '../events.js';

export type InboundEvent = { [K in keyof ClientEvents]: [K, ClientEvents[K]] }[keyof ClientEvents];

export interface InboundEffects {
  readonly writes: StoreWrite[];
  readonly apply: (() => void)[];
  readonly events: InboundEvent[];
  readonly followUps: (() => Promise<void>)[];
}

export function noEffects(): InboundEffects {
  return { writes: [], apply: [], events: [], followUps: [] };
}
