/** End-to-end encrypted files (spec/protocol.md §11): the streaming format, below the client. */
export * from './constants.js';
export { chunkOffset, fileLayout, type FileLayout } from './layout.js';
export { FileSealer } from './file-sealer.js';
export { FileOpener, type FileSecrets } from './file-opener.js';
