/**
 * App content (spec/client.md §2): what an app sends and receives, in one
 * versioned, strictly validated msgpack schema.
 *
 *   { v: uint, id: bin(16), ts: uint, t: str, b: map }
 *
 * `id` is 16 random bytes chosen by the sender (the deduplication key), `ts`
 * the sender's clock in milliseconds, `t` the type and `b` its body. Decoding
 * throws only ProtocolError (MALFORMED, OVERSIZE, UNSUPPORTED_VERSION).
 */
import type { Bytes, RandomSource } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import {
  checkBytes, decodeMsgpack, encodeMsgpack, readArray, readBoolean, readBytes, readMap, readOptional, readString, readUint,
  readVersion, type WireMap,
} from '../codec.js';
import {
  CONTENT_VERSION, MAX_CONTENT_SIZE, MAX_CUSTOM_PAYLOAD, MAX_RECEIPT_IDS, MAX_TEXT_LENGTH, MESSAGE_ID_LENGTH,
} from '../../constants.js';
import { FILE_MAX_PREVIEW_SIZE } from '../file-bounds.js';
import { FILE_REF_KEYS, fileRefFields, readFileRef, type FileRef } from './file-ref.js';

export type ContentBody =
  | { readonly type: 'text'; readonly text: string; readonly replyTo?: Bytes; readonly quote?: string }
  | { readonly type: 'reaction'; readonly target: Bytes; readonly emoji: string; readonly remove: boolean }
  | { readonly type: 'receipt'; readonly receipt: 'delivered' | 'read'; readonly ids: readonly Bytes[] }
  | { readonly type: 'typing'; readonly active: boolean }
  | { readonly type: 'sticker'; readonly pack: FileRef; readonly sticker: number }
  | {
      readonly type: 'attachment'; readonly id: Bytes; readonly key: Bytes; readonly digest: Bytes; readonly size: number;
      readonly chunk: number; readonly mime: string; readonly name?: string; readonly caption?: string; readonly preview?: Bytes;
    }
  | { readonly type: 'custom'; readonly custom: string; readonly payload: Bytes };

export type ContentType = ContentBody['type'];

export interface Content {
  /** 16 random bytes: the message id, unique per sender. */
  readonly id: Bytes;
  /** Sender's clock, milliseconds since the Unix epoch. */
  readonly timestamp: number;
  readonly body: ContentBody;
}

/** Content types that are never stored or receipted (client.md §2.3). */
export function isEphemeral(body: ContentBody): boolean {
  return body.type === 'typing' || body.type === 'receipt';
}

/** A new content with a fresh id. */
export function newContent(body: ContentBody, random: RandomSource, now: number = Date.now()): Content {
  return { id: random(MESSAGE_ID_LENGTH), timestamp: Math.floor(now), body };
}

const WHAT = 'content';
/** `namespace/name`: a reverse-DNS or domain namespace, a slash, a name (client.md §2.2). */
const CUSTOM_TYPE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+\/[a-z0-9][a-z0-9._-]{0,63}$/;

export function encodeContent(c: Content): Bytes {
  // Validate by decoding what we would send: one rule set for both directions.
  const bytes = encodeMsgpack({ v: CONTENT_VERSION, id: c.id, ts: c.timestamp, t: c.body.type, b: encodeBody(c.body) });
  decodeContent(bytes);
  return bytes;
}

function encodeBody(b: ContentBody): Record<string, unknown> {
  switch (b.type) {
    case 'text': {
      const out: Record<string, unknown> = { text: b.text };
      if (b.replyTo !== undefined) out['replyTo'] = b.replyTo;
      if (b.quote !== undefined) out['quote'] = b.quote;
      return out;
    }
    case 'reaction': return { target: b.target, emoji: b.emoji, remove: b.remove };
    case 'receipt': return { receipt: b.receipt, ids: [...b.ids] };
    case 'typing': return { active: b.active };
    case 'sticker': return { pack: fileRefFields(b.pack), sticker: b.sticker };
    case 'attachment': {
      const out: Record<string, unknown> = fileRefFields(b);
      if (b.name !== undefined) out['name'] = b.name;
      if (b.caption !== undefined) out['caption'] = b.caption;
      if (b.preview !== undefined) out['preview'] = b.preview;
      return out;
    }
    case 'custom': return { custom: b.custom, payload: b.payload };
    default: return fail('MALFORMED', `${WHAT}: unknown type`, { what: WHAT });
  }
}

