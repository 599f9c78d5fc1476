/**
 * Relay frames (spec/relay.md §2): every message on a relay WebSocket, both
 * directions, as strict msgpack maps `{ v, t, id, ...fields }` in that order.
 * Shared by the relay (relay/) and the client's relay connection.
 *
 * Requests (client → relay) carry a request id 1..2^32-1 and get exactly one
 * `ok` (with `re` = the request type and its result fields) or `error` with the
 * same id. Pushes (relay → client: challenge, deliver, ephemeral, prekeys_low)
 * carry id 0; so does an error answering a frame whose id could not be read.
 */
import {
  ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, type Bytes,
} from '../crypto/index.js';
import {
  MAX_DEVICE_LIST_SIZE, RELAY_FRAME_VERSION, RELAY_ID_LENGTH, RELAY_MAILBOX_ID_LENGTH, RELAY_MAX_ACK_IDS, RELAY_MAX_ENVELOPE_SIZE,
  RELAY_MAX_EPHEMERAL_SIZE, RELAY_MAX_FANOUT, RELAY_MAX_FRAME_SIZE, RELAY_MAX_PREKEY_SIZE, RELAY_MAX_PUBLISH_KEM,
  RELAY_MAX_PUBLISH_ONE_TIME, RELAY_NONCE_LENGTH, RELAY_TOKEN_MAX_LENGTH, RELAY_TOKEN_MIN_LENGTH,
} from '../constants.js';
import { fail } from '../errors.js';
import {
  checkBytes, checkUint, decodeMsgpack, encodeMsgpack, readArray, readBoolean, readBytes, readMap, readOptional,
  readString, readUint, readVersion, type DecodeLimits, type WireMap,
} from './codec.js';
import {
  encodeLinkDeliverFields, isLinkRequestType, linkRequestFields, readLinkDeliver, readLinkRequest, readLinkResult, RELAY_LINK_REQUEST_KEYS,
  RELAY_LINK_REQUEST_TYPES, RELAY_LINK_SERVER_KEYS, type RelayLinkDeliver, type RelayLinkRequest, type RelayLinkResult,
} from './relay-link-frames.js';

/** The error codes a relay puts on the wire (spec/relay.md §6). Clients must tolerate unknown codes. */
export const RELAY_ERROR_CODES = [
  'BAD_FRAME', 'UNSUPPORTED_VERSION', 'AUTH_REQUIRED', 'ALREADY_AUTHENTICATED', 'AUTH_FAILED', 'TOKEN_REFUSED',
  'NO_PREKEYS', 'BAD_PREKEY', 'TOO_MANY_PREKEYS', 'TOO_MANY_TOKENS', 'MAILBOX_FULL', 'STORAGE_FULL', 'TOO_LARGE',
  'RATE_LIMITED', 'SHUTTING_DOWN', 'UNAVAILABLE', 'INTERNAL', 'QUOTA_EXCEEDED',
  'BAD_DEVICE_LIST', 'NOT_A_DEVICE', 'STALE_EPOCH', 'EPOCH_FORK', 'FUTURE_EPOCH', 'NO_DEVICE_LIST',
  'NO_LINK', 'LINK_EXISTS', 'LINK_FULL',
] as const;
export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number];

export const MAX_REQUEST_ID = 0xffffffff;
/** Longest error code string a decoder accepts. */
const MAX_CODE_LENGTH = 64;
const MAX_TTL_SECONDS = 0xffffffff;
/** Blob ids and upload grants (spec/relay.md §12.1). */
export const RELAY_BLOB_ID_LENGTH = 16;
export const RELAY_BLOB_GRANT_LENGTH = 32;
/** Largest blob size a grant request may name (the relay's own limit is usually lower): 2^40 + tags. */
const MAX_BLOB_REQUEST_SIZE = 2 ** 41;
/**
 * Device lists the relay keeps per account, and the most one `device_list_fetch` answers
 * (spec/relay.md §13): a peer at most this many versions behind catches up in one fetch.
 */
