/**
 * Linked devices, the client core (spec/client.md §10; design D1–D4): our
 * account record, the accounts of contacts and their device lists, where each
 * device is reached, announcing a device, the targets of a send, and the
 * receive rules for `device`, `sync` and `contact-sync`.
 */
export { accountKey, isPrimary, isSibling, loadAccount, ownList, siblings } from './account.js';
export { commitOwnList, installAccount, type InstallAccount, type OwnListChange } from './account-commit.js';
export { accountOf, contactPeers, devicesOf, siblingPeers } from './addresses.js';
export { allPeers, announce, resumeAnnouncements, tellRevoked } from './announce.js';
export { contactEntries, contactEntry, contactFromEntry } from './entries.js';
export { onDevice } from './receive.js';
export { isRevoked, requireNotRevoked } from './revoked.js';
export { onContactSync, onSync, shareNewContact, syncContact } from './sibling.js';
