/**
 * The linking mailboxes (spec/relay.md §14): for each link id, a mailbox
 * towards N (the new device) and one towards E (the existing device), opened
 * by N, reached by anyone authenticated who knows the link id, deleted with
 * their contents RELAY_LINK_TTL_SECONDS after the open.
 *
 * Who may do what, and why (§14.2): N opens the link, so its identity owns it.
 * Only the owner sends towards E (the proof is N's alone) and listens on N's
 * side; anyone authenticated sends towards N (E has no standing at the relay
 * before the link, and a racing party's hello is N's to refuse: protocol.md §12.4.8)
 * and listens on E's side (what it carries is sealed to E). A request
 * the rules refuse is NO_LINK, as for a link that does not exist: the relay
 * says nothing of a link to someone the rules keep out of it.
 */
import { toHex, type Bytes } from '../src/crypto/index.js';
import {
  RELAY_LINK_MAX_BYTES, RELAY_LINK_MAX_LISTENS, RELAY_LINK_MAX_TO_EXISTING, RELAY_LINK_MAX_TO_NEW, RELAY_LINK_TTL_SECONDS,
  type RelayLinkRequest, type RelayLinkResult,
} from '../src/wire/index.js';
import type { RelayContext } from './context.js';
import { RelayError } from './errors.js';
import type { LinkPushTarget } from './link-listeners.js';
import type { LinkQuota } from './store/types.js';

/**
 * Cost units of a `link_open` (§14.4): it reserves, for RELAY_LINK_TTL_SECONDS, a slot among
 * maxOpenLinks that honest devices need; at 10 units an address's default budget opens at most 200 a
 * second, so the caps, not the budget, are what a flood meets, and it pays for reaching them.
 */
export const LINK_OPEN_COST = 10;

const QUOTA: LinkQuota = { maxToNew: RELAY_LINK_MAX_TO_NEW, maxToExisting: RELAY_LINK_MAX_TO_EXISTING, maxBytes: RELAY_LINK_MAX_BYTES };

/** The authenticated connection a link request came on. */
export interface LinkCaller {
  readonly mailbox: Bytes;
  readonly target: LinkPushTarget;
}

async function open(ctx: RelayContext, caller: LinkCaller, link: Bytes): Promise<RelayLinkResult> {
  const now = ctx.options.now();
  const expires = now + RELAY_LINK_TTL_SECONDS * 1000;
  const { maxOpenLinks, maxOpenLinksPerIdentity } = ctx.options.limits;
  await ctx.store.openLink(link, caller.mailbox, expires, { maxOpen: maxOpenLinks, maxPerOwner: maxOpenLinksPerIdentity }, now);
  return { re: 'link_open', expires };
}

async function send(ctx: RelayContext, caller: LinkCaller, req: Extract<RelayLinkRequest, { type: 'link_send' }>): Promise<RelayLinkResult> {
  const seq = await ctx.store.appendLinkMessage(req.link, req.to, req.data, caller.mailbox, QUOTA, ctx.options.now());
  ctx.links.wake(toHex(req.link));
  return { re: 'link_send', seq };
}

/** What a link request answers, and the pushes that must follow the answer. */
export interface LinkHandled {
  readonly result: RelayLinkResult;
  readonly after?: () => void;
}

async function listen(ctx: RelayContext, caller: LinkCaller, req: Extract<RelayLinkRequest, { type: 'link_listen' }>): Promise<LinkHandled> {
  const info = await ctx.store.linkInfo(req.link, ctx.options.now());
  const own = info !== undefined && toHex(info.owner) === toHex(caller.mailbox);
  if (info === undefined || (req.side === 'n' && !own)) throw new RelayError('NO_LINK', 'no such link');
  if (ctx.links.countOthers(caller.target, req.link, req.side) >= RELAY_LINK_MAX_LISTENS) {
    await ctx.links.prune(caller.target, async (link) => (await ctx.store.linkInfo(link, ctx.options.now())) !== undefined);
  }
  if (ctx.links.countOthers(caller.target, req.link, req.side) >= RELAY_LINK_MAX_LISTENS) throw new RelayError('QUOTA_EXCEEDED', 'too many link listens on this connection');
  return {
    result: { re: 'link_listen', expires: info.expiresAt },
    after: () => ctx.links.listen(caller.target, req.link, req.side, req.after ?? 0),
  };
}

export async function handleLinkRequest(ctx: RelayContext, caller: LinkCaller, req: RelayLinkRequest): Promise<LinkHandled> {
  switch (req.type) {
    case 'link_open': return { result: await open(ctx, caller, req.link) };
    case 'link_send': return { result: await send(ctx, caller, req) };
    case 'link_listen': return listen(ctx, caller, req);
    case 'link_close':
      if (!(await ctx.store.closeLink(req.link, caller.mailbox))) throw new RelayError('NO_LINK', 'no such link');
      return { result: { re: 'link_close' } };
  }
}
