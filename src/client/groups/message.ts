/**
 * An inbound group message envelope (spec/client.md §6.2, protocol.md §8.5),
 * inside the lane: decrypt with the sender's chain, stage the group, deliver
 * the content. Rule refusals are reported apart from tampering.
 */
import { toHex, type Bytes } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import { groupDecrypt } from '../../group/index.js';
import { decodeContent } from '../../wire/client/content.js';
import { decodeGroupMessage } from '../../wire/index.js';
import type { ClientContext } from '../context.js';
import { deliverContent } from '../inbound/deliver.js';
import type { InboundEffects } from '../inbound/effects.js';
import { peerIn } from './reach.js';
import { peerOf } from './roster.js';
import { stageGroup } from './state.js';

/** Group-rule refusals (not authentication failures): reported as group-message-refused, never as tampered. */
const GROUP_RULE_REFUSALS: ReadonlySet<string> = new Set(['NOT_A_MEMBER', 'NOT_AUTHORIZED', 'UNKNOWN_SENDER_KEY']);

export async function onGroupMessage(ctx: ClientContext, data: Bytes, digest: string, fx: InboundEffects): Promise<void> {
  let gid: string | undefined;
  try {
    gid = toHex(decodeGroupMessage(data).groupId);
    const g = ctx.groups.find(gid);
    if (g === undefined) return;
    const { session, sender, plaintext } = groupDecrypt(g.session, data);
    stageGroup(ctx, gid, { ...g, session }, fx);
    const from = ctx.contacts.byIdentityKey(sender) ?? peerIn(ctx, g, sender) ?? peerOf({ identityKey: sender, mailbox: new Uint8Array(1) });
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
