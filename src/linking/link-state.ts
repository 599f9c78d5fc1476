/**
 * What both ends of a link share (spec/protocol.md §12.4.7): the SAS
 * confirmation step and the checks that keep every call in the channel's
 * order. A failed call throws and leaves the caller's state as it was.
 */
import { redact } from '../crypto/index.js';
import { fail } from '../errors.js';
import type { ChannelKeys } from './channel-keys.js';

export interface LinkSide {
  /** Null until the hello is sent or received. */
  readonly keys: ChannelKeys | null;
  /** Set by the user's confirmation that both screens show the same SAS; nothing secret moves before it. */
  readonly confirmed: boolean;
}

/**
 * Both ends' states hold secrets (an ephemeral private key, the channel keys)
 * and print as their label only (house guide §State); every step marks the
 * state it returns. Only the new device's state holds its ephemeral key.
 */
export function markLink<T extends LinkSide>(link: T): T {
  return redact(link, 'ephemeralPrivateKey' in link ? 'NewDeviceLink' : 'ExistingDeviceLink');
}

/** The user saw the same digits on both screens. A mismatch ends the link: the caller discards the state. */
export function confirmLinkSas<T extends LinkSide>(link: T): T {
  if (link.keys === null) fail('INVALID_STATE', 'no SAS before the hello');
  return markLink({ ...link, confirmed: true });
}

export function requireConfirmed(link: LinkSide, step: string): void {
  if (link.keys === null || !link.confirmed) fail('INVALID_STATE', `${step} before the user confirmed the SAS`);
}
