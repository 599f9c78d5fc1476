/**
 * One account (a primary with the account key) and a device to link, and
 * the whole linking exchange between them (protocol.md §12.4), step by step,
 * for the unit and property tests of src/linking.
 */
import { LINK_CHUNK_SIZE } from '../../../src/constants.js';
import { aeadSeal, concatBytes, uintToBytes, type Bytes, type RandomSource } from '../../../src/crypto/index.js';
import { identityKeyPairFromSeed, signDeviceList, encodeDeviceList, type DeviceList, type IdentityKeyPair } from '../../../src/identity/index.js';
import {
  acceptLinkOffer, confirmLinkSas, createLinkOffer, proveLinkDevice, receiveLinkChunk, receiveLinkHello, receiveLinkProof, sealLinkPayload,
  type ExistingDeviceLink, type LinkResult, type NewDeviceLink,
} from '../../../src/linking/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { encodeLinkMessage, type LinkPayload } from '../../../src/wire/index.js';

export const RELAY_URL = 'wss://relay.example/v1';
const T0 = 1_767_225_600_000;

export interface Account {
  readonly account: IdentityKeyPair;
  readonly primary: IdentityKeyPair;
  readonly newDevice: IdentityKeyPair;
  readonly list: DeviceList;
  readonly random: RandomSource;
}

export function makeAccount(seed: number): Account {
  const random = seededRandom(new Uint8Array(32).fill(seed));
  const [account, primary, newDevice] = [0, 1, 2].map(() => identityKeyPairFromSeed(random(32))) as [IdentityKeyPair, IdentityKeyPair, IdentityKeyPair];
  const list = signDeviceList({ account, previous: null, devices: [{ id: 1, key: primary.publicKey, createdAt: T0 }], createdAt: T0 });
  return { account, primary, newDevice, list, random };
}

/** The payload a primary sends once `deviceKey` is proven: the next list names it as device 2. */
export function payloadFor(a: Account, deviceKey: Bytes, extra: Partial<LinkPayload> = {}): LinkPayload {
  const next = signDeviceList({ account: a.account, previous: a.list, devices: [...a.list.devices, { id: 2, key: deviceKey, createdAt: T0 + 1 }], createdAt: T0 + 1 });
  return { account: a.account.publicKey, deviceList: encodeDeviceList(next), deviceId: 2, contacts: [], groups: [], settings: [], ...extra };
}

export interface Exchange {
  readonly offer: Bytes;
  readonly hello: Bytes;
  readonly proof: Bytes;
  readonly chunks: readonly Bytes[];
  readonly sasNew: string;
  readonly sasExisting: string;
  /** States just before each side's receiving steps. */
  readonly newInitial: NewDeviceLink;
  readonly newAfterProof: NewDeviceLink;
  readonly existingAfterHello: ExistingDeviceLink;
  readonly result: LinkResult;
}

/** The honest exchange, both users confirming; `extra` fills the payload's opaque sections. */
export function runLink(a: Account, extra: Partial<LinkPayload> = {}): Exchange {
  const created = createLinkOffer({ relayUrl: RELAY_URL, random: a.random });
  const accepted = acceptLinkOffer({ offer: created.offer, random: a.random });
  const greeted = receiveLinkHello(created.link, accepted.hello);
  const proved = proveLinkDevice(confirmLinkSas(greeted.link), a.newDevice);
  const checked = receiveLinkProof(confirmLinkSas(accepted.link), proved.proof);
  const sealed = sealLinkPayload(checked.link, payloadFor(a, checked.deviceKey, extra));
  let link = proved.link;
  let result: LinkResult | null = null;
  for (const chunk of sealed.chunks) ({ link, result } = receiveLinkChunk(link, chunk));
  if (result === null) throw new Error('the payload did not complete');
  return {
    offer: created.offer, hello: accepted.hello, proof: proved.proof, chunks: sealed.chunks, sasNew: greeted.sas, sasExisting: accepted.sas,
    newInitial: created.link, newAfterProof: proved.link, existingAfterHello: accepted.link, result,
  };
}

/** A proof message sealed under the channel's key around any body: to test what the existing device checks after the AEAD. */
export function forgeProof(link: ExistingDeviceLink, body: Bytes): Bytes {
  return encodeLinkMessage({ kind: 2, ciphertext: aeadSeal(link.keys!.newToExisting, channelNonceOf(0), body, link.keys!.transcript) });
}

/** Chunks sealed under the channel's keys around any payload bytes, skipping the sender's checks (§12.4.5 layout). */
export function forgeChunks(link: ExistingDeviceLink, bytes: Bytes): Bytes[] {
  const count = Math.ceil(bytes.length / LINK_CHUNK_SIZE);
  return Array.from({ length: count }, (_, index) => {
    const ad = concatBytes(link.payloadHash!, uintToBytes(index, 4), uintToBytes(count, 4), uintToBytes(bytes.length, 4));
    const plain = bytes.subarray(index * LINK_CHUNK_SIZE, (index + 1) * LINK_CHUNK_SIZE);
    return encodeLinkMessage({ kind: 3, index, count, length: bytes.length, ciphertext: aeadSeal(link.keys!.existingToNew, channelNonceOf(index), plain, ad) });
  });
}

/** §12.4.3 nonce, written from the spec rather than imported, so the tests check src/linking against it. */
function channelNonceOf(seq: number): Bytes {
  return concatBytes(new Uint8Array(8), uintToBytes(seq, 4));
}
