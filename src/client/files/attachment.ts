/**
 * A file as message content: uploads it and returns the `attachment` pointer
 * (client.md §2, protocol.md §11.1) for the facade to send to a contact or a
 * group — one upload whatever the number of recipients. The pointer's other
 * fields are checked before anything is uploaded.
 */
import { FILE_CHUNK_SIZE } from '../../file/index.js';
import { encodeContent, newContent, type ContentBody } from '../../wire/client/content.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import { sourceSize, type FileSource } from './source.js';
import type { TransferOptions } from './transfer.js';
import { uploadFile } from './upload.js';

export interface SendFileOptions extends TransferOptions {
  /** Media type, `type/subtype` in lowercase. */
  readonly type: string;
  readonly name?: string;
  readonly caption?: string;
  /** A small thumbnail or waveform (≤ 32 KiB), sent inside the message. */
  readonly preview?: Uint8Array;
  /** The file's size: required for a stream source. */
  readonly size?: number;
}

export async function attachmentFor(ctx: ClientContext, source: FileSource, o: SendFileOptions): Promise<ContentBody> {
  const size = sourceSize(source, o.size);
  const fields = {
    mime: o.type, ...(o.name !== undefined && { name: o.name }), ...(o.caption !== undefined && { caption: o.caption }),
    ...(o.preview !== undefined && { preview: o.preview }),
  };
  // The same rules as the real pointer, on placeholder file fields: a bad name or type fails before the upload.
  try {
    encodeContent(newContent({ type: 'attachment', id: new Uint8Array(16), key: new Uint8Array(32), digest: new Uint8Array(32), size, chunk: FILE_CHUNK_SIZE, ...fields }, ctx.random));
  } catch (e) {
    throw new ClientError('INVALID_ARGUMENT', `the file's pointer would be invalid: ${(e as Error).message}`);
  }
  const file = await uploadFile(ctx, source, size, o);
  return { type: 'attachment', ...file, ...fields };
}