export function decodeContent(bytes: Bytes): Content {
  const map = readMap(decodeMsgpack(bytes, MAX_CONTENT_SIZE, WHAT), WHAT, ['v', 'id', 'ts', 't', 'b']);
  readVersion(map, WHAT, [CONTENT_VERSION]);
  const id = readBytes(map, WHAT, 'id', MESSAGE_ID_LENGTH);
  const timestamp = readUint(map, WHAT, 'ts');
  const type = readString(map, WHAT, 't', 16);
  return { id, timestamp, body: decodeBody(type, map['b']) };
}

function decodeBody(type: string, value: unknown): ContentBody {
  const w = `${WHAT} ${type}`;
  switch (type) {
    case 'text': {
      const m = readMap(value, w, ['text'], ['replyTo', 'quote']);
      const replyTo = readOptional(m, 'replyTo', () => readBytes(m, w, 'replyTo', MESSAGE_ID_LENGTH));
      const quote = readOptional(m, 'quote', () => readString(m, w, 'quote', MAX_TEXT_LENGTH));
      if (quote !== undefined && replyTo === undefined) fail('MALFORMED', `${w}: a quote needs replyTo`, { what: w });
      return { type, text: readString(m, w, 'text', MAX_TEXT_LENGTH), ...(replyTo !== undefined && { replyTo }), ...(quote !== undefined && { quote }) };
    }
    case 'reaction': {
      const m = readMap(value, w, ['target', 'emoji', 'remove']);
      return { type, target: readBytes(m, w, 'target', MESSAGE_ID_LENGTH), emoji: nonEmpty(m, w, 'emoji', 32), remove: readBoolean(m, w, 'remove') };
    }
    case 'receipt': {
      const m = readMap(value, w, ['receipt', 'ids']);
      const receipt = readString(m, w, 'receipt', 16);
      if (receipt !== 'delivered' && receipt !== 'read') fail('MALFORMED', `${w}: unknown receipt kind`, { what: w });
      const ids = readArray(m, w, 'ids', MAX_RECEIPT_IDS).map((id) => checkBytes(id, w, 'ids', MESSAGE_ID_LENGTH));
      if (ids.length === 0) fail('MALFORMED', `${w}: no ids`, { what: w });
      return { type, receipt, ids };
    }
    case 'typing': {
      const m = readMap(value, w, ['active']);
      return { type, active: readBoolean(m, w, 'active') };
    }
    case 'sticker': {
      // The pack is its manifest's file (client.md §2.5); `sticker` indexes the manifest's list.
      const m = readMap(value, w, ['pack', 'sticker']);
      const pack = readFileRef(readMap(m['pack'], w, [...FILE_REF_KEYS]), w);
      return { type, pack, sticker: readUint(m, w, 'sticker', 0xffff) };
    }
    case 'attachment': return decodeAttachment(value, w);
    case 'custom': {
      const m = readMap(value, w, ['custom', 'payload']);
      const custom = readString(m, w, 'custom', 128);
      if (!CUSTOM_TYPE.test(custom)) fail('MALFORMED', `${w}: custom type is not namespace/name`, { what: w });
      return { type, custom, payload: readBytes(m, w, 'payload', { min: 0, max: MAX_CUSTOM_PAYLOAD }) };
    }
    default: return fail('MALFORMED', `${WHAT}: unknown type`, { what: WHAT });
  }
}

/** The file pointer of protocol.md §11.1 (bounds §11.5). */
function decodeAttachment(value: unknown, w: string): ContentBody {
  const m = readMap(value, w, [...FILE_REF_KEYS], ['name', 'caption', 'preview']);
  const file = readFileRef(m, w);
  const name = readOptional(m, 'name', () => nonEmpty(m, w, 'name', 255));
  const caption = readOptional(m, 'caption', () => readString(m, w, 'caption', 4096));
  const preview = readOptional(m, 'preview', () => readBytes(m, w, 'preview', { min: 1, max: FILE_MAX_PREVIEW_SIZE }));
  return {
    type: 'attachment', ...file,
    ...(name !== undefined && { name }), ...(caption !== undefined && { caption }), ...(preview !== undefined && { preview }),
  };
}

function nonEmpty(m: WireMap, what: string, field: string, max: number): string {
  const s = readString(m, what, field, max);
  if (s.length === 0) fail('MALFORMED', `${what}: ${field} is empty`, { what, field });
  return s;
}
