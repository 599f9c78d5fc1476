/** Files (protocol.md §11, relay.md §12): upload, download, sinks and sources. */
export { uploadFile, UPLOAD_SEGMENT_BYTES, type UploadedFile } from './upload.js';
export { downloadBytes, downloadFile, type FilePointer } from './download.js';
export { DOWNLOAD_BYTES_MAX } from '../../constants.js';
export { isFileSink, writableStreamSink, type FileSink } from './sink.js';
export { sourceSize, type FileSource } from './source.js';
export type { TransferOptions, TransferProgress } from './transfer.js';
export { attachmentFor, type SendFileOptions } from './attachment.js';
export { createStickerPack, MAX_STICKER_IMAGE_SIZE, StickerCache, type StickerImage, type StickerInput, type StickerPackRef } from './stickers.js';
