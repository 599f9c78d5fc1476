/**
 * Sticker packs (client.md §2.5): each image is uploaded as a file, then the
 * manifest (title, emoji and image files) is uploaded as one more; a `sticker`
 * content names the manifest's file and an index. Receivers fetch a pack's
 * manifest and images once and keep them in a bounded cache, so a sticker
 * seen again costs no transfer.
 */
import type { Bytes } from '../../crypto/index.js';
import type { ContentBody } from '../../wire/client/content.js';
import type { FileRef } from '../../wire/client/file-ref.js';
import {
  decodeStickerPack, encodeStickerPack, MAX_STICKER_PACK_SIZE, MAX_STICKERS_PER_PACK, STICKER_PACK_MIME, type StickerPack,
} from '../../wire/client/sticker-pack.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import { downloadBytes } from './download.js';
import { sourceSize, type FileSource } from './source.js';
import type { TransferOptions } from './transfer.js';
import { uploadFile } from './upload.js';

/** Largest sticker image, sent or accepted. */
export const MAX_STICKER_IMAGE_SIZE = 1024 * 1024;
/** Packs and images the cache keeps (least recently used dropped first). */
const CACHED_PACKS = 32;
const CACHED_IMAGES = 256;

export interface StickerInput {
  readonly emoji: string;
  readonly data: FileSource;
  /** Media type of the image, e.g. image/webp. */
  readonly type: string;
  readonly size?: number;
}

/** A pack as its owner sends from it. */
export interface StickerPackRef {
  readonly pack: FileRef;
  readonly title: string;
  readonly count: number;
}

export interface StickerImage {
  readonly emoji: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
}

type StickerBody = Extract<ContentBody, { type: 'sticker' }>;

const PLACEHOLDER: FileRef = { id: new Uint8Array(16), key: new Uint8Array(32), digest: new Uint8Array(32), size: 1, chunk: 65536, mime: STICKER_PACK_MIME };

export async function createStickerPack(ctx: ClientContext, title: string, inputs: readonly StickerInput[], options: TransferOptions = {}): Promise<StickerPackRef> {
  if (inputs.length === 0 || inputs.length > MAX_STICKERS_PER_PACK) throw new ClientError('INVALID_ARGUMENT', `a pack has 1..${MAX_STICKERS_PER_PACK} stickers`);
  const sizes = inputs.map((s) => sourceSize(s.data, s.size));
  if (sizes.some((n) => n > MAX_STICKER_IMAGE_SIZE)) throw new ClientError('INVALID_ARGUMENT', 'sticker image too large', { max: MAX_STICKER_IMAGE_SIZE });
  manifest(title, inputs.map((s) => ({ emoji: s.emoji, file: { ...PLACEHOLDER, mime: s.type } }))); // refuses bad titles, emoji, types before any upload
  const stickers = [];
  for (const [i, s] of inputs.entries()) stickers.push({ emoji: s.emoji, file: { ...(await uploadFile(ctx, s.data, sizes[i] as number, options)), mime: s.type } });
  const bytes = manifest(title, stickers);
  const file = await uploadFile(ctx, bytes, bytes.length, options);
  return { pack: { ...file, mime: STICKER_PACK_MIME }, title, count: stickers.length };
}

function manifest(title: string, stickers: StickerPack['stickers']): Bytes {
  try {
    return encodeStickerPack({ title, stickers });
  } catch (e) {
    throw new ClientError('INVALID_ARGUMENT', `invalid sticker pack: ${(e as Error).message}`);
  }
}

/** Manifests and images by blob id, least recently used dropped first. */
export class StickerCache {
  readonly #packs = new Map<string, Promise<StickerPack>>();
  readonly #images = new Map<string, Promise<Uint8Array>>();

  async image(ctx: ClientContext, body: StickerBody, options: TransferOptions = {}): Promise<StickerImage> {
    const pack = await this.pack(ctx, body.pack, options);
    const sticker = pack.stickers[body.sticker];
    if (sticker === undefined) throw new ClientError('INVALID_ARGUMENT', 'no such sticker in the pack', { got: body.sticker, max: pack.stickers.length - 1 });
    if (sticker.file.size > MAX_STICKER_IMAGE_SIZE) throw new ClientError('INVALID_ARGUMENT', 'sticker image too large', { max: MAX_STICKER_IMAGE_SIZE });
    const bytes = await cached(this.#images, CACHED_IMAGES, sticker.file, () => downloadBytes(ctx, { type: 'attachment', ...sticker.file }, options));
    return { emoji: sticker.emoji, mime: sticker.file.mime, bytes: bytes.slice() };
  }

  pack(ctx: ClientContext, ref: FileRef, options: TransferOptions = {}): Promise<StickerPack> {
    if (ref.size > MAX_STICKER_PACK_SIZE) return Promise.reject(new ClientError('INVALID_ARGUMENT', 'sticker pack manifest too large', { max: MAX_STICKER_PACK_SIZE }));
    return cached(this.#packs, CACHED_PACKS, ref, async () => decodeStickerPack(await downloadBytes(ctx, { type: 'attachment', ...ref }, options)));
  }
}

/** One fetch per blob id; a failed fetch is forgotten so that a later call tries again. */
function cached<T>(map: Map<string, Promise<T>>, max: number, ref: FileRef, fetch: () => Promise<T>): Promise<T> {
  const key = Array.from(ref.id, (b) => b.toString(16).padStart(2, '0')).join('') + Array.from(ref.digest.subarray(0, 8), (b) => b.toString(16)).join('');
  let entry = map.get(key);
  if (entry !== undefined) map.delete(key); // re-inserted below: most recently used last
  else {
    entry = fetch();
    entry.catch(() => map.delete(key));
  }
  map.set(key, entry);
  while (map.size > max) map.delete(map.keys().next().value as string);
  return entry;
}