export const RELAY_DEVICE_LIST_HISTORY = 16;

export interface RelayRecipientRef {
  readonly mailbox: Bytes;
  readonly token: Bytes;
}

export type RelayRequest =
  | { readonly type: 'auth'; readonly id: number; readonly identityKey: Bytes; readonly signature: Bytes }
  | {
    readonly type: 'publish'; readonly id: number; readonly signedPreKey?: Bytes; readonly kemPreKey?: Bytes;
    readonly oneTime: readonly Bytes[]; readonly kemOneTime: readonly Bytes[];
  }
  | { readonly type: 'counts'; readonly id: number }
  | { readonly type: 'bundle'; readonly id: number; readonly mailbox: Bytes; readonly token: Bytes }
  | { readonly type: 'token_add'; readonly id: number; readonly token: Bytes; readonly replaces?: Bytes }
  | { readonly type: 'token_revoke'; readonly id: number; readonly token: Bytes }
  | { readonly type: 'send'; readonly id: number; readonly mailbox: Bytes; readonly token: Bytes; readonly data: Bytes; readonly ttl?: number }
  | { readonly type: 'fanout'; readonly id: number; readonly to: readonly RelayRecipientRef[]; readonly data: Bytes; readonly ttl?: number }
  | { readonly type: 'ephemeral'; readonly id: number; readonly mailbox: Bytes; readonly token: Bytes; readonly data: Bytes }
  | { readonly type: 'ack'; readonly id: number; readonly ids: readonly number[] }
  | { readonly type: 'blob_grant'; readonly id: number; readonly size: number }
  | { readonly type: 'device_list_publish'; readonly id: number; readonly list: Bytes }
  | { readonly type: 'device_list_fetch'; readonly id: number; readonly account: Bytes; readonly since?: number }
  | RelayLinkRequest;

export type RelayRequestType = RelayRequest['type'];
export const RELAY_REQUEST_TYPES: readonly RelayRequestType[] = [
  'auth', 'publish', 'counts', 'bundle', 'token_add', 'token_revoke', 'send', 'fanout', 'ephemeral', 'ack', 'blob_grant',
  'device_list_publish', 'device_list_fetch', ...RELAY_LINK_REQUEST_TYPES,
];

/** `ok` results, keyed by the request type they answer (`re`). "ok" in a fanout result means stored. */
export type RelayResult =
  | { readonly re: 'auth'; readonly mailbox: Bytes }
  | { readonly re: 'publish' | 'counts'; readonly oneTime: number; readonly kem: number }
  | { readonly re: 'bundle'; readonly bundle: Bytes }
  | { readonly re: 'token_add' | 'token_revoke' | 'send' | 'ack' }
  | { readonly re: 'fanout'; readonly results: readonly string[] }
  | { readonly re: 'ephemeral'; readonly delivered: boolean }
  | { readonly re: 'blob_grant'; readonly blob: Bytes; readonly grant: Bytes; readonly expires: number }
  | { readonly re: 'device_list_publish'; readonly version: number }
  | { readonly re: 'device_list_fetch'; readonly lists: readonly Bytes[] }
  | RelayLinkResult;

export type RelayServerFrame =
  | { readonly type: 'challenge'; readonly relayId: Bytes; readonly nonce: Bytes }
  | { readonly type: 'ok'; readonly id: number; readonly result: RelayResult }
  | { readonly type: 'error'; readonly id: number; readonly code: string; readonly retryAfter?: number }
  | { readonly type: 'deliver'; readonly eid: number; readonly data: Bytes }
  | { readonly type: 'ephemeral'; readonly data: Bytes }
  | { readonly type: 'prekeys_low'; readonly oneTime: number; readonly kem: number }
  | RelayLinkDeliver;

