/**
 * The context behind each open Client, for helpers that act below the app API
 * (tests and benchmarks: linking a device without the linking channel, a
 * hostile peer). Never exported from the package's entry points.
 */
import type { ClientContext } from './context.js';

const contexts = new WeakMap<object, ClientContext>();

export function registerContext(client: object, ctx: ClientContext): void {
  contexts.set(client, ctx);
}

/** The context of `client` (throws for anything that is not an open Client). */
export function contextOf(client: object): ClientContext {
  const ctx = contexts.get(client);
  if (ctx === undefined) throw new TypeError('not a Client');
  return ctx;
}
