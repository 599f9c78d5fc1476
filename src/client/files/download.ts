/**
 * Downloading and decrypting a file (protocol.md §11.6): the blob is read
 * from the relay as a stream and fed to a FileOpener, which releases each
 * chunk's plaintext only once its tag verified; that is written to the sink
 * before the next piece is read. A dropped connection resumes with a Range
 * from the first byte not yet taken. A tampered, truncated or over-long blob
 * ends in the opener's ProtocolError, a refusal (unknown or expired blob) in
 * ClientError BLOB_REFUSED; either way the sink is aborted, so the partial
 * output is marked.
 */
import { DOWNLOAD_BYTES_MAX } from '../../constants.js';
import { FileOpener } from '../../file/index.js';
import type { ContentBody } from '../../wire/client/content.js';
import type { ClientContext } from '../context.js';
import { ClientError, isClientError } from '../errors.js';
import { blobOrigin, readFrom } from './blob-http.js';
import type { FileSink } from './sink.js';
import { beforeRetry, checkAborted, rethrowUnlessNetwork, type TransferOptions } from './transfer.js';

export type FilePointer = Extract<ContentBody, { type: 'attachment' }>;

export async function downloadFile(ctx: ClientContext, pointer: FilePointer, sink: FileSink, options: TransferOptions = {}): Promise<void> {
  try {
    const opener = new FileOpener({ key: pointer.key, size: pointer.size, chunkSize: pointer.chunk, digest: pointer.digest });
    await pump(blobOrigin(ctx.relayUrl), pointer, opener, sink, options);
    opener.finish();
  } catch (e) {
    await sink.abort(e).catch(() => undefined);
    throw e;
  }
  await sink.close();
}

/** Reads until the opener has every chunk, resuming after drops; a blob that keeps ending early is left to finish(). */
async function pump(origin: string, pointer: FilePointer, opener: FileOpener, sink: FileSink, options: TransferOptions): Promise<void> {
  const { signal } = options;
  let attempt = 1;
  while (!opener.done) {
    checkAborted(signal);
    const before = opener.offset;
    let ended = false;
    try {
      const reader = (await readFrom(origin, pointer.id, opener.offset, signal)).getReader();
      try {
        await drain(reader, opener, sink, options);
        ended = true;
      } finally {
        reader.releaseLock();
      }
    } catch (e) {
      // Nothing past this offset (416): the blob is shorter than the pointer says; finish() names it.
      if (isClientError(e, 'BLOB_REFUSED') && e.details['status'] === 416) return;
      rethrowUnlessNetwork(e, signal);
    }
    if (opener.done || (ended && opener.offset === before)) return;
    attempt = opener.offset > before ? 1 : attempt + 1;
    await beforeRetry(attempt, signal, undefined);
  }
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, opener: FileOpener, sink: FileSink, options: TransferOptions): Promise<void> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    checkAborted(options.signal);
    for (const plain of opener.push(value)) await sink.write(plain);
    options.onProgress?.({ done: opener.offset, total: opener.layout.blobSize });
  }
}

/** A whole (small) file in memory. */
export async function downloadBytes(ctx: ClientContext, pointer: FilePointer, options: TransferOptions = {}): Promise<Uint8Array> {
  if (pointer.size > DOWNLOAD_BYTES_MAX) throw new ClientError('INVALID_ARGUMENT', 'file too large for downloadBytes: use download with a sink', { got: pointer.size, max: DOWNLOAD_BYTES_MAX });
  const out = new Uint8Array(pointer.size);
  let at = 0;
  await downloadFile(ctx, pointer, {
    write: async (data) => { out.set(data, at); at += data.length; },
    close: async () => undefined,
    abort: async () => undefined,
  }, options);
  return out;
}
