/** Node-only adapters: import from 'parley/node' (never from the portable core). */
export { nodeCryptoProvider } from './crypto-provider.js';
