/**
 * Storing an envelope and pushing it to its connected recipients (spec/relay.md
 * §2.3). A recipient that is caught up gets it while the commit runs — pushed
 * from memory as soon as the store has written it and assigned its eid, so the
 * disk's fsync is not between the sender and the recipient; the sender's `ok`
 * still waits for the commit. Every other connected recipient is offered it
 * once committed, as before: pushed from memory if it is next for that
 * connection, else read from the store.
 *
 * A push ahead is settled by the commit: stored under the pushed eid, or not —
 * the commit failed, or (PostgreSQL, retried after a deadlock) assigned another
 * eid — and then the recipient's connection is closed (1011) and its next
 * connection starts again from what is stored. The sender of a failed commit
 * gets an error and sends the same bytes again; the recipient drops that copy
 * as a replay (client.md §7.1).
 */
import { toHex, type Bytes } from '../src/crypto/index.js';
import type { MailboxSession, RelayContext } from './context.js';
import type { EnqueueResult, Quota, Recipient } from './store/types.js';

interface Pushed {
  readonly session: MailboxSession;
  readonly eid: number;
}

export async function storeAndPush(ctx: RelayContext, data: Bytes, expiresAt: number, recipients: readonly Recipient[], quota: Quota): Promise<EnqueueResult[]> {
  const keys = recipients.map((r) => toHex(r.mailbox));
  let pushed: Array<Pushed | undefined> | undefined;
  const staged = (results: readonly EnqueueResult[]): void => {
    results.forEach((r, i) => {
      if (!r.ok) return;
      const session = ctx.online.get(keys[i] as string);
      if (session?.pushAhead(r.eid, data) === true) (pushed ??= [])[i] = { session, eid: r.eid };
    });
  };
  let results: EnqueueResult[];
  try {
    results = await ctx.store.enqueue(data, expiresAt, recipients, quota, staged);
  } catch (e) {
    pushed?.forEach((p) => p?.session.settleAhead(p.eid, false));
    throw e;
  }
  results.forEach((r, i) => settle(ctx, keys[i] as string, r, pushed?.[i], data));
  return results;
}

/** One recipient's commit: settles its push ahead, and offers the envelope to the connection that did not get it. */
function settle(ctx: RelayContext, key: string, r: EnqueueResult, p: Pushed | undefined, data: Bytes): void {
  const stored = p !== undefined && r.ok && r.eid === p.eid;
  p?.session.settleAhead(p.eid, stored);
  if (!r.ok) return;
  const session = ctx.online.get(key);
  // A connection that replaced the one pushed to meanwhile, or the one whose push did not hold, reads it from the store.
  if (session !== undefined && !(stored && session === p?.session)) session.offer(r.eid, data);
}