const REQUEST = 'relay request';
const SERVER = 'relay frame';
const TOKEN = { min: RELAY_TOKEN_MIN_LENGTH, max: RELAY_TOKEN_MAX_LENGTH } as const;
const ENVELOPE = { min: 1, max: RELAY_MAX_ENVELOPE_SIZE } as const;
const PREKEY = { min: 1, max: RELAY_MAX_PREKEY_SIZE } as const;
/** A signed device list (protocol.md §12.2), opaque to the frame codec. */
const DEVICE_LIST = { min: 1, max: MAX_DEVICE_LIST_SIZE } as const;

function head(t: string, id: number): Record<string, unknown> {
  return { v: RELAY_FRAME_VERSION, t, id };
}

// ── requests ────────────────────────────────────────────────────────────────

export function encodeRelayRequest(r: RelayRequest): Bytes {
  const m = head(r.type, r.id);
  switch (r.type) {
    case 'auth': m['identityKey'] = r.identityKey; m['signature'] = r.signature; break;
    case 'publish':
      if (r.signedPreKey !== undefined) m['signedPreKey'] = r.signedPreKey;
      if (r.kemPreKey !== undefined) m['kemPreKey'] = r.kemPreKey;
      m['oneTime'] = r.oneTime; m['kemOneTime'] = r.kemOneTime; break;
    case 'counts': break;
    case 'bundle': m['mailbox'] = r.mailbox; m['token'] = r.token; break;
    case 'token_add': m['token'] = r.token; if (r.replaces !== undefined) m['replaces'] = r.replaces; break;
    case 'token_revoke': m['token'] = r.token; break;
    case 'send':
      m['mailbox'] = r.mailbox; m['token'] = r.token; m['data'] = r.data;
      if (r.ttl !== undefined) m['ttl'] = r.ttl; break;
    case 'fanout':
      m['to'] = r.to.map((x) => ({ mailbox: x.mailbox, token: x.token })); m['data'] = r.data;
      if (r.ttl !== undefined) m['ttl'] = r.ttl; break;
    case 'ephemeral': m['mailbox'] = r.mailbox; m['token'] = r.token; m['data'] = r.data; break;
    case 'ack': m['ids'] = r.ids; break;
    case 'blob_grant': m['size'] = r.size; break;
    case 'device_list_publish': m['list'] = r.list; break;
    case 'device_list_fetch': m['account'] = r.account; if (r.since !== undefined) m['since'] = r.since; break;
    default: Object.assign(m, linkRequestFields(r));
  }
  return encodeMsgpack(m);
}

/**
 * The request id of a decoded msgpack value if it has a readable one, else 0:
 * lets the relay answer a malformed request under its own id.
 */
export function relayFrameId(value: unknown): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return 0;
  const id = (value as Record<string, unknown>)['id'];
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 && id <= MAX_REQUEST_ID ? id : 0;
}

/** An opaque payload: over `max` is OVERSIZE (the relay answers TOO_LARGE), empty or not bytes is MALFORMED. */
function readData(map: WireMap, what: string, max: number, field = 'data'): Bytes {
  const value = map[field];
  if (value instanceof Uint8Array && value.length > max) fail('OVERSIZE', `${what}: ${field} exceeds ${max} bytes`, { what, got: value.length, max });
  return readBytes(map, what, field, { min: 1, max });
}

function readTtl(map: WireMap): number | undefined {
  return readOptional(map, 'ttl', () => {
    const ttl = readUint(map, REQUEST, 'ttl', MAX_TTL_SECONDS);
    if (ttl < 1) fail('MALFORMED', `${REQUEST}: ttl must be at least 1`, { what: REQUEST, field: 'ttl' });
    return ttl;
  });
}

function readBinList(map: WireMap, field: string, max: number): Bytes[] {
  return readArray(map, REQUEST, field, max).map((x) => checkBytes(x, REQUEST, field, PREKEY));
}

function readRecipient(value: unknown): RelayRecipientRef {
  const m = readMap(value, REQUEST, ['mailbox', 'token']);
  return { mailbox: readBytes(m, REQUEST, 'mailbox', RELAY_MAILBOX_ID_LENGTH), token: readBytes(m, REQUEST, 'token', TOKEN) };
}

