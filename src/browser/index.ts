/** Browser adapters: import from 'parley/browser' (the durable IndexedDB store; the client itself is 'parley'). */
export { IndexedDbStore, type IndexedDbStoreOptions } from './indexeddb-store.js';
