/**
 * Receiving (spec/client.md §5.1, §7): one delivered envelope → unseal →
 * session decrypt → dedupe → ONE atomic store write → caches and events.
 * The caller acknowledges the envelope to the relay after this returns.
 */
import { HEAL_COOLDOWN_MS } from '../constants.js';
import { sha256, toHex, type Bytes } from '../crypto/index.js';
import { isProtocolError, type ProtocolErrorCode } from '../errors.js';
import { unseal } from '../session/sealed-sender.js';
import { put } from '../store/index.js';
import type { Contact } from './contact.js';
import { decodeContent, isEphemeral, type Content } from './content.js';
import { noEffects, onHello, onToken, type ContactEffects } from './contacts.js';
import type { ClientContext } from './context.js';
import { decryptSession, encodePreKeyState } from './core.js';
import { decodePayload, type Payload } from './payload.js';
import { encodeStoredMessage } from './records.js';
import { decodeRelayEnvelope } from './relay-envelope.js';
import { cacheRecord, loadRecord, recordWrite } from './sessions.js';

/** Session failures that mean our state for an authenticated sender is gone (client.md §7). */
const LOST_STATE: ReadonlySet<ProtocolErrorCode> = new Set([
  'NO_SESSION', 'DECRYPT_FAILED', 'TOO_MANY_SKIPPED', 'UNKNOWN_PREKEY', 'PREKEY_CONSUMED',
]);

export interface InboundHooks {
  /** Re-establish the session with `contact` after losing `envelope` (outside the lane). */
  heal(contact: Contact, envelope: Bytes): Promise<void>;
  /** Give a contact that came through a multi-use invitation a token of its own (outside the lane). */
  issueToken(contact: Contact): Promise<void>;
  /** A group control payload from `sender` (a contact, or a fellow group member), inside the lane. */
  groupControl(sender: Bytes, contact: Contact | undefined, bytes: Bytes, fx: ContactEffects): Promise<void>;
  /** A group message envelope, inside the lane. */
  groupMessage(data: Bytes, digest: string, fx: ContactEffects): Promise<void>;
}

/** Processes one envelope; never throws on bad input (it reports and returns). */
export async function receiveEnvelope(ctx: ClientContext, data: Bytes, hooks: InboundHooks, lastHeal: Map<string, number>): Promise<void> {
  const digest = sha256(data);
  const digestHex = toHex(digest);
  const fx = noEffects();
  await ctx.lane.run(async () => {
    let envelope;
    try {
      envelope = decodeRelayEnvelope(data);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      ctx.events.emit('tampered', { envelope: digestHex, reason: e.code });
      return;
    }
    if (envelope.kind === 'group') await hooks.groupMessage(envelope.data, digestHex, fx);
    else await receiveSealed(ctx, envelope.data, digest, hooks, lastHeal, fx);
    if (fx.writes.length > 0) await ctx.store.write(fx.writes);
    for (const apply of fx.apply) apply();
  });
  for (const [name, event] of fx.events) ctx.events.emit(name, event as never);
  for (const followUp of fx.followUps) void followUp().catch((error: unknown) => ctx.events.emit('error', { error }));
}

async function receiveSealed(
  ctx: ClientContext, data: Bytes, digest: Bytes, hooks: InboundHooks, lastHeal: Map<string, number>, fx: ContactEffects,
): Promise<void> {
  const digestHex = toHex(digest);
  let unsealed;
  try {
    unsealed = unseal({ identity: ctx.identity, envelope: data, staticSecrets: ctx.staticSecrets });
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    fx.events.push(['tampered', { envelope: digestHex, reason: e.code }]);
    return;
  }
  const sender = unsealed.senderIdentityKey;
  const contact = ctx.contacts.byIdentityKey(sender);
  if (contact?.blocked === true) return;
  const record = await loadRecord(ctx, sender);
  let result;
  try {
    result = decryptSession({ record, identity: ctx.identity, preKeys: ctx.preKeys, peer: sender, message: unsealed.content, random: ctx.random });
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    if (e.code === 'DUPLICATE_MESSAGE') return; // a redelivery of what we already committed
    if (!LOST_STATE.has(e.code)) {
      fx.events.push(['tampered', { envelope: digestHex, reason: e.code }]);
      return;
    }
    fx.events.push(['message-lost', { ...(contact !== undefined && { contact }), senderIdentityKey: sender, envelope: digestHex, reason: e.code }]);
    const key = toHex(sender);
    if (contact !== undefined && contact.token !== undefined && ctx.now() - (lastHeal.get(key) ?? -Infinity) >= HEAL_COOLDOWN_MS) {
      lastHeal.set(key, ctx.now());
      fx.followUps.push(() => hooks.heal(contact, digest));
    }
    return;
  }
  fx.writes.push(recordWrite(sender, result.record));
  const preKeys = result.preKeys;
  if (preKeys !== ctx.preKeys) fx.writes.push(put('prekeys', 'state', encodePreKeyState(preKeys)));
  fx.apply.push(() => {
    cacheRecord(ctx, sender, result.record);
    ctx.preKeys = preKeys;
  });
  let payload: Payload;
  try {
    payload = decodePayload(result.plaintext);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    fx.events.push(['tampered', { envelope: digestHex, reason: e.code }]);
    return;
  }
  await onPayload(ctx, sender, contact, payload, hooks, fx);
}

async function onPayload(
  ctx: ClientContext, sender: Bytes, contact: Contact | undefined, payload: Payload, hooks: InboundHooks, fx: ContactEffects,
): Promise<void> {
  if (payload.type === 'hello') return onHello(ctx, sender, payload, fx, (c) => hooks.issueToken(c));
  // Group members reach each other through group tokens without being contacts.
  if (payload.type === 'group') return hooks.groupControl(sender, contact, payload.group, fx);
  if (contact === undefined) return; // nothing else may come from someone who is not a contact
  switch (payload.type) {
    case 'token': return onToken(contact, payload, ctx, fx);
    case 'heal': return; // the new session is already installed by the decrypt
    case 'content': {
      let content: Content;
      try {
        content = decodeContent(payload.content);
      } catch (e) {
        if (!isProtocolError(e)) throw e;
        return;
      }
      await deliverContent(ctx, contact, content, payload.content, undefined, fx);
    }
  }
}

/** Stores (unless ephemeral) and announces a content once per (sender, message id). */
export async function deliverContent(
  ctx: ClientContext, contact: Contact, content: Content, encoded: Bytes, group: string | undefined, fx: ContactEffects,
): Promise<void> {
  const body = content.body;
  const g = group === undefined ? {} : { group };
  if (body.type === 'typing') {
    fx.events.push(['typing', { from: contact, active: body.active, ...g }]);
    return;
  }
  if (body.type === 'receipt') {
    fx.events.push(['receipt', { from: contact, receipt: body.receipt, ids: body.ids, ...g }]);
    return;
  }
  if (isEphemeral(body)) return;
  const key = `${toHex(contact.identityKey)}:${toHex(content.id)}`;
  if (await ctx.store.get('messages', key) !== undefined) return; // already shown
  if (fx.writes.some((w) => w.namespace === 'messages' && w.key === key)) return;
  fx.writes.push(put('messages', key, encodeStoredMessage({ from: contact.id, content: encoded, receivedAt: ctx.now(), ...g })));
  fx.events.push(['message', { from: contact, content, ...g }]);
}
