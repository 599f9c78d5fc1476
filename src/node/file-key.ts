/**
 * A 32-byte at-rest key kept in a file next to the store (mode 0600). This is
 * the simplest key an app can provide; an app with an OS keychain should keep
 * the key there instead, since a key file on the same disk protects only
 * against someone who copies the database alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { systemRandom, type RandomSource } from '../crypto/index.js';
import { StoreError } from '../store/index.js';

export function loadOrCreateKeyFile(path: string, random: RandomSource = systemRandom): Uint8Array {
  if (existsSync(path)) {
    const key = new Uint8Array(readFileSync(path));
    if (key.length !== 32) throw new StoreError('WRONG_KEY', 'the key file does not hold 32 bytes');
    return key;
  }
  const key = random(32);
  writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
  return key;
}
