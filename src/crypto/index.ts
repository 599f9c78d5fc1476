/** The crypto facade: the only way the rest of Parley reaches primitives. */
export * from './aead.js';
export * from './xaead.js';
export * from './bytes.js';
export * from './ed25519.js';
export * from './kdf.js';
export * from './hash-stream.js';
export * from './mlkem.js';
export { cryptoProvider, nobleProvider, useCryptoProvider, type CryptoProvider } from './provider.js';
export * from './random.js';
export * from './x25519.js';
export * from './message-keys.js';
export * from './redact.js';
