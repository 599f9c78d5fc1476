/** Wire codecs. The relay may import from here (envelopes and relay frames) and from src/crypto only. */
export * from './codec.js';
export * from './ratchet-message.js';
export * from './sealed-envelope.js';
export * from './session-message.js';
export * from './prekeys.js';
export * from './initial-message.js';
export * from './relay-frames.js';
export * from './relay-link-frames.js';
export * from './group-message.js';
export * from './group-distribution.js';
export * from './group-change.js';
export * from './state-envelope.js';
export * from './brands.js';
export * from './padding.js';
export * from './device-list.js';
export * from './link-messages.js';
export * from './link-payload.js';
