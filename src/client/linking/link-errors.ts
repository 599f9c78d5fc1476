/**
 * How a link ends (spec/client.md §10.4): a step of the channel's state
 * machine that refuses (protocol.md §12.4.7) ends the link as LINK_FAILED
 * with the machine's code as `reason`; so do a cancel (`CANCELLED`) and the
 * link's expiry at the relay (`EXPIRED`), and an abort from the other side
 * (`REJECTED`). Either way the mailbox is ended and
 * nothing of the link is kept: the new device makes a fresh offer.
 */
import { isProtocolError } from '../../errors.js';
import { linkAbortMessage } from '../../linking/index.js';
import { ClientError, isClientError } from '../errors.js';
import type { LinkMailbox, RelayLinkSide } from './mailbox.js';

export const linkCancelled = (): ClientError => new ClientError('LINK_FAILED', 'the link was cancelled', { reason: 'CANCELLED' });
export const linkRejected = (): ClientError => new ClientError('LINK_FAILED', 'the other device rejected or gave up the link', { reason: 'REJECTED' });
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

/**
 * A pending link's two endings: `run` (the user confirmed) at most once, `cancel` at any time; both end the
 * mailbox. A cancel, or a run that fails before the link took effect, first tells the other side with an abort
 * (protocol.md §12.4.7) so it fails at once (LINK_FAILED, REJECTED) instead of waiting for the link to expire;
 * best effort — the relay may refuse it (the side's quota is spent, the link is gone), and then the link's expiry
 * still ends the other side. No abort answers an abort, or a client that is closing.
 */
export function settleOnce(mailbox: LinkMailbox, peer: RelayLinkSide): { run<T>(task: () => Promise<T>): Promise<T>; cancel(): Promise<void> } {
  let started = false;
  const abort = (): Promise<void> => mailbox.send(peer, linkAbortMessage()).catch(() => undefined);
  return {
    run: async (task) => {
      if (started) throw new ClientError('LINK_FAILED', 'this link was already confirmed or cancelled', { reason: 'INVALID_STATE' });
      started = true;
      try {
        return await task();
      } catch (e) {
        if (!isClientError(e, 'CLOSED') && !(isClientError(e, 'LINK_FAILED') && e.details['reason'] === 'REJECTED')) await abort();
        throw e;
      } finally {
        await mailbox.end(linkCancelled());
      }
    },
    cancel: async () => {
      if (!started) await abort();
      started = true;
      await mailbox.end(linkCancelled());
    },
  };
}

