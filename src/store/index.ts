/** Storage: the Store interface, its errors, and the in-memory store. */
export { NAMESPACES, MAX_STORE_KEY_LENGTH, put, del, type Namespace, type Store, type StoreEntry, type StoreWrite } from './store.js';
export { StoreError, isStoreError, type StoreErrorCode } from './store-error.js';
export { MemoryStore } from './memory-store.js';
export { checkKey, checkNamespace, checkWrite } from './validate.js';
export { GuardedStore, MemoryRestoreGuard, type RestoreGuard } from './restore-guard.js';
