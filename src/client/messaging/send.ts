/**
 * The outbound pairwise path (spec/client.md §5.1, §5.5): take a slot of the
 * recipient's mailbox (waiting while the outbox holds as much as it may for
 * it), encrypt on the peer's session, commit {session record, outbox entry}
 * in one batch, then wait until the relay holds the envelope durably. Typing
 * indicators skip the outbox: they are ephemeral (§2.3).
 */
import { toHex, type Bytes } from '../../crypto/index.js';
import { encodeContent, newContent, type Content, type ContentBody } from '../../wire/client/content.js';
import { encodePayload } from '../../wire/client/payload.js';
import type { Contact } from '../../wire/client/contact.js';
import type { Peer } from '../contacts/peer.js';
import type { ClientContext } from '../context.js';
import { seal } from '../../session/sealed-sender.js';
import { encodeRelayEnvelope } from '../../wire/client/relay-envelope.js';
import { cacheRecord, encryptFor, ensureSession, recipientOf, recordWrite } from './sessions.js';
import { contactPeers, siblingPeers } from '../devices/addresses.js';

/**
 * Encrypts, commits {session, outbox entry} atomically, then waits until the relay holds it. `to` names it in the
 * `sent` event; a `quiet` entry emits none (one of several entries of one message, §10.3).
 */
export async function sendPayload(
  ctx: ClientContext, peer: Peer, payload: Bytes, to: string, id: Bytes = ctx.random(16), quiet = false,
): Promise<void> {
  await ensureSession(ctx, peer);
  const recipient = recipientOf(peer);
  const admitted = ctx.outbox.admit(toHex(recipient.mailbox));
  const slot = admitted instanceof Promise ? await admitted : admitted;
  let key: string | undefined;
  try {
    const committing = await ctx.lane.run(async () => {
      const { record, envelope } = await encryptFor(ctx, peer, payload);
      key = ctx.outbox.nextKey();
      // Finished entries' deletions ride along: one commit instead of two (outbox.ts).
      const deletions = ctx.outbox.takeDeletions();
      const written = ctx.store.write([recordWrite(peer.identityKey, record), ctx.outbox.entry(key, { id, to, recipients: [recipient], envelope, fanout: false, ...(quiet && { quiet: true }) }), ...deletions])
        .catch((e: unknown) => {
          ctx.outbox.returnDeletions(deletions);
          throw e;
        });
      // An ordered store (§5.1) is not waited for in the lane: the next send encrypts while this batch commits. The
      // cache moves on now, so no message key is used twice; the envelope leaves only once its batch is durable (below).
      if (ctx.store.ordered !== true) await written;
      else written.catch(() => undefined);
      cacheRecord(ctx, peer.identityKey, record);
      return { key, written };
    });
    key = committing.key;
    await committing.written;
  } catch (e) {
    if (key !== undefined) ctx.outbox.unstage(key);
    slot.release();
    throw e;
  }
  const done = ctx.outbox.waitFor(key, slot);
  ctx.outbox.pump();
  await done;
}

/** A Content for `body`, or `body` itself when it already is one. */
export function contentOf(ctx: ClientContext, body: ContentBody | Content): Content {
  return 'body' in body ? body : newContent(body, ctx.random, ctx.now());
}

/**
 * One envelope per target device (client.md §10.3): every listed device of the contact we can reach, and a
 * `sync` to every sibling we can reach, each its own outbox entry. Resolves once every entry has left the outbox,
 * if at least one of the contact's devices holds it (else rejects with the first refusal), with one `sent` event.
 * A contact with one device and no siblings takes exactly the single-device path.
 */
export async function sendContent(ctx: ClientContext, contact: Contact, content: Content): Promise<void> {
  const encoded = encodeContent(content);
  const payload = encodePayload({ type: 'content', content: encoded });
  const devices = contactPeers(contact);
  const siblings = siblingPeers(ctx);
  // No reachable device: the single-device path's NOT_ALLOWED (recipientOf), nothing sent to siblings either.
  if (devices.length <= 1 && siblings.length === 0) return sendPayload(ctx, devices[0] ?? contact, payload, contact.id, content.id);
  if (devices.length === 0) recipientOf(contact);
  const sync = encodePayload({ type: 'sync', to: contact.identityKey, content: encoded });
  const [toContact, toSiblings] = await Promise.all([
    Promise.allSettled(devices.map((d) => sendPayload(ctx, d, payload, contact.id, content.id, true))),
    Promise.allSettled(siblings.map((s) => sendPayload(ctx, s, sync, contact.id, content.id, true))),
  ]);
  for (const r of toSiblings) if (r.status === 'rejected') ctx.events.emit('error', { error: r.reason });
  if (!toContact.some((r) => r.status === 'fulfilled')) throw (toContact.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
  ctx.events.emit('sent', { id: content.id, to: contact.id });
}

/**
 * Delivered only if the contact is connected, never stored by the relay.
 * Sealed to the contact's identity key without the session (client.md §2.3):
 * it takes no ratchet message number, so dropping it leaves no gap.
 */
export async function sendTyping(ctx: ClientContext, contact: Contact, active: boolean): Promise<void> {
  const payload = encodePayload({ type: 'content', content: encodeContent(newContent({ type: 'typing', active }, ctx.random, ctx.now())) });
  const devices = contactPeers(contact);
  // Every reachable device of the contact (§10.3); none reachable: the single-device path's NOT_ALLOWED.
  for (const peer of devices.length === 0 ? [contact] : devices) {
    const sealed = seal({ identity: ctx.identity, recipientIdentityKey: peer.identityKey, content: payload, random: ctx.random, staticSecrets: ctx.staticSecrets });
    await ctx.relay.sendEphemeral(recipientOf(peer), encodeRelayEnvelope({ kind: 'ephemeral', data: sealed }));
  }
}
