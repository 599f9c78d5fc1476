/** Node-only adapters: import from 'parley/node' (never from the portable core). */
export { nodeCryptoProvider } from './crypto-provider.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { loadOrCreateKeyFile } from './file-key.js';
export { nodeWebSocketFactory } from './websocket.js';
export { FileRestoreGuard } from './file-restore-guard.js';
export { nodeWritableSink } from './file-sink.js';
