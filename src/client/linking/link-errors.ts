/**
 * How a link ends (spec/client.md §10.4): a step of the channel's state
 * machine that refuses (protocol.md §12.4.7) ends the link as LINK_FAILED
 * with the machine's code as `reason`; so do a cancel (`CANCELLED`) and the
 * link's expiry at the relay (`EXPIRED`). Either way the mailbox is ended and
 * nothing of the link is kept: the new device makes a fresh offer.
 */
import { isProtocolError } from '../../errors.js';
import { ClientError } from '../errors.js';
import type { LinkMailbox } from './mailbox.js';

export const linkCancelled = (): ClientError => new ClientError('LINK_FAILED', 'the link was cancelled', { reason: 'CANCELLED' });
export const linkExpired = (): ClientError => new ClientError('LINK_FAILED', 'the link expired before it completed', { reason: 'EXPIRED' });

/** Runs one step; a ProtocolError becomes LINK_FAILED naming the step and the code. */
export function linkStep<T>(step: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    throw new ClientError('LINK_FAILED', `${step} was refused (${e.code})`, { reason: e.code });
  }
}

/** A pending link's two endings: `run` (the user confirmed) at most once, `cancel` at any time; both end the mailbox. */
export function settleOnce(mailbox: LinkMailbox): { run<T>(task: () => Promise<T>): Promise<T>; cancel(): Promise<void> } {
  let started = false;
  return {
    run: async (task) => {
      if (started) throw new ClientError('LINK_FAILED', 'this link was already confirmed or cancelled', { reason: 'INVALID_STATE' });
      started = true;
      try {
        return await task();
      } finally {
        await mailbox.end(linkCancelled());
      }
    },
    cancel: async () => {
      started = true;
      await mailbox.end(linkCancelled());
    },
  };
}
