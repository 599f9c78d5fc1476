/**
 * The relay frames of the linking mailboxes (spec/relay.md §14): the two
 * temporary mailboxes of one link id, towards N (the new device) and towards
 * E (the existing device), that carry the channel of protocol.md §12.4.
 *
 *   link_open   { link }                      → ok { expires }   N creates the pair
 *   link_send   { link, to: "n"|"e", data }   → ok { seq }       stored in order on that side
 *   link_listen { link, side, after? }        → ok { expires }   pushes that side's messages after `after`
 *   link_close  { link }                      → ok {}            N deletes the pair before it expires
 *   link_deliver { link, side, seq, data }    (push, id 0)
 *
 * relay-frames.ts carries these in its request, result and push unions; this
 * file reads and writes their fields and holds the bounds of §14.
 */
import { LINK_ID_LENGTH, LINK_MAX_CHUNK_MESSAGE_SIZE, LINK_MAX_CHUNKS } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { readBytes, readMap, readOptional, readString, readUint, type WireMap } from './codec.js';

/** Lifetime of a link's two mailboxes from its `link_open` (§14.1): then both and their contents are deleted. */
export const RELAY_LINK_TTL_SECONDS = 600;
/** Messages towards N: the hello and up to LINK_MAX_CHUNKS payload chunks (protocol.md §12.4.9). */
export const RELAY_LINK_MAX_TO_NEW = LINK_MAX_CHUNKS + 1;
/** Messages towards E: the proof. */
export const RELAY_LINK_MAX_TO_EXISTING = 1;
/** Bytes one link holds over both sides: an honest exchange (a hello, 43 chunks, a proof) stays below it. */
export const RELAY_LINK_MAX_BYTES = RELAY_LINK_MAX_TO_NEW * LINK_MAX_CHUNK_MESSAGE_SIZE;
/** Link sides one connection may listen on at once (§14.3). */
export const RELAY_LINK_MAX_LISTENS = 4;

/** The side of a link: "n" towards the new device, "e" towards the existing one. */
export type RelayLinkSide = 'n' | 'e';

export type RelayLinkRequest =
  | { readonly type: 'link_open'; readonly id: number; readonly link: Bytes }
  | { readonly type: 'link_send'; readonly id: number; readonly link: Bytes; readonly to: RelayLinkSide; readonly data: Bytes }
  | { readonly type: 'link_listen'; readonly id: number; readonly link: Bytes; readonly side: RelayLinkSide; readonly after?: number }
  | { readonly type: 'link_close'; readonly id: number; readonly link: Bytes };

export type RelayLinkResult =
  | { readonly re: 'link_open'; readonly expires: number }
  | { readonly re: 'link_listen'; readonly expires: number }
  | { readonly re: 'link_send'; readonly seq: number }
  | { readonly re: 'link_close' };

export interface RelayLinkDeliver {
  readonly type: 'link_deliver';
  readonly link: Bytes;
  readonly side: RelayLinkSide;
  readonly seq: number;
  readonly data: Bytes;
}

export const RELAY_LINK_REQUEST_TYPES = ['link_open', 'link_send', 'link_listen', 'link_close'] as const;
/** Keys the link frames add to the relay frames' key sets. */
export const RELAY_LINK_REQUEST_KEYS = ['link', 'to', 'side', 'after', 'data'] as const;
export const RELAY_LINK_SERVER_KEYS = ['link', 'side', 'seq', 'data', 'expires'] as const;

const HEAD = ['v', 't', 'id'];
const DATA = { min: 1, max: LINK_MAX_CHUNK_MESSAGE_SIZE } as const;

/** The request's own fields, in the spec's order, after `v`, `t`, `id`. */
export function linkRequestFields(r: RelayLinkRequest): Record<string, unknown> {
  switch (r.type) {
    case 'link_open': case 'link_close': return { link: r.link };
    case 'link_send': return { link: r.link, to: r.to, data: r.data };
    case 'link_listen': return { link: r.link, side: r.side, ...(r.after !== undefined ? { after: r.after } : {}) };
  }
}

function readSide(map: WireMap, what: string, field: string): RelayLinkSide {
  const side = readString(map, what, field, 1);
  if (side !== 'n' && side !== 'e') fail('MALFORMED', `${what}: ${field} must be "n" or "e"`, { what, field });
  return side;
}

/** A message: over LINK_MAX_CHUNK_MESSAGE_SIZE is OVERSIZE (the relay answers TOO_LARGE), as for an envelope. */
function readMessage(map: WireMap, what: string): Bytes {
  const value = map['data'];
  if (value instanceof Uint8Array && value.length > DATA.max) fail('OVERSIZE', `${what}: data exceeds ${DATA.max} bytes`, { what, got: value.length, max: DATA.max });
  return readBytes(map, what, 'data', DATA);
}

export function readLinkRequest(value: unknown, what: string, t: RelayLinkRequest['type'], id: number): RelayLinkRequest {
  switch (t) {
    case 'link_open': case 'link_close': {
      const m = readMap(value, what, [...HEAD, 'link']);
      return { type: t, id, link: readBytes(m, what, 'link', LINK_ID_LENGTH) };
    }
    case 'link_send': {
      const m = readMap(value, what, [...HEAD, 'link', 'to', 'data']);
      return { type: t, id, link: readBytes(m, what, 'link', LINK_ID_LENGTH), to: readSide(m, what, 'to'), data: readMessage(m, what) };
    }
    case 'link_listen': {
      const m = readMap(value, what, [...HEAD, 'link', 'side'], ['after']);
      const after = readOptional(m, 'after', () => readUint(m, what, 'after'));
      return { type: t, id, link: readBytes(m, what, 'link', LINK_ID_LENGTH), side: readSide(m, what, 'side'), ...(after !== undefined ? { after } : {}) };
    }
  }
}

export function readLinkResult(value: unknown, what: string, re: RelayLinkResult['re']): RelayLinkResult {
  const ok = [...HEAD, 're'];
  switch (re) {
    case 'link_open': case 'link_listen': return { re, expires: readUint(readMap(value, what, [...ok, 'expires']), what, 'expires') };
    case 'link_send': return { re, seq: readUint(readMap(value, what, [...ok, 'seq']), what, 'seq') };
    case 'link_close':
      readMap(value, what, ok);
      return { re };
  }
}

export function encodeLinkDeliverFields(f: RelayLinkDeliver): Record<string, unknown> {
  return { link: f.link, side: f.side, seq: f.seq, data: f.data };
}

export function readLinkDeliver(value: unknown, what: string): RelayLinkDeliver {
  const m = readMap(value, what, [...HEAD, 'link', 'side', 'seq', 'data']);
  return {
    type: 'link_deliver', link: readBytes(m, what, 'link', LINK_ID_LENGTH), side: readSide(m, what, 'side'),
    seq: readUint(m, what, 'seq'), data: readBytes(m, what, 'data', DATA),
  };
}

export const isLinkRequestType = (t: string): t is RelayLinkRequest['type'] => (RELAY_LINK_REQUEST_TYPES as readonly string[]).includes(t);
