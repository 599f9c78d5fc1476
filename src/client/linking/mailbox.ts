/**
 * One end of a link's relay mailboxes (spec/relay.md §14) as the linking
 * flows use them: send towards the other side, and take the messages towards
 * ours one at a time, in the order the relay stored them. A message arriving
 * before anyone asks for it waits in a queue (at most the link's quota: the
 * relay caps what it stores per side).
 */
import type { Bytes } from '../../crypto/index.js';
import { RELAY_LINK_TTL_SECONDS, type RelayLinkSide } from '../../wire/relay-link-frames.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import { isLinkAbort } from '../../linking/index.js';
import { linkExpired, linkRejected } from './link-errors.js';

export type { RelayLinkSide };

export interface LinkMailbox {
  send(to: RelayLinkSide, data: Bytes): Promise<void>;
  /** The next message towards our side; rejects with `reason` once the mailbox is ended. */
  next(): Promise<Bytes>;
  /** Stops listening (and, for the side that opened it, deletes the link at the relay). Idempotent. */
  end(reason: ClientError): Promise<void>;
}

/** A queue of arrived messages and of callers waiting for one. */
export class LinkInbox {
  readonly #queued: Bytes[] = [];
  readonly #waiting: { resolve: (b: Bytes) => void; reject: (e: unknown) => void }[] = [];
  #ended: ClientError | undefined;

  push(data: Bytes): void {
    if (this.#ended !== undefined) return;
    const w = this.#waiting.shift();
    if (w === undefined) this.#queued.push(data);
    else w.resolve(data);
  }

  next(): Promise<Bytes> {
    const queued = this.#queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  end(reason: ClientError): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.#queued.length = 0;
    for (const w of this.#waiting.splice(0)) w.reject(reason);
  }
}

/**
 * Listens on `side` of `link` (N: after opening the pair; E: the pair N opened).
 * Messages wait at most until the link expires at the relay: then `next` fails LINK_FAILED (EXPIRED).
 */
export async function openLinkMailbox(ctx: ClientContext, link: Bytes, side: RelayLinkSide, opener: boolean): Promise<LinkMailbox> {
  const relay = linkRelay(ctx);
  await relay.whenConnected();
  const inbox = new LinkInbox();
  if (opener) await relay.linkOpen(link);
  // An abort from the other side (protocol.md §12.4.7) ends the link at once: whatever waits fails REJECTED.
  let mailbox: LinkMailbox | undefined;
  const listening = await relay.linkListen(link, side, (data) => {
    if (!isLinkAbort(data)) inbox.push(data);
    else if (mailbox === undefined) inbox.end(linkRejected()); // before the listen answered: the owner's end follows
    else void mailbox.end(linkRejected());
  });
  const timer = setTimeout(() => inbox.end(linkExpired()), untilExpiry(listening.expires, ctx.now()));
  (timer as { unref?: () => void }).unref?.(); // an abandoned link must not keep a Node process alive for its TTL
  let ended = false;
  const self: LinkMailbox = {
    send: async (to, data) => { await relay.linkSend(link, to, data); },
    next: () => inbox.next(),
    end: async (reason) => {
      if (ended) return;
      ended = true;
      open.get(ctx)?.delete(self);
      clearTimeout(timer);
      inbox.end(reason);
      listening.stop();
      if (opener) await relay.linkClose(link).catch(() => undefined); // best effort: the relay deletes it at expiry anyway
    },
  };
  const set = open.get(ctx) ?? new Set<LinkMailbox>();
  open.set(ctx, set);
  set.add(self);
  mailbox = self;
  return self;
}

/** The links of each client not ended yet: closing the client ends them. */
const open = new WeakMap<ClientContext, Set<LinkMailbox>>();

/** The client is closing: every link in progress ends (its pending calls reject CLOSED). */
export async function endLinks(ctx: ClientContext): Promise<void> {
  const closed = new ClientError('CLOSED', 'the client was closed');
  await Promise.all([...(open.get(ctx) ?? [])].map((m) => m.end(closed)));
}

/**
 * How long to wait for the link's messages: until the relay's expiry by our clock, or — when our clock
 * disagrees with the relay's so much that this is not within one lifetime — one whole lifetime.
 */
function untilExpiry(expires: number, now: number): number {
  const left = expires - now;
  const ttl = RELAY_LINK_TTL_SECONDS * 1000;
  return left > 0 && left <= ttl ? left : ttl;
}

/** The relay's link calls (relay.md §14), or NOT_ALLOWED on a transport without them. */
function linkRelay(ctx: ClientContext): Required<Pick<ClientContext['relay'], 'whenConnected' | 'linkOpen' | 'linkSend' | 'linkListen' | 'linkClose'>> {
  const r = ctx.relay;
  if (r.linkOpen === undefined || r.linkSend === undefined || r.linkListen === undefined || r.linkClose === undefined) {
    throw new ClientError('NOT_ALLOWED', 'this relay transport cannot carry a link');
  }
  return r as Required<Pick<ClientContext['relay'], 'whenConnected' | 'linkOpen' | 'linkSend' | 'linkListen' | 'linkClose'>>;
}
