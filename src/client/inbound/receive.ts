/**
 * Receiving (spec/client.md §5.1, §7): one delivered envelope → unseal →
 * session decrypt → dispatch the payload to its room (contacts, groups,
 * delivery) → ONE atomic store write → caches → events → follow-ups outside
 * the lane. The caller acknowledges the envelope to the relay once its batch
 * is durable (acceptEnvelope's `durable`). docs/architecture.md draws the path.
 */
import { HEAL_COOLDOWN_MS } from '../../constants.js';
import { equalBytes, sha256, toHex, type Bytes } from '../../crypto/index.js';
import { encodePreKeyState } from '../../identity/prekey-state-codec.js';
import { isProtocolError, type ProtocolErrorCode } from '../../errors.js';
import { sessionDecrypt } from '../../session/index.js';
import { unseal } from '../../session/sealed-sender.js';
import { put } from '../../store/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { decodeContent, isEphemeral } from '../../wire/client/content.js';
import { decodePayload, type Payload } from '../../wire/client/payload.js';
import { decodeRelayEnvelope } from '../../wire/client/relay-envelope.js';
import { onHello, onInviteRefused, onToken } from '../contacts/hello.js';
import type { ClientContext } from '../context.js';
import { contactPeers, siblingPeers } from '../devices/addresses.js';
import { loadedFeatures, loadFeatures } from '../features.js';
import { heal } from '../messaging/heal.js';
import { cacheRecord, loadRecord, recordWrite } from '../messaging/sessions.js';
import { contentOrNothing, deliverContent } from './deliver.js';
import { noEffects, type InboundEffects } from './effects.js';
import { isReplay, remember, seenDigests } from './replays.js';

/** Session failures that mean our state for an authenticated sender is gone (client.md §7). */
const LOST_STATE: ReadonlySet<ProtocolErrorCode> = new Set([
  'NO_SESSION', 'DECRYPT_FAILED', 'TOO_MANY_SKIPPED', 'UNKNOWN_PREKEY', 'PREKEY_CONSUMED',
]);

/**
 * Processes one envelope in the lane (bad input is reported, never thrown) and returns once the lane is free,
 * with `durable`: settled once its batch is durable and its events emitted — acknowledge the envelope to the
 * relay only after that. With an ordered store (client.md §5.1) the lane does not wait for the batch, so the
 * next envelope is decrypted while this one commits; otherwise `durable` is settled when this returns.
 */
export async function acceptEnvelope(ctx: ClientContext, data: Bytes): Promise<{ readonly durable: Promise<void> }> {
  const fx = noEffects();
  let written: Promise<void> | undefined;
  await ctx.lane.run(async () => {
    await processEnvelope(ctx, data, fx);
    // Nothing to write (a replay, a tampered envelope) on an ordered store: an empty batch resolves once every
    // batch before it is durable, so a replay of an envelope still committing is not acknowledged before it.
    written = fx.writes.length > 0 || ctx.store.ordered === true ? ctx.store.write(fx.writes) : undefined;
    // Follow-ups (group control, hellos, heals) finish this envelope's work, some at the relay directly: as
    // with an unordered store, their envelope waits here, so they start once it is durable and before any
    // other work sees its state. A plain message on an ordered store does not wait.
    if (ctx.store.ordered !== true || fx.followUps.length > 0) await written;
    else written?.catch(() => undefined);
    for (const apply of fx.apply) apply();
  });
  if (ctx.store.ordered !== true || fx.followUps.length > 0) {
    emit(ctx, fx);
    for (const followUp of fx.followUps) void followUp().catch((error: unknown) => ctx.events.emit('error', { error }));
    return { durable: Promise.resolve() };
  }
  return { durable: emitWhenDurable(ctx, fx, written) };
}

/** Decodes, decrypts and dispatches inside the lane, collecting the envelope's one batch and its effects in `fx`. */
async function processEnvelope(ctx: ClientContext, data: Bytes, fx: InboundEffects): Promise<void> {
  const digest = sha256(data);
  const digestHex = toHex(digest);
  const seen = await seenDigests(ctx);
  if (isReplay(ctx, seen, digestHex)) return; // processed already (§7.1): a replay or a redelivery
  let envelope;
  try {
    envelope = decodeRelayEnvelope(data);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    fx.events.push(['tampered', { envelope: digestHex, reason: e.code }]);
    return;
  }
  if (envelope.kind === 'group') await (loadedFeatures() ?? await loadFeatures()).onGroupMessage(ctx, envelope.data, digestHex, fx);
  else if (envelope.kind === 'ephemeral') await receiveEphemeral(ctx, envelope.data, digestHex, fx);
  else await receiveSealed(ctx, envelope.data, digest, fx);
  remember(ctx, seen, digestHex, fx);
}

async function emitWhenDurable(ctx: ClientContext, fx: InboundEffects, written: Promise<void> | undefined): Promise<void> {
  await written;
  emit(ctx, fx);
}

