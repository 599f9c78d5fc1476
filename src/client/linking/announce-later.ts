/**
 * Announcing after a link took effect (spec/client.md §10.4): once the new
 * device installed its account, or the primary committed the list naming it,
 * the link is done — confirm() resolves — and the announcements follow in
 * the background. A failure (the relay down, a token it refused) is an `error`
 * event and the announcement is tried again after a backoff, on the next
 * connection (announce waits for one); it is idempotent, so a repeat changes
 * nothing at a peer that already has it. A peer's own refusal is reported by
 * announce itself and not repeated here.
 */
import type { ClientContext } from '../context.js';
import { announce } from '../devices/index.js';
import { isClientError } from '../errors.js';

/** Tries at these delays after a failure (ms), then leaves it to the next list change or restart. */
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000];

export function announceInBackground(ctx: ClientContext): void {
  void announceWithRetries(ctx);
}

async function announceWithRetries(ctx: ClientContext): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await announce(ctx);
      return;
    } catch (error) {
      if (isClientError(error, 'CLOSED')) return;
      ctx.events.emit('error', { error });
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) return;
      await sleep(delay);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    (timer as { unref?: () => void }).unref?.(); // a pending retry must not keep a Node process alive
  });
}
