/** Linking a device (spec/protocol.md §12.4): the provisioning channel between a new device and the account's primary. */
export { deriveChannelKeys, sasDigits, type ChannelKeys } from './channel-keys.js';
export { confirmLinkSas, isLinkAbort, linkAbortMessage, type LinkSide } from './link-state.js';
export { createLinkOffer, proveLinkDevice, receiveLinkChunk, receiveLinkHello, type LinkResult, type NewDeviceLink } from './new-device.js';
export { acceptLinkOffer, receiveLinkProof, sealLinkPayload, type ExistingDeviceLink } from './existing-device.js';