function emit(ctx: ClientContext, fx: InboundEffects): void {
  for (const [name, event] of fx.events) ctx.events.emit(name, event as never);
}

async function receiveSealed(ctx: ClientContext, data: Bytes, digest: Bytes, fx: InboundEffects): Promise<void> {
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
  // Only a listed device of a contact's account is that contact (client.md §10.2): a revoked device is no one.
  const contact = ctx.contacts.byDeviceKey(sender);
  if (contact?.blocked === true) return;
  const record = await loadRecord(ctx, sender);
  let result;
  try {
    result = sessionDecrypt({ record, identity: ctx.identity, preKeys: ctx.preKeys, peer: sender, message: unsealed.content, random: ctx.random });
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    if (e.code === 'DUPLICATE_MESSAGE') return; // a redelivery of what we already committed
    onSessionLost(ctx, sender, contact, digest, e.code, fx);
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
  await onPayload(ctx, sender, contact, payload, fx);
}

/**
 * Sealed ephemeral content (client.md §2.3): the sealed layer authenticates the sender, whose
 * payload must be ephemeral content (a typing indicator) from a contact; nothing else is accepted.
 */
async function receiveEphemeral(ctx: ClientContext, data: Bytes, digestHex: string, fx: InboundEffects): Promise<void> {
  try {
    const unsealed = unseal({ identity: ctx.identity, envelope: data, staticSecrets: ctx.staticSecrets });
    const contact = ctx.contacts.byDeviceKey(unsealed.senderIdentityKey);
    if (contact === undefined || contact.blocked === true) return;
    const payload = decodePayload(unsealed.content);
    const content = payload.type === 'content' ? decodeContent(payload.content) : undefined;
    if (payload.type !== 'content' || content === undefined || !isEphemeral(content.body)) {
      fx.events.push(['tampered', { envelope: digestHex, reason: 'MALFORMED' }]);
      return;
    }
    await deliverContent(ctx, contact, content, payload.content, undefined, fx);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    fx.events.push(['tampered', { envelope: digestHex, reason: e.code }]);
  }
}

/** A failed decrypt: tampering, or lost state that we heal (at most once per cooldown per peer). */
function onSessionLost(ctx: ClientContext, sender: Bytes, contact: Contact | undefined, digest: Bytes, code: ProtocolErrorCode, fx: InboundEffects): void {
  const digestHex = toHex(digest);
  if (!LOST_STATE.has(code)) {
    fx.events.push(['tampered', { envelope: digestHex, reason: code }]);
    return;
  }
  fx.events.push(['message-lost', { ...(contact !== undefined && { contact }), senderIdentityKey: sender, envelope: digestHex, reason: code }]);
  const key = toHex(sender);
  // The session is per device: heal the one that sent, a contact's device or a sibling (client.md §10.3).
  const peer = [...(contact === undefined ? [] : contactPeers(contact)), ...siblingPeers(ctx)].find((p) => equalBytes(p.identityKey, sender));
  if (peer !== undefined && ctx.now() - (ctx.lastHeal.get(key) ?? -Infinity) >= HEAL_COOLDOWN_MS) {
    ctx.lastHeal.set(key, ctx.now());
    fx.followUps.push(() => heal(ctx, peer, digest));
  }
}

async function onPayload(ctx: ClientContext, sender: Bytes, contact: Contact | undefined, payload: Payload, fx: InboundEffects): Promise<void> {
  if (payload.type === 'hello') return onHello(ctx, sender, payload, fx);
  // A signed list speaks for itself; onDevice decides whose it is (client.md §10.2).
  // Lists, `sync` and `contact-sync` come only from accounts that linked devices: their code loads on first use.
  if (payload.type === 'device') return (loadedFeatures() ?? await loadFeatures()).onDevice(ctx, sender, payload, fx);
  // Group members reach each other through group tokens without being contacts.
  if (payload.type === 'group') return (loadedFeatures() ?? await loadFeatures()).onGroupControl(ctx, sender, contact, payload.group, fx);
  // Only a listed sibling sends these; each handler checks.
  if (payload.type === 'sync') return (loadedFeatures() ?? await loadFeatures()).onSync(ctx, sender, payload, fx);
  if (payload.type === 'contact-sync') return (loadedFeatures() ?? await loadFeatures()).onContactSync(ctx, sender, payload, fx);
  if (contact === undefined) return; // nothing else may come from someone who is not a contact (or a listed device of one)
  switch (payload.type) {
    case 'token': return onToken(ctx, contact, sender, payload, fx);
    case 'invite-refused': return onInviteRefused(ctx, contact, payload, fx);
    case 'heal': return; // the new session is already installed by the decrypt
    case 'content': {
      const content = contentOrNothing(payload.content);
      if (content !== undefined) await deliverContent(ctx, contact, content, payload.content, undefined, fx);
    }
  }
}
