/** Identity keys, prekeys, bundles and safety numbers (spec/protocol.md §4): the public API of src/identity. */
export * from './identity-key.js';
export * from './prekeys.js';
export * from './prekey-state-codec.js';
export * from './bundle.js';
export * from './safety-number.js';
export * from './device-list.js';
export * from './device-list-chain.js';