const COMMON = ['v', 't', 'id'];
const fields = (...names: string[]): string[] => [...COMMON, ...names];

/** Reads a request from an already-decoded msgpack value (the relay decodes once, to report the id). */
export function readRelayRequest(value: unknown): RelayRequest {
  const pre = readMap(value, REQUEST, COMMON, ['identityKey', 'signature', 'signedPreKey', 'kemPreKey', 'oneTime',
    'kemOneTime', 'mailbox', 'token', 'replaces', 'data', 'ttl', 'to', 'ids', 'size', 'list', 'account', 'since', ...RELAY_LINK_REQUEST_KEYS]);
  readVersion(pre, REQUEST, [RELAY_FRAME_VERSION]);
  const t = readString(pre, REQUEST, 't', 32);
  const id = readUint(pre, REQUEST, 'id', MAX_REQUEST_ID);
  if (id < 1) fail('MALFORMED', `${REQUEST}: id must be at least 1`, { what: REQUEST, field: 'id' });
  switch (t) {
    case 'auth': {
      const m = readMap(value, REQUEST, fields('identityKey', 'signature'));
      return { type: t, id, identityKey: readBytes(m, REQUEST, 'identityKey', ED25519_PUBLIC_KEY_LENGTH), signature: readBytes(m, REQUEST, 'signature', ED25519_SIGNATURE_LENGTH) };
    }
    case 'publish': {
      const m = readMap(value, REQUEST, fields('oneTime', 'kemOneTime'), ['signedPreKey', 'kemPreKey']);
      const signedPreKey = readOptional(m, 'signedPreKey', () => readBytes(m, REQUEST, 'signedPreKey', PREKEY));
      const kemPreKey = readOptional(m, 'kemPreKey', () => readBytes(m, REQUEST, 'kemPreKey', PREKEY));
      return {
        type: t, id, ...(signedPreKey !== undefined ? { signedPreKey } : {}), ...(kemPreKey !== undefined ? { kemPreKey } : {}),
        oneTime: readBinList(m, 'oneTime', RELAY_MAX_PUBLISH_ONE_TIME), kemOneTime: readBinList(m, 'kemOneTime', RELAY_MAX_PUBLISH_KEM),
      };
    }
    case 'counts':
      readMap(value, REQUEST, COMMON);
      return { type: t, id };
    case 'bundle':
    case 'token_revoke':
    case 'token_add':
      return readTokenRequest(value, t, id);
    case 'send': {
      const m = readMap(value, REQUEST, fields('mailbox', 'token', 'data'), ['ttl']);
      const ttl = readTtl(m);
      return {
        type: t, id, mailbox: readBytes(m, REQUEST, 'mailbox', RELAY_MAILBOX_ID_LENGTH), token: readBytes(m, REQUEST, 'token', TOKEN),
        data: readData(m, REQUEST, RELAY_MAX_ENVELOPE_SIZE), ...(ttl !== undefined ? { ttl } : {}),
      };
    }
    case 'fanout': {
      const m = readMap(value, REQUEST, fields('to', 'data'), ['ttl']);
      const to = readArray(m, REQUEST, 'to', RELAY_MAX_FANOUT).map(readRecipient);
      if (to.length === 0) fail('MALFORMED', `${REQUEST}: fanout without recipients`, { what: REQUEST, field: 'to' });
      const ttl = readTtl(m);
      return { type: t, id, to, data: readData(m, REQUEST, RELAY_MAX_ENVELOPE_SIZE), ...(ttl !== undefined ? { ttl } : {}) };
    }
    case 'ephemeral': {
      const m = readMap(value, REQUEST, fields('mailbox', 'token', 'data'));
      return {
        type: t, id, mailbox: readBytes(m, REQUEST, 'mailbox', RELAY_MAILBOX_ID_LENGTH), token: readBytes(m, REQUEST, 'token', TOKEN),
        data: readData(m, REQUEST, RELAY_MAX_EPHEMERAL_SIZE),
      };
    }
    case 'ack': {
      const m = readMap(value, REQUEST, fields('ids'));
      return { type: t, id, ids: readArray(m, REQUEST, 'ids', RELAY_MAX_ACK_IDS).map((x) => checkUint(x, REQUEST, 'ids')) };
    }
    case 'blob_grant': {
      const m = readMap(value, REQUEST, fields('size'));
      const size = readUint(m, REQUEST, 'size', MAX_BLOB_REQUEST_SIZE);
      if (size < 1) fail('MALFORMED', `${REQUEST}: blob size must be at least 1`, { what: REQUEST, field: 'size' });
      return { type: t, id, size };
    }
    case 'device_list_publish': {
      const m = readMap(value, REQUEST, fields('list'));
      return { type: t, id, list: readData(m, REQUEST, MAX_DEVICE_LIST_SIZE, 'list') };
    }
    case 'device_list_fetch': {
      const m = readMap(value, REQUEST, fields('account'), ['since']);
      const since = readOptional(m, 'since', () => readUint(m, REQUEST, 'since'));
      return { type: t, id, account: readBytes(m, REQUEST, 'account', ED25519_PUBLIC_KEY_LENGTH), ...(since !== undefined ? { since } : {}) };
    }
    default:
      if (isLinkRequestType(t)) return readLinkRequest(value, REQUEST, t, id);
      return fail('MALFORMED', `${REQUEST}: unknown type`, { what: REQUEST, field: 't' });
  }
}

