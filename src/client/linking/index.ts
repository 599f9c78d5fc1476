/** Linking and revoking devices at the client level (spec/client.md §10.4, §10.5): the flows on the new device and on the primary. */
export { linkDevice, type DeviceLinking, type LinkDeviceOptions } from './link-device.js';
export { offerLink, type LinkedAccount, type LinkOffering } from './offer-link.js';
export { endLinks } from './mailbox.js';
export { LINK_OFFER_PREFIX } from './offer-prefix.js';
export { ownDevices, type DeviceInfo } from './own-list.js';
export { revokeDevice } from './revoke.js';
