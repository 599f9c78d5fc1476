/**
 * The existing (primary) device's end of the linking channel (spec/protocol.md
 * §12.4): it reads the offer from the QR code, answers with its hello, shows
 * the SAS, checks the new device's proof, and seals the payload in chunks.
 *
 * Pure on state: each step returns a new state; a failed step throws a
 * ProtocolError and leaves the one passed in usable and unchanged.
 */
import { LINK_CHUNK_SIZE, LINK_MAX_HISTORY_SIZE, LINK_MAX_PAYLOAD_SIZE } from '../constants.js';
import { aeadOpen, aeadSeal, equalBytes, generateX25519KeyPair, verifyOrThrow, type Bytes, type RandomSource } from '../crypto/index.js';
import { fail } from '../errors.js';
import { identityDhPublicKey, openDeviceList } from '../identity/index.js';
import {
  decodeLinkMessage, decodeLinkOffer, decodeLinkPayload, decodeLinkProofBody, encodeLinkMessage, encodeLinkPayload, type LinkOffer,
  type LinkPayload,
} from '../wire/index.js';
import { channelNonce, chunkAssociatedData, deriveChannelKeys, payloadTranscript, proofMessage } from './channel-keys.js';
import { markLink, refuseAbort, requireConfirmed, type LinkSide } from './link-state.js';

export interface ExistingDeviceLink extends LinkSide {
  readonly offer: LinkOffer;
  /** The new device's key once its proof verified, and th2. */
  readonly deviceKey: Bytes | null;
  readonly payloadHash: Bytes | null;
  readonly sent: boolean;
}

/**
 * §12.4.2: decodes the scanned offer and answers with a fresh ephemeral key.
 * The ephemeral private key is used here once and not kept: the channel keys are all that follow.
 */
export function acceptLinkOffer(p: { offer: Bytes; random: RandomSource }): { link: ExistingDeviceLink; hello: Bytes; sas: string } {
  const offer = decodeLinkOffer(p.offer);
  const ephemeral = generateX25519KeyPair(p.random);
  const hello = encodeLinkMessage({ kind: 1, ephemeralKey: ephemeral.publicKey });
  const keys = deriveChannelKeys({ privateKey: ephemeral.privateKey, peerKey: offer.ephemeralKey, linkId: offer.linkId, offer: p.offer, hello });
  const link = markLink({ offer, keys, confirmed: false, deviceKey: null, payloadHash: null, sent: false });
  return { link, hello, sas: keys.sas };
}

/**
 * §12.4.4: checks, in order: the message (decoding), its kind and place in
 * the channel, the AEAD (DECRYPT_FAILED), the body (MALFORMED), the device key
 * (INVALID_KEY), its signature over th1 (BAD_SIGNATURE).
 */
export function receiveLinkProof(link: ExistingDeviceLink, message: Bytes): { link: ExistingDeviceLink; deviceKey: Bytes } {
  const m = decodeLinkMessage(message);
  refuseAbort(m.kind);
  if (m.kind !== 2) fail('INVALID_STATE', 'the existing device expects a proof', { got: m.kind });
  if (link.deviceKey !== null) fail('DUPLICATE_MESSAGE', 'the channel already has its proof');
  const keys = link.keys!;
  const body = decodeLinkProofBody(aeadOpen(keys.newToExisting, channelNonce(0), m.ciphertext, keys.transcript));
  identityDhPublicKey(body.deviceKey);
  verifyOrThrow(body.deviceKey, proofMessage(keys.transcript), body.signature, 'link proof');
  const payloadHash = payloadTranscript(keys.transcript, message);
  return { link: markLink({ ...link, deviceKey: body.deviceKey, payloadHash }), deviceKey: body.deviceKey };
}

/** The caller's payload must name the proven device in a list of its account, and fit the bounds (§12.4.6). */
function encodeCheckedPayload(deviceKey: Bytes, payload: LinkPayload): Bytes {
  if (payload.history !== undefined && payload.history.length > LINK_MAX_HISTORY_SIZE) {
    fail('OVERSIZE', 'link payload: history too large', { what: 'link payload', got: payload.history.length, max: LINK_MAX_HISTORY_SIZE });
  }
  const bytes = encodeLinkPayload(payload);
  if (bytes.length > LINK_MAX_PAYLOAD_SIZE) fail('OVERSIZE', 'link payload too large', { what: 'link payload', got: bytes.length, max: LINK_MAX_PAYLOAD_SIZE });
  decodeLinkPayload(bytes);
  const list = openDeviceList(payload.deviceList);
  if (!equalBytes(list.account, payload.account)) fail('INVALID_STATE', 'the device list belongs to another account than the payload names');
  if (!list.devices.some((d) => d.id === payload.deviceId && equalBytes(d.key, deviceKey))) {
    fail('INVALID_STATE', 'the device list does not name the proven device under the id given');
  }
  return bytes;
}

/** §12.4.5: the payload in chunks of LINK_CHUNK_SIZE, sealed once the SAS is confirmed and the proof verified. */
export function sealLinkPayload(link: ExistingDeviceLink, payload: LinkPayload): { link: ExistingDeviceLink; chunks: Bytes[] } {
  requireConfirmed(link, 'the payload');
  if (link.deviceKey === null || link.payloadHash === null) fail('INVALID_STATE', 'the payload before the proof');
  if (link.sent) fail('INVALID_STATE', 'the payload was already sealed');
  const bytes = encodeCheckedPayload(link.deviceKey, payload);
  const count = Math.ceil(bytes.length / LINK_CHUNK_SIZE);
  const chunks = Array.from({ length: count }, (_, index) => {
    const plain = bytes.subarray(index * LINK_CHUNK_SIZE, (index + 1) * LINK_CHUNK_SIZE);
    const ad = chunkAssociatedData(link.payloadHash!, index, count, bytes.length);
    return encodeLinkMessage({ kind: 3, index, count, length: bytes.length, ciphertext: aeadSeal(link.keys!.existingToNew, channelNonce(index), plain, ad) });
  });
  return { link: markLink({ ...link, sent: true }), chunks };
}