function readTokenRequest(value: unknown, t: 'bundle' | 'token_add' | 'token_revoke', id: number): RelayRequest {
  if (t === 'bundle') {
    const m = readMap(value, REQUEST, fields('mailbox', 'token'));
    return { type: t, id, mailbox: readBytes(m, REQUEST, 'mailbox', RELAY_MAILBOX_ID_LENGTH), token: readBytes(m, REQUEST, 'token', TOKEN) };
  }
  if (t === 'token_revoke') {
    const m = readMap(value, REQUEST, fields('token'));
    return { type: t, id, token: readBytes(m, REQUEST, 'token', TOKEN) };
  }
  const m = readMap(value, REQUEST, fields('token'), ['replaces']);
  const replaces = readOptional(m, 'replaces', () => readBytes(m, REQUEST, 'replaces', TOKEN));
  return { type: t, id, token: readBytes(m, REQUEST, 'token', TOKEN), ...(replaces !== undefined ? { replaces } : {}) };
}

/** Slack over the largest legitimate value counts below, so a future optional field does not hit the limit. */
const ITEMS_MARGIN = 64;

/**
 * Decode limits of a request, from the largest legitimate one rather than the
 * frame size: an unauthenticated peer sends these, so a hostile frame is cut
 * off at its first header that no valid request could have.
 *   - depth 3: fanout's `{ to: [{ mailbox, token }] }`;
 *   - arrays: the longest list a request carries (fanout recipients, ack ids; publish lists are shorter);
 *   - maps: 16 entries (a valid request has at most 7 keys);
 *   - values: a full fanout is 1 map + 6 keys + 6 values + RELAY_MAX_FANOUT × (map + 2 keys + 2 values).
 */
export const RELAY_REQUEST_DECODE_LIMITS: DecodeLimits = {
  maxDepth: 3,
  maxArrayLength: Math.max(RELAY_MAX_FANOUT, RELAY_MAX_ACK_IDS, RELAY_MAX_PUBLISH_ONE_TIME, RELAY_MAX_PUBLISH_KEM),
  maxMapLength: 16,
  maxItems: 13 + 5 * RELAY_MAX_FANOUT + ITEMS_MARGIN,
};

/** The msgpack value of a request frame, within RELAY_REQUEST_DECODE_LIMITS; `readRelayRequest` reads it. */
export function decodeRelayRequestValue(bytes: Bytes, maxFrameSize: number = RELAY_MAX_FRAME_SIZE): unknown {
  return decodeMsgpack(bytes, maxFrameSize, REQUEST, RELAY_REQUEST_DECODE_LIMITS);
}

