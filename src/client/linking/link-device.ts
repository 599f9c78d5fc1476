/**
 * The primary's side of linking a device (spec/client.md §10.4,
 * protocol.md §12.4): it reads the offer, answers with its hello and shows the SAS; once
 * the user confirmed, it takes the new device's proof, signs the list that
 * names it, publishes that list at the relay (durable) before anything else
 * leaves, commits it, sends the provisioning payload, and announces the new
 * list to every contact device and sibling.
 */
import { TOKEN_LENGTH } from '../../constants.js';
import { toHex, type Bytes } from '../../crypto/index.js';
import { encodeDeviceList, type DeviceList } from '../../identity/index.js';
import { acceptLinkOffer, confirmLinkSas, receiveLinkProof, sealLinkPayload, type ExistingDeviceLink } from '../../linking/index.js';
import type { ClientContext } from '../context.js';
import { commitOwnList } from '../devices/index.js';
import { isProtocolError } from '../../errors.js';
import { ClientError } from '../errors.js';
import { announceInBackground } from './announce-later.js';
import { collectHistory } from './history.js';
import { listLane } from './list-lane.js';
import { linkCancelled, linkStep, settleOnce } from './link-errors.js';
import { openLinkMailbox, type LinkMailbox } from './mailbox.js';
import { readLinkOffer } from './offer-text.js';
import { adoptRelayLists } from './recover.js';
import { listWith, requirePrimary, requireRoom } from './next-list.js';
import { ownDevices, type DeviceInfo } from './own-list.js';
import { buildLinkPayload } from './payload.js';

/** A link in progress on the primary: show `sas`, then `confirm()` if the new device shows the same digits, else `cancel()`. */
export interface DeviceLinking {
  readonly sas: string;
  /** Completes the link; resolves with the new device as `devices()` lists it. */
  confirm(): Promise<DeviceInfo>;
  /** Ends the link: nothing was signed or sent beyond the hello. */
  cancel(): Promise<void>;
}

export interface LinkDeviceOptions {
  /** Send our stored 1:1 messages along (client.md §10.4); off by default. */
  readonly history?: boolean;
}

/** Reads the offer (its text or QR bytes) and answers with our hello: primary only (NOT_PRIMARY), with room for a device (DEVICE_LIMIT). */
export async function linkDevice(ctx: ClientContext, offerInput: string | Bytes, options: LinkDeviceOptions = {}): Promise<DeviceLinking> {
  requirePrimary(ctx, 'linking a device');
  requireRoom(ctx);
  let read: ReturnType<typeof readLinkOffer>;
  try {
    read = readLinkOffer(offerInput);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    throw new ClientError('INVALID_ARGUMENT', `not a link offer (${e.code})`, { reason: e.code });
  }
  const { bytes, offer } = read;
  if (offer.relayUrl !== ctx.relayUrl) {
    throw new ClientError('INVALID_ARGUMENT', 'the offer names another relay than ours: both devices must use one relay', { relay: offer.relayUrl });
  }
  const start = acceptLinkOffer({ offer: bytes, random: ctx.random });
  const mailbox = await openLinkMailbox(ctx, offer.linkId, 'e', false);
  try {
    await mailbox.send('n', start.hello);
  } catch (e) {
    await mailbox.end(linkCancelled());
    throw e;
  }
  const once = settleOnce(mailbox, 'n');
  return {
    sas: start.sas,
    confirm: () => once.run(() => complete(ctx, start.link, mailbox, options)),
    cancel: () => once.cancel(),
  };
}

async function complete(ctx: ClientContext, started: ExistingDeviceLink, mailbox: LinkMailbox, options: LinkDeviceOptions): Promise<DeviceInfo> {
  const confirmed = confirmLinkSas(started);
  // The relay keeps one message towards us (relay.md §14): the proof, or nothing that can complete this link.
  const message = await mailbox.next();
  const proven = linkStep('the proof', () => receiveLinkProof(confirmed, message));
  const token = ctx.random(TOKEN_LENGTH);
  await ctx.relay.registerToken(token);
  try {
    const { list, id } = await listLane(ctx).run(() => signPublishCommit(ctx, proven.deviceKey, token));
    const history = options.history === true ? await collectHistory(ctx) : undefined;
    const payload = buildLinkPayload(ctx, { list, deviceId: id, token, ...(history !== undefined && { history }) });
    const { chunks } = linkStep('the payload', () => sealLinkPayload(proven.link, payload));
    for (const chunk of chunks) await mailbox.send('n', chunk);
    announceInBackground(ctx); // the link took effect: an announcement that fails is retried, never a rejected confirm
    return ownDevices(ctx).find((d) => d.id === id) as DeviceInfo;
  } catch (e) {
    if (!ownDevices(ctx).some((d) => d.key === toHex(proven.deviceKey))) await ctx.relay.revokeToken(token).catch(() => undefined);
    throw e;
  }
}

/**
 * List n+1 naming the proven key, published at the relay (durable: peers that fetch it can follow, relay.md §13.1)
 * and then committed with the new sibling and the token we issued it. A crash between the two leaves the relay
 * one list ahead of us: the next change adopts it first (adoptRelayLists), so it signs over the relay's newest.
 */
async function signPublishCommit(ctx: ClientContext, deviceKey: Bytes, token: Bytes): Promise<{ list: DeviceList; id: number }> {
  await adoptRelayLists(ctx);
  const { list, id } = listWith(ctx, deviceKey);
  const encoded = encodeDeviceList(list);
  await publishList(ctx, encoded);
  await commitOwnList(ctx, encoded, { added: [{ key: deviceKey, ourToken: token }] });
  return { list, id };
}

export async function publishList(ctx: ClientContext, encoded: Bytes): Promise<void> {
  if (ctx.relay.publishDeviceList === undefined) throw new ClientError('NOT_ALLOWED', 'this relay transport cannot publish a device list');
  await ctx.relay.publishDeviceList(encoded);
}
