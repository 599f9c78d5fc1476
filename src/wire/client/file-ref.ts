/**
 * The file fields of a pointer (protocol.md §11.1, bounds §11.5): where a blob
 * is and how to open it. Shared by the `attachment` and `sticker` content
 * (client.md §2) and the sticker pack manifest (client.md §2.5).
 */
import type { Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { readBytes, readString, readUint, type WireMap } from '../codec.js';
import { FILE_DIGEST_LENGTH, FILE_KEY_LENGTH, FILE_MAX_CHUNK_SIZE, FILE_MAX_SIZE, FILE_MIN_CHUNK_SIZE } from '../file-bounds.js';

export interface FileRef {
  readonly id: Bytes;
  readonly key: Bytes;
  readonly digest: Bytes;
  readonly size: number;
  readonly chunk: number;
  readonly mime: string;
}

/** The keys of a FileRef, in encoding order. */
export const FILE_REF_KEYS = ['id', 'key', 'digest', 'size', 'chunk', 'mime'] as const;

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

export function fileRefFields(f: FileRef): Record<string, unknown> {
  return { id: f.id, key: f.key, digest: f.digest, size: f.size, chunk: f.chunk, mime: f.mime };
}

/** Reads the FileRef keys of an already-read map (its other keys are the caller's). */
export function readFileRef(m: WireMap, w: string): FileRef {
  const mime = readString(m, w, 'mime', 128);
  if (!MIME.test(mime)) fail('MALFORMED', `${w}: mime is not type/subtype`, { what: w });
  const chunk = readUint(m, w, 'chunk', FILE_MAX_CHUNK_SIZE);
  if (chunk < FILE_MIN_CHUNK_SIZE) fail('MALFORMED', `${w}: chunk size below ${FILE_MIN_CHUNK_SIZE}`, { what: w, field: 'chunk' });
  return {
    id: readBytes(m, w, 'id', { min: 16, max: 64 }), key: readBytes(m, w, 'key', FILE_KEY_LENGTH),
    digest: readBytes(m, w, 'digest', FILE_DIGEST_LENGTH), size: readUint(m, w, 'size', FILE_MAX_SIZE), chunk, mime,
  };
}
