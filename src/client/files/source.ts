/**
 * What sendFile accepts as a file, read as a stream of byte arrays in order:
 * a Uint8Array, a Blob/File, a web ReadableStream, or any AsyncIterable of
 * Uint8Array (a Node Readable is one). Nothing is read ahead: the uploader
 * pulls a piece only when it has room for it.
 */
import { FILE_CHUNK_SIZE } from '../../file/index.js';
import { ClientError } from '../errors.js';

export type FileSource = Uint8Array | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Pieces are handed on at most one chunk long (views, not copies), so the uploader's segment never
 * overshoots by more than a chunk, even for a whole file given as one array.
 */
const MAX_PIECE = FILE_CHUNK_SIZE;

/** The file's size: known for bytes and Blobs, stated by the caller for streams. */
export function sourceSize(source: FileSource, stated: number | undefined): number {
  const known = source instanceof Uint8Array ? source.length : isBlob(source) ? source.size : undefined;
  if (known !== undefined && stated !== undefined && known !== stated) {
    throw new ClientError('INVALID_ARGUMENT', 'size differs from the source', { got: stated, expected: known });
  }
  const size = known ?? stated;
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw new ClientError('INVALID_ARGUMENT', 'a stream source needs options.size');
  return size;
}

export async function* readSource(source: FileSource): AsyncIterable<Uint8Array> {
  for await (const piece of pieces(source)) {
    for (let at = 0; at < piece.length; at += MAX_PIECE) yield piece.subarray(at, at + MAX_PIECE);
  }
}

async function* pieces(source: FileSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  const stream = isBlob(source) ? (source.stream() as ReadableStream<Uint8Array>) : source;
  if (!isReadableStream(stream)) {
    for await (const piece of stream) yield toBytes(piece);
    return;
  }
  // getReader rather than async iteration: not every browser iterates streams.
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield toBytes(value);
    }
  } finally {
    reader.releaseLock();
  }
}

function toBytes(piece: unknown): Uint8Array {
  if (!(piece instanceof Uint8Array)) throw new ClientError('INVALID_ARGUMENT', 'the source yielded something other than bytes');
  return piece;
}

function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

function isReadableStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof (x as ReadableStream | undefined)?.getReader === 'function';
}
