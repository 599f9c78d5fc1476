/**
 * The linking channel's wire formats (spec/protocol.md §12.4): the offer the
 * new device shows as a QR code or link, and the four kinds of message the
 * relay carries between the two temporary mailboxes.
 *
 *   offer = { v: 1, k: bin(32) ephemeral X25519 key of the new device, i: bin(16) link id, r: str relay URL }
 *   hello = { v: 1, t: 1, k: bin(32) ephemeral X25519 key of the existing device }     existing → new
 *   proof = { v: 1, t: 2, c: bin (AEAD of proofBody) }                                  new → existing
 *   chunk = { v: 1, t: 3, i: uint index, n: uint count, l: uint payload length, c: bin } existing → new
 *   abort = { v: 1, t: 4 }                                                              either way: the link ends
 *   proofBody = { k: bin(32) device key, s: bin(64) signature over the transcript }
 *
 * Shapes and bounds only: keys, signatures and order are checked in src/linking.
 */
import {
  LINK_CHUNK_SIZE, LINK_ID_LENGTH, LINK_MAX_CHUNK_MESSAGE_SIZE, LINK_MAX_CHUNKS, LINK_MAX_OFFER_SIZE, LINK_MAX_PAYLOAD_SIZE,
  LINK_MAX_RELAY_URL_LENGTH, LINK_VERSION,
} from '../constants.js';
import { AEAD_TAG_LENGTH, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readString, readUint, readVersion, type WireMap } from './codec.js';

export interface LinkOffer {
  readonly ephemeralKey: Bytes;
  readonly linkId: Bytes;
  readonly relayUrl: string;
}

/** The kinds (`t`) of channel message, in the order the channel sends them. */
export const LinkMessageKind = { hello: 1, proof: 2, chunk: 3, abort: 4 } as const;
export type LinkMessageKind = (typeof LinkMessageKind)[keyof typeof LinkMessageKind];

export interface LinkHello { readonly kind: 1; readonly ephemeralKey: Bytes }
export interface LinkProof { readonly kind: 2; readonly ciphertext: Bytes }
export interface LinkChunk {
  readonly kind: 3;
  readonly index: number;
  readonly count: number;
  readonly length: number;
  readonly ciphertext: Bytes;
}
/** The sender rejected the SAS or gave up (§12.4.7): unauthenticated, it can only end a link. */
export interface LinkAbort { readonly kind: 4 }
export type LinkMessage = LinkHello | LinkProof | LinkChunk | LinkAbort;

export interface LinkProofBody {
  readonly deviceKey: Bytes;
  readonly signature: Bytes;
}

const OFFER = 'link offer';
const MESSAGE = 'link message';
const PROOF_BODY = 'link proof body';
/** A proof body's exact size: a map of two one-letter keys holding 32 and 64 bytes; its ciphertext adds the tag. */
const PROOF_BODY_SIZE = 105;

export function encodeLinkOffer(o: LinkOffer): Bytes {
  return encodeMsgpack({ v: LINK_VERSION, k: o.ephemeralKey, i: o.linkId, r: o.relayUrl });
}

export function decodeLinkOffer(bytes: Bytes): LinkOffer {
  const map = readMap(decodeMsgpack(bytes, LINK_MAX_OFFER_SIZE, OFFER), OFFER, ['v', 'k', 'i', 'r']);
  readVersion(map, OFFER, [LINK_VERSION]);
  const relayUrl = readString(map, OFFER, 'r', LINK_MAX_RELAY_URL_LENGTH);
  if (relayUrl.length === 0) fail('MALFORMED', `${OFFER}: empty relay URL`, { what: OFFER, field: 'r' });
  return { ephemeralKey: readBytes(map, OFFER, 'k', 32), linkId: readBytes(map, OFFER, 'i', LINK_ID_LENGTH), relayUrl };
}

export function encodeLinkMessage(m: LinkMessage): Bytes {
  switch (m.kind) {
    case 1: return encodeMsgpack({ v: LINK_VERSION, t: m.kind, k: m.ephemeralKey });
    case 2: return encodeMsgpack({ v: LINK_VERSION, t: m.kind, c: m.ciphertext });
    case 3: return encodeMsgpack({ v: LINK_VERSION, t: m.kind, i: m.index, n: m.count, l: m.length, c: m.ciphertext });
    case 4: return encodeMsgpack({ v: LINK_VERSION, t: m.kind });
  }
}

function readChunk(map: WireMap): LinkChunk {
  const m = readMap(map, MESSAGE, ['v', 't', 'i', 'n', 'l', 'c']);
  const length = readUint(m, MESSAGE, 'l');
  if (length > LINK_MAX_PAYLOAD_SIZE) {
    fail('OVERSIZE', `${MESSAGE}: payload of ${length} bytes exceeds ${LINK_MAX_PAYLOAD_SIZE}`, { what: MESSAGE, got: length, max: LINK_MAX_PAYLOAD_SIZE });
  }
  const count = readUint(m, MESSAGE, 'n', LINK_MAX_CHUNKS);
  // One canonical split (§12.4.5): n = ceil(l / LINK_CHUNK_SIZE), at least one chunk of at least one byte.
  if (length === 0 || count !== Math.ceil(length / LINK_CHUNK_SIZE)) fail('MALFORMED', `${MESSAGE}: chunk count does not match the length`, { what: MESSAGE, field: 'n' });
  const index = readUint(m, MESSAGE, 'i', count - 1);
  const plain = index === count - 1 ? length - index * LINK_CHUNK_SIZE : LINK_CHUNK_SIZE;
  return { kind: 3, index, count, length, ciphertext: readBytes(m, MESSAGE, 'c', plain + AEAD_TAG_LENGTH) };
}

/** Decodes any channel message; the kind decides the exact field set. */
export function decodeLinkMessage(bytes: Bytes): LinkMessage {
  const map = decodeMsgpack(bytes, LINK_MAX_CHUNK_MESSAGE_SIZE, MESSAGE) as WireMap;
  const head = readMap(map, MESSAGE, ['v', 't'], ['k', 'c', 'i', 'n', 'l']);
  readVersion(head, MESSAGE, [LINK_VERSION]);
  const kind = readUint(head, MESSAGE, 't');
  if (kind === LinkMessageKind.hello) return { kind: 1, ephemeralKey: readBytes(readMap(map, MESSAGE, ['v', 't', 'k']), MESSAGE, 'k', 32) };
  if (kind === LinkMessageKind.proof) {
    return { kind: 2, ciphertext: readBytes(readMap(map, MESSAGE, ['v', 't', 'c']), MESSAGE, 'c', PROOF_BODY_SIZE + AEAD_TAG_LENGTH) };
  }
  if (kind === LinkMessageKind.chunk) return readChunk(map);
  if (kind === LinkMessageKind.abort) {
    readMap(map, MESSAGE, ['v', 't']);
    return { kind: 4 };
  }
  return fail('MALFORMED', `${MESSAGE}: unknown kind ${kind}`, { what: MESSAGE, field: 't' });
}

export function encodeLinkProofBody(b: LinkProofBody): Bytes {
  return encodeMsgpack({ k: b.deviceKey, s: b.signature });
}

export function decodeLinkProofBody(bytes: Bytes): LinkProofBody {
  const map = readMap(decodeMsgpack(bytes, PROOF_BODY_SIZE, PROOF_BODY), PROOF_BODY, ['k', 's']);
  return { deviceKey: readBytes(map, PROOF_BODY, 'k', 32), signature: readBytes(map, PROOF_BODY, 's', 64) };
}
