/**
 * An inbound group message envelope (spec/client.md §6.2, protocol.md §8.5),
 * inside the lane: decrypt with the sender's chain, compare its epoch with
 * ours (§6.5), stage the group, deliver the content (not from a blocked
 * contact). Rule refusals are reported apart from tampering.
 */
import { toHex, type Bytes } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import { groupDecrypt, type EpochAgreement } from '../../group/index.js';
import { decodeContent } from '../../wire/client/content.js';
import { decodeGroupMessage } from '../../wire/index.js';
import type { ClientContext } from '../context.js';
import { deliverContent } from '../inbound/deliver.js';
import type { InboundEffects } from '../inbound/effects.js';
import { peerIn } from './reach.js';
import { peerOf } from './roster.js';
import type { Group } from './book.js';
import { stageGroup } from './state.js';
import { adminsOf, askForChanges, sendChangesTo, withSeen } from './sync.js';
import { isReaderIn } from './channel.js';
import { isExcluded } from './exclusion.js';
import { accountKey, isSibling } from '../devices/index.js';
import { SIBLING_PEER_ID } from '../devices/addresses.js';
import { put } from '../../store/index.js';
import { isEphemeral, type Content } from '../../wire/client/content.js';
import { encodeStoredMessage } from '../../wire/client/records.js';

/**
 * A message written in another state than ours is flagged (client.md §6.5): if the sender is ahead we record the
 * later epoch (we refuse to post until we caught up) and ask it and the admins for the changes; if it is behind
 * we send it the changes it missed.
 */
function onAgreement(ctx: ClientContext, id: string, g: Group, sender: Bytes, epoch: number, agreement: EpochAgreement, fx: InboundEffects): Group {
  // A channel reader holds a view (the admins and itself, §6.6): it never agrees with the admins' full state.
  if (agreement === 'current' || isReaderIn(g, ctx.identity.publicKey)) return g;
  fx.events.push(['group-mismatch', { group: id, from: toHex(sender), epoch, ours: g.session.group.epoch, agreement }]);
  if (agreement === 'ahead') fx.followUps.push(() => sendChangesTo(ctx, id, sender, epoch));
  if (agreement !== 'behind') return g;
  fx.followUps.push(() => askForChanges(ctx, id, [sender, ...adminsOf(ctx, g)]));
  return { ...g, record: withSeen(g, epoch, ctx.now()) };
}

/** Group-rule refusals (not authentication failures): reported as group-message-refused, never as tampered. */
const GROUP_RULE_REFUSALS: ReadonlySet<string> = new Set(['NOT_A_MEMBER', 'NOT_AUTHORIZED', 'UNKNOWN_SENDER_KEY']);

export async function onGroupMessage(ctx: ClientContext, data: Bytes, digest: string, fx: InboundEffects): Promise<void> {
  let gid: string | undefined;
  try {
    gid = toHex(decodeGroupMessage(data).groupId);
    const g = ctx.groups.find(gid);
    if (g === undefined) return;
    const { session, sender, plaintext, epoch, agreement } = groupDecrypt(g.session, data);
    // A device its account revoked is out for us before the admin removes it (client.md §10.6): nothing it posts is shown.
    if (isExcluded(g, sender)) {
      fx.events.push(['group-message-refused', { group: gid, envelope: digest, reason: 'EXCLUDED' }]);
      return;
    }
    const next = onAgreement(ctx, gid, { ...g, session }, sender, epoch, agreement, fx);
    stageGroup(ctx, gid, next, fx);
    if (isSibling(ctx, sender)) return deliverOwnPost(ctx, sender, decodeContent(plaintext), plaintext, gid, fx);
    const contact = ctx.contacts.byIdentityKey(sender);
    if (contact?.blocked === true) return; // blocking silences a contact in shared groups too (its chain still advances)
    const from = contact ?? peerIn(ctx, g, sender) ?? peerOf({ identityKey: sender, mailbox: new Uint8Array(1) });
    await deliverContent(ctx, from, decodeContent(plaintext), plaintext, gid, fx);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    if (e.code === 'DUPLICATE_MESSAGE') return;
    if (gid !== undefined && GROUP_RULE_REFUSALS.has(e.code)) {
      fx.events.push(['group-message-refused', { group: gid, envelope: digest, reason: e.code }]);
      return;
    }
    fx.events.push(['tampered', { envelope: digest, reason: e.code }]);
  }
}

/**
 * A post another device of our own account made (client.md §10.3): shown as our own outgoing message, stored once
 * under our account key (as a `sync` is), never as received. Typing and receipts are the others' business.
 */
async function deliverOwnPost(ctx: ClientContext, sender: Bytes, content: Content, encoded: Bytes, group: string, fx: InboundEffects): Promise<void> {
  if (isEphemeral(content.body)) return;
  const key = `${toHex(accountKey(ctx))}:${toHex(content.id)}`;
  if (await ctx.store.get('messages', key) !== undefined || fx.writes.some((w) => w.namespace === 'messages' && w.key === key)) return;
  fx.writes.push(put('messages', key, encodeStoredMessage({ from: SIBLING_PEER_ID, content: encoded, receivedAt: ctx.now(), group, outgoing: true })));
  fx.events.push(['message', { from: peerOf({ identityKey: sender, mailbox: new Uint8Array(1) }), content, group, outgoing: true }]);
}
