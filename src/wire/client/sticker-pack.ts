/**
 * A sticker pack's manifest (client.md §2.5): a title and a list of stickers,
 * each an emoji and the file of its image. The manifest is itself uploaded as
 * a file; a `sticker` content names the manifest's file and an index.
 *
 *   { v: uint, title: str, stickers: [ { emoji: str, file: { id, key, digest, size, chunk, mime } } ] }
 */
import type { Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { decodeMsgpack, encodeMsgpack, readArray, readMap, readString, readVersion } from '../codec.js';
import { FILE_REF_KEYS, fileRefFields, readFileRef, type FileRef } from './file-ref.js';

export const STICKER_PACK_VERSION = 1;
export const MAX_STICKERS_PER_PACK = 200;
/** Largest encoded manifest: 200 stickers of about 170 bytes each, with room. */
export const MAX_STICKER_PACK_SIZE = 64 * 1024;
/** The media type of a manifest's file. */
export const STICKER_PACK_MIME = 'application/vnd.parley.sticker-pack';

export interface Sticker {
  readonly emoji: string;
  readonly file: FileRef;
}

export interface StickerPack {
  readonly title: string;
  readonly stickers: readonly Sticker[];
}

const WHAT = 'sticker pack';

export function encodeStickerPack(p: StickerPack): Bytes {
  const bytes = encodeMsgpack({ v: STICKER_PACK_VERSION, title: p.title, stickers: p.stickers.map((s) => ({ emoji: s.emoji, file: fileRefFields(s.file) })) });
  decodeStickerPack(bytes); // one rule set for both directions
  return bytes;
}

export function decodeStickerPack(bytes: Bytes): StickerPack {
  const m = readMap(decodeMsgpack(bytes, MAX_STICKER_PACK_SIZE, WHAT), WHAT, ['v', 'title', 'stickers']);
  readVersion(m, WHAT, [STICKER_PACK_VERSION]);
  const title = readString(m, WHAT, 'title', 64);
  const stickers = readArray(m, WHAT, 'stickers', MAX_STICKERS_PER_PACK).map((value) => {
    const s = readMap(value, WHAT, ['emoji', 'file']);
    const emoji = readString(s, WHAT, 'emoji', 32);
    return { emoji, file: readFileRef(readMap(s['file'], WHAT, [...FILE_REF_KEYS]), WHAT) };
  });
  if (title.length === 0 || stickers.length === 0 || stickers.some((s) => s.emoji.length === 0)) fail('MALFORMED', `${WHAT}: empty title, emoji or list`, { what: WHAT });
  return { title, stickers };
}