export function decodeRelayRequest(bytes: Bytes, maxSize: number = RELAY_MAX_FRAME_SIZE): RelayRequest {
  return readRelayRequest(decodeRelayRequestValue(bytes, maxSize));
}

// ── relay → client ──────────────────────────────────────────────────────────

export function encodeRelayServerFrame(f: RelayServerFrame): Bytes {
  switch (f.type) {
    case 'challenge': return encodeMsgpack({ ...head(f.type, 0), relayId: f.relayId, nonce: f.nonce });
    case 'ok': return encodeMsgpack({ ...head(f.type, f.id), ...f.result });
    case 'error': {
      const m = { ...head(f.type, f.id), code: f.code };
      return encodeMsgpack(f.retryAfter !== undefined ? { ...m, retryAfter: f.retryAfter } : m);
    }
    case 'deliver': return encodeMsgpack({ ...head(f.type, 0), eid: f.eid, data: f.data });
    case 'ephemeral': return encodeMsgpack({ ...head(f.type, 0), data: f.data });
    case 'prekeys_low': return encodeMsgpack({ ...head(f.type, 0), oneTime: f.oneTime, kem: f.kem });
    case 'link_deliver': return encodeMsgpack({ ...head(f.type, 0), ...encodeLinkDeliverFields(f) });
  }
}

function readResult(value: unknown, pre: WireMap): RelayResult {
  const re = readString(pre, SERVER, 're', 32);
  const ok = ['v', 't', 'id', 're'];
  switch (re) {
    case 'auth': {
      const m = readMap(value, SERVER, [...ok, 'mailbox']);
      return { re, mailbox: readBytes(m, SERVER, 'mailbox', RELAY_MAILBOX_ID_LENGTH) };
    }
    case 'publish':
    case 'counts': {
      const m = readMap(value, SERVER, [...ok, 'oneTime', 'kem']);
      return { re, oneTime: readUint(m, SERVER, 'oneTime'), kem: readUint(m, SERVER, 'kem') };
    }
    case 'bundle': {
      const m = readMap(value, SERVER, [...ok, 'bundle']);
      return { re, bundle: readBytes(m, SERVER, 'bundle', { min: 1, max: RELAY_MAX_FRAME_SIZE }) };
    }
    case 'token_add': case 'token_revoke': case 'send': case 'ack':
      readMap(value, SERVER, ok);
      return { re };
    case 'fanout': {
      const m = readMap(value, SERVER, [...ok, 'results']);
      const results = readArray(m, SERVER, 'results', RELAY_MAX_FANOUT).map((x) => {
        if (typeof x !== 'string' || x.length > MAX_CODE_LENGTH) fail('MALFORMED', `${SERVER}: bad fanout result`, { what: SERVER, field: 'results' });
        return x;
      });
      return { re, results };
    }
    case 'ephemeral': {
      const m = readMap(value, SERVER, [...ok, 'delivered']);
      return { re, delivered: readBoolean(m, SERVER, 'delivered') };
    }
    case 'blob_grant': {
      const m = readMap(value, SERVER, [...ok, 'blob', 'grant', 'expires']);
      return {
        re, blob: readBytes(m, SERVER, 'blob', RELAY_BLOB_ID_LENGTH), grant: readBytes(m, SERVER, 'grant', RELAY_BLOB_GRANT_LENGTH),
        expires: readUint(m, SERVER, 'expires'),
      };
    }
    case 'device_list_publish': {
      const m = readMap(value, SERVER, [...ok, 'version']);
      return { re, version: readUint(m, SERVER, 'version') };
    }
    case 'device_list_fetch': {
      const m = readMap(value, SERVER, [...ok, 'lists']);
      const lists = readArray(m, SERVER, 'lists', RELAY_DEVICE_LIST_HISTORY).map((x) => checkBytes(x, SERVER, 'lists', DEVICE_LIST));
      if (lists.length === 0) fail('MALFORMED', `${SERVER}: no device list`, { what: SERVER, field: 'lists' });
      return { re, lists };
    }
    case 'link_open': case 'link_send': case 'link_listen': case 'link_close':
      return readLinkResult(value, SERVER, re);
    default:
      return fail('MALFORMED', `${SERVER}: unknown result type`, { what: SERVER, field: 're' });
  }
}

