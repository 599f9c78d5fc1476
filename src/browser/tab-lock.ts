/**
 * One tab at a time (client.md §5.6): a store is opened under an exclusive Web
 * Lock named after its database, held until close — or until the tab goes
 * away, when the browser releases it. A second tab does not wait: it gets
 * StoreError LOCKED at once, so the app can say "Parley is open in another
 * tab" instead of hanging. Two tabs on one store would both advance the same
 * ratchets and reuse message keys and nonces.
 */
import { StoreError } from '../store/index.js';

/** Takes the lock or throws LOCKED; the returned function releases it. */
export async function takeTabLock(name: string): Promise<() => void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks === undefined) throw new StoreError('LOCKED', 'Web Locks are unavailable (not a secure context?): the store cannot be kept to one tab');
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const granted = await new Promise<boolean>((resolve, reject) => {
    locks.request(name, { mode: 'exclusive', ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock === null ? undefined : held;
    }).catch(reject);
  });
  if (!granted) throw new StoreError('LOCKED', 'the store is open in another tab or window');
  return release;
}
