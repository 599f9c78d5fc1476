/**
 * What a client imports on first use (features.ts): groups and channels,
 * files and stickers, creating and accepting invitations, linking and revoking
 * devices, and the receive side of linked devices (a contact's or our own
 * device list, a sibling's `sync` and `contact-sync`, sharing a new contact
 * with siblings), which only accounts that linked a device send. A bundler
 * with code splitting makes this module, with what only it needs, one chunk.
 * One chunk rather than one per feature: each chunk more repeats the imports
 * it shares with the entry, and an esbuild entry grew by 1.8 KB gzip with three.
 */
export * from './groups/index.js';
export { attachmentFor, createStickerPack, downloadBytes, downloadFile, isFileSink, StickerCache, writableStreamSink } from './files/index.js';
export { acceptInvite, createInvite } from './contacts/invitations.js';
export { endLinks, linkDevice, offerLink, revokeDevice } from './linking/index.js';
export { resumeAnnouncements } from './devices/announce.js';
export { onDevice, resumeFollows } from './devices/receive.js';
export { onContactSync, onSync, shareNewContact, syncContact } from './devices/sibling.js';
