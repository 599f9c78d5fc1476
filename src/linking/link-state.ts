/**
 * What both ends of a link share (spec/protocol.md §12.4.7): the SAS
 * confirmation step and the checks that keep every call in the channel's
 * order. A failed call throws and leaves the caller's state as it was.
 */
import { redact, type Bytes } from '../crypto/index.js';
import { fail, isProtocolError } from '../errors.js';
import { decodeLinkMessage, encodeLinkMessage } from '../wire/index.js';
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

/**
 * §12.4.7: either side ends the link, in any state, by sending an abort (its user rejected the SAS or gave up,
 * or its side failed before the link took effect). The abort is not sealed — a side may end a link before a
 * hello gave it keys, and each direction's key seals one fixed series — so anyone who can send on the link
 * could send one: it ends the link and nothing more, which whoever can send there (a racing hello, junk that
 * fills the quota) or the relay (by dropping messages) can already do. Nothing is accepted because of it.
 */
export function linkAbortMessage(): Bytes {
  return encodeLinkMessage({ kind: 4 });
}

/** The channel message is an abort: the receiving side's state ends (LINK_FAILED, REJECTED at the client). */
export function isLinkAbort(message: Bytes): boolean {
  try {
    return decodeLinkMessage(message).kind === 4;
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return false;
  }
}

/** Every receiving step refuses an abort: the state it was given is over (the caller discards it). */
export function refuseAbort(kind: number): void {
  if (kind === 4) fail('INVALID_STATE', 'the other side aborted the link', { got: kind });
}
