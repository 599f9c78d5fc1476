/**
 * Parley's public entry point for apps: the client, storage, errors and the
 * crypto provider seam. Node-only adapters (SQLite store, ws transport, the
 * node:crypto provider) are in 'parley/node'. The protocol layers are exported
 * as namespaces for implementers and auditors who need them directly.
 */
export * from './client/index.js';
export * from './store/index.js';
export { ProtocolError, isProtocolError, type ProtocolErrorCode } from './errors.js';
export { nobleProvider, useCryptoProvider, type CryptoProvider } from './crypto/index.js';
export * as crypto from './crypto/index.js';
export * as wire from './wire/index.js';
export * as identity from './identity/index.js';
export * as handshake from './handshake/index.js';
export * as ratchet from './ratchet/index.js';
export * as session from './session/index.js';
export * as group from './group/index.js';
