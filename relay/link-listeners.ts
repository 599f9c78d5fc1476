/**
 * Delivery of the linking mailboxes (spec/relay.md §14.3): the connections
 * listening on a side of a link, and for each a pump that pushes that side's
 * stored messages as `link_deliver` frames in seq order.
 *
 * A listener keeps a cursor (the last seq pushed) and reads the store past it
 * whenever it is woken: by a message stored through this node, by another
 * node's notification (store.watch), or by its socket draining below the
 * high-water mark. There are no acks: messages stay stored until the link
 * expires or its owner closes it, and a client that reconnects listens again
 * with `after` = the last seq it handled. The link's state machines drop a
 * message they already have (protocol.md §12.4.7), so a repeat is harmless.
 */
import { toHex, type Bytes } from '../src/crypto/index.js';
import type { RelayLinkDeliver, RelayLinkSide } from '../src/wire/index.js';
import type { RelayStore } from './store/types.js';

/** The part of a connection a link listener pushes to. */
export interface LinkPushTarget {
  /** True while the connection is closed or its send buffer is above the high-water mark. */
  readonly linkBlocked: boolean;
  /** True once the connection is closed (remove() has run or is about to). */
  readonly linkClosed: boolean;
  pushLink(frame: RelayLinkDeliver): void;
}

/**
 * Messages read per store round trip: 4 × LINK_MAX_CHUNK_MESSAGE_SIZE is 768 KiB, under the default
 * high-water mark, so one page never queues much more on a socket than backpressure allows.
 */
const PAGE = 4;

class LinkListener {
  pumping = false;
  again = false;
  /** Replaced by a newer listen of the same side, or its connection closed. */
  stopped = false;

  constructor(readonly link: Bytes, readonly side: RelayLinkSide, readonly target: LinkPushTarget, public cursor: number) {}
}

export class LinkListeners {
  /** By hex link id: every listener of either side (a wake-up names the link, not the side). */
  private readonly byLink = new Map<string, Set<LinkListener>>();
  /** By connection: its listeners by hex link id + side. */
  private readonly byTarget = new Map<LinkPushTarget, Map<string, LinkListener>>();

  constructor(private readonly store: RelayStore, private readonly now: () => number, private readonly onError: (e: unknown) => void) {}

  /** How many sides `target` listens on, besides `side` of `link` (which a new listen would replace). */
  countOthers(target: LinkPushTarget, link: Bytes, side: RelayLinkSide): number {
    const own = this.byTarget.get(target);
    if (own === undefined) return 0;
    return own.size - (own.has(toHex(link) + side) ? 1 : 0);
  }

  /**
   * `target` listens on `side` of `link` from seq `after` on (replacing its earlier listen of that side),
   * and is pushed what is stored there at once.
   */
  listen(target: LinkPushTarget, link: Bytes, side: RelayLinkSide, after: number): void {
    if (target.linkClosed) return; // closed while the listen was answered: nothing would remove it
    const key = toHex(link);
    const own = this.byTarget.get(target) ?? new Map<string, LinkListener>();
    this.byTarget.set(target, own);
    const previous = own.get(key + side);
    if (previous !== undefined) {
      previous.stopped = true;
      this.byLink.get(key)?.delete(previous);
    }
    const listener = new LinkListener(link, side, target, after);
    own.set(key + side, listener);
    const set = this.byLink.get(key) ?? new Set<LinkListener>();
    this.byLink.set(key, set);
    set.add(listener);
    this.pump(listener);
  }

  /** Something was stored on `link` (hex): its listeners here read past their cursors. */
  wake(linkHex: string): void {
    for (const l of this.byLink.get(linkHex) ?? []) this.pump(l);
  }

  /** The store may have missed wake-ups (its watch reconnected): every listener reads again. */
  wakeAll(): void {
    for (const set of this.byLink.values()) for (const l of set) this.pump(l);
  }

  /** `target`'s socket drained: its pumps go on. */
  resume(target: LinkPushTarget): void {
    for (const l of this.byTarget.get(target)?.values() ?? []) this.pump(l);
  }

  /** The connection closed: its listeners go. */
  remove(target: LinkPushTarget): void {
    for (const l of this.byTarget.get(target)?.values() ?? []) this.unlink(l);
    this.byTarget.delete(target);
  }

  /**
   * Drops `target`'s listens on links that ended (closed by their owner, or expired: `alive` says false), so
   * they no longer count against RELAY_LINK_MAX_LISTENS — a primary linking device after device on one
   * connection listens on each link's E side in turn.
   */
  async prune(target: LinkPushTarget, alive: (link: Bytes) => Promise<boolean>): Promise<void> {
    for (const [key, l] of [...(this.byTarget.get(target) ?? [])]) {
      if (await alive(l.link)) continue;
      this.unlink(l);
      this.byTarget.get(target)?.delete(key);
    }
  }

  private unlink(l: LinkListener): void {
    l.stopped = true;
    const key = toHex(l.link);
    const set = this.byLink.get(key);
    set?.delete(l);
    if (set?.size === 0) this.byLink.delete(key);
  }

  private pump(l: LinkListener): void {
    if (l.stopped) return;
    if (l.pumping) {
      l.again = true;
      return;
    }
    l.pumping = true;
    this.drain(l).catch(this.onError).finally(() => {
      l.pumping = false;
      if (!l.again) return;
      l.again = false;
      this.pump(l);
    });
  }

  /** Pushes pages past the cursor until the side is read or the socket is blocked (resume() goes on). */
  private async drain(l: LinkListener): Promise<void> {
    while (!l.stopped && !l.target.linkBlocked) {
      const page = await this.store.linkMessages(l.link, l.side, l.cursor, PAGE, this.now());
      for (const m of page) {
        if (l.stopped || l.target.linkBlocked || m.seq !== l.cursor + 1) return;
        l.cursor = m.seq;
        l.target.pushLink({ type: 'link_deliver', link: l.link, side: l.side, seq: m.seq, data: m.data });
      }
      if (page.length < PAGE) return;
    }
  }
}
