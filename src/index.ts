/**
 * Parley's public entry point for apps: the client, storage, errors and the
 * crypto provider seam. Node-only adapters (SQLite store, ws transport, the
 * node:crypto provider) are in 'parley/node'; the protocol layers are in
 * 'parley/hazmat'; test helpers (seeded randomness, fixtures) in
 * 'parley/testing'.
 */
export * from './client/index.js';
export * from './store/index.js';
export { ProtocolError, isProtocolError, type ProtocolErrorCode } from './errors.js';
export { nobleProvider, systemRandom, useCryptoProvider, type CryptoProvider, type RandomSource } from './crypto/index.js';