/**
 * Decode limits of a relay → client frame (the relay may be hostile), from the largest legitimate one:
 * depth 2 and RELAY_MAX_FANOUT entries for a fanout result's `{ results: [str…] }`, 16 map keys as for
 * requests, and that result's 1 map + 5 keys + 5 values + RELAY_MAX_FANOUT strings as the value count.
 */
export const RELAY_SERVER_FRAME_DECODE_LIMITS: DecodeLimits = {
  maxDepth: 2,
  maxArrayLength: RELAY_MAX_FANOUT,
  maxMapLength: 16,
  maxItems: 11 + RELAY_MAX_FANOUT + ITEMS_MARGIN,
};

export function decodeRelayServerFrame(bytes: Bytes, maxSize: number = RELAY_MAX_FRAME_SIZE): RelayServerFrame {
  const value = decodeMsgpack(bytes, maxSize, SERVER, RELAY_SERVER_FRAME_DECODE_LIMITS);
  const pre = readMap(value, SERVER, COMMON, ['relayId', 'nonce', 're', 'mailbox', 'oneTime', 'kem', 'bundle', 'results',
    'delivered', 'code', 'retryAfter', 'eid', 'data', 'blob', 'grant', 'expires', 'version', 'lists', ...RELAY_LINK_SERVER_KEYS]);
  readVersion(pre, SERVER, [RELAY_FRAME_VERSION]);
  const t = readString(pre, SERVER, 't', 32);
  const id = readUint(pre, SERVER, 'id', MAX_REQUEST_ID);
  const push = (): void => { if (id !== 0) fail('MALFORMED', `${SERVER}: a push carries id 0`, { what: SERVER, field: 'id' }); };
  switch (t) {
    case 'challenge': {
      push();
      const m = readMap(value, SERVER, fields('relayId', 'nonce'));
      return { type: t, relayId: readBytes(m, SERVER, 'relayId', RELAY_ID_LENGTH), nonce: readBytes(m, SERVER, 'nonce', RELAY_NONCE_LENGTH) };
    }
    case 'ok': return { type: t, id, result: readResult(value, pre) };
    case 'error': {
      const m = readMap(value, SERVER, fields('code'), ['retryAfter']);
      const retryAfter = readOptional(m, 'retryAfter', () => readUint(m, SERVER, 'retryAfter'));
      return { type: t, id, code: readString(m, SERVER, 'code', MAX_CODE_LENGTH), ...(retryAfter !== undefined ? { retryAfter } : {}) };
    }
    case 'deliver': {
      push();
      const m = readMap(value, SERVER, fields('eid', 'data'));
      return { type: t, eid: readUint(m, SERVER, 'eid'), data: readBytes(m, SERVER, 'data', ENVELOPE) };
    }
    case 'ephemeral': {
      push();
      const m = readMap(value, SERVER, fields('data'));
      return { type: t, data: readBytes(m, SERVER, 'data', { min: 1, max: RELAY_MAX_EPHEMERAL_SIZE }) };
    }
    case 'prekeys_low': {
      push();
      const m = readMap(value, SERVER, fields('oneTime', 'kem'));
      return { type: t, oneTime: readUint(m, SERVER, 'oneTime'), kem: readUint(m, SERVER, 'kem') };
    }
    case 'link_deliver':
      push();
      return readLinkDeliver(value, SERVER);
    default:
      return fail('MALFORMED', `${SERVER}: unknown type`, { what: SERVER, field: 't' });
  }
}
