/**
 * The new device's end of the linking channel (spec/protocol.md §12.4): it
 * shows the offer, reads the existing device's hello, shows the SAS, proves
 * its device key once the user confirmed, and assembles the payload.
 *
 * Pure on state: each step returns a new state; a failed step throws a
 * ProtocolError and leaves the one passed in usable and unchanged.
 */
import { LINK_ID_LENGTH } from '../constants.js';
import { aeadOpen, aeadSeal, concatBytes, equalBytes, generateX25519KeyPair, sign, type Bytes, type RandomSource } from '../crypto/index.js';
import { fail } from '../errors.js';
import { openDeviceList, type DeviceList, type IdentityKeyPair } from '../identity/index.js';
import {
  decodeLinkMessage, decodeLinkOffer, decodeLinkPayload, encodeLinkMessage, encodeLinkOffer, encodeLinkProofBody, type LinkChunk, type LinkMessage,
  type LinkPayload,
} from '../wire/index.js';
import { channelNonce, chunkAssociatedData, deriveChannelKeys, payloadTranscript, proofMessage } from './channel-keys.js';
import { markLink, refuseAbort, requireConfirmed, type LinkSide } from './link-state.js';

export interface NewDeviceLink extends LinkSide {
  readonly offer: Bytes;
  readonly linkId: Bytes;
  readonly ephemeralPrivateKey: Bytes;
  /** The proven device key and th2, once the proof is made. */
  readonly deviceKey: Bytes | null;
  readonly payloadHash: Bytes | null;
  /** Chunk plaintexts received so far, in order, and the count and length chunk 0 announced. */
  readonly received: readonly Bytes[];
  readonly announced: { readonly count: number; readonly length: number } | null;
}

/** What the new device ends with: the payload and the verified device list naming it. */
export interface LinkResult {
  readonly payload: LinkPayload;
  readonly deviceList: DeviceList;
}

/** §12.4.1: a fresh ephemeral key and link id; `offer` goes into the QR code or link. */
export function createLinkOffer(p: { relayUrl: string; random: RandomSource }): { link: NewDeviceLink; offer: Bytes } {
  const ephemeral = generateX25519KeyPair(p.random);
  const linkId = p.random(LINK_ID_LENGTH);
  const offer = encodeLinkOffer({ ephemeralKey: ephemeral.publicKey, linkId, relayUrl: p.relayUrl });
  decodeLinkOffer(offer); // the bounds a scanner applies: an empty or overlong relay URL fails here, not at the scan
  const link = markLink({
    offer, linkId, ephemeralPrivateKey: ephemeral.privateKey, keys: null, confirmed: false,
    deviceKey: null, payloadHash: null, received: [], announced: null,
  });
  return { link, offer };
}

/** §12.4.3: the hello gives the channel keys and the SAS to show. A second hello is refused (DUPLICATE_MESSAGE). */
export function receiveLinkHello(link: NewDeviceLink, message: Bytes): { link: NewDeviceLink; sas: string } {
  const m = decodeLinkMessage(message);
  refuseAbort(m.kind);
  if (m.kind !== 1) fail('INVALID_STATE', 'the new device expects a hello first', { got: m.kind });
  if (link.keys !== null) fail('DUPLICATE_MESSAGE', 'the channel already has its hello');
  const keys = deriveChannelKeys({ privateKey: link.ephemeralPrivateKey, peerKey: m.ephemeralKey, linkId: link.linkId, offer: link.offer, hello: message });
  return { link: markLink({ ...link, keys }), sas: keys.sas };
}

/** §12.4.4: once the user confirmed, the device key signs th1 and the proof is sealed towards the existing device. */
export function proveLinkDevice(link: NewDeviceLink, device: IdentityKeyPair): { link: NewDeviceLink; proof: Bytes } {
  requireConfirmed(link, 'the proof');
  if (link.deviceKey !== null) fail('INVALID_STATE', 'the proof was already made');
  const keys = link.keys!;
  const body = encodeLinkProofBody({ deviceKey: device.publicKey, signature: sign(device.privateKey, proofMessage(keys.transcript)) });
  const proof = encodeLinkMessage({ kind: 2, ciphertext: aeadSeal(keys.newToExisting, channelNonce(0), body, keys.transcript) });
  return { link: markLink({ ...link, deviceKey: device.publicKey, payloadHash: payloadTranscript(keys.transcript, proof) }), proof };
}

/** §12.4.7: chunks come once each, in order, all announcing the count and length of chunk 0. */
function checkChunkOrder(link: NewDeviceLink, m: LinkMessage): LinkChunk {
  refuseAbort(m.kind);
  if (m.kind === 1) fail('DUPLICATE_MESSAGE', 'the channel already has its hello');
  if (m.kind !== 3) fail('INVALID_STATE', 'a proof sent to the new device');
  const next = link.received.length;
  if (m.index < next || (link.announced !== null && next === link.announced.count)) {
    fail('DUPLICATE_MESSAGE', 'a payload chunk already received', { got: m.index, next });
  }
  if (m.index > next) fail('INVALID_STATE', 'a payload chunk ahead of the next one', { got: m.index, next });
  if (link.announced !== null && (m.count !== link.announced.count || m.length !== link.announced.length)) {
    fail('MALFORMED', 'a payload chunk announces another count or length than chunk 0', { what: 'link message', field: 'n' });
  }
  return m;
}

/** §12.4.6: the payload's device list must be the account's and name this device under the id it was given. */
function openPayload(deviceKey: Bytes, bytes: Bytes): LinkResult {
  const payload = decodeLinkPayload(bytes);
  const deviceList = openDeviceList(payload.deviceList);
  if (!equalBytes(deviceList.account, payload.account)) fail('UNTRUSTED_IDENTITY', 'the device list is signed by another account than the payload names');
  if (!deviceList.devices.some((d) => d.id === payload.deviceId && equalBytes(d.key, deviceKey))) {
    fail('NOT_A_MEMBER', 'the device list does not name this device under its id', { got: payload.deviceId });
  }
  return { payload, deviceList };
}

/**
 * §12.4.5–7: one chunk. Returns `result` once the last chunk is in and the
 * payload passed its checks; until then `result` is null.
 */
export function receiveLinkChunk(link: NewDeviceLink, message: Bytes): { link: NewDeviceLink; result: LinkResult | null } {
  const decoded = decodeLinkMessage(message);
  if (link.payloadHash === null || link.deviceKey === null || link.keys === null) fail('INVALID_STATE', 'a payload chunk before the proof');
  const m = checkChunkOrder(link, decoded);
  const ad = chunkAssociatedData(link.payloadHash, m.index, m.count, m.length);
  const plain = aeadOpen(link.keys.existingToNew, channelNonce(m.index), m.ciphertext, ad);
  const received = [...link.received, plain];
  const next = markLink({ ...link, received, announced: { count: m.count, length: m.length } });
  if (received.length < m.count) return { link: next, result: null };
  return { link: next, result: openPayload(link.deviceKey, concatBytes(...received)) };
}
