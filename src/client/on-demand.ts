/**
 * What a client imports on first use (features.ts): groups and channels,
 * files and stickers, creating and accepting invitations, linking and revoking
 * devices. A bundler with code
 * splitting makes this module, with what only it needs, one chunk. One chunk
 * for all three rather than one each: each chunk more repeats the imports it
 * shares with the entry, and an esbuild entry grew by 1.8 KB gzip with three.
 */
export * from './groups/index.js';
export { attachmentFor, createStickerPack, downloadBytes, downloadFile, isFileSink, StickerCache, writableStreamSink } from './files/index.js';
export { acceptInvite, createInvite } from './contacts/invitations.js';
export { endLinks, linkDevice, offerLink, revokeDevice } from './linking/index.js';
