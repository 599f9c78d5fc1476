/**
 * The plaintext of one encrypted store record (client.md §5.2, §5.6):
 * msgpack { k: key, v: value }. The key travels inside the sealed record so a
 * store that looks records up by an HMAC tag can check that the record it
 * opened is the one asked for (a record moved to another slot is CORRUPT).
 */
import type { Bytes } from '../crypto/index.js';
import { isProtocolError } from '../errors.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readString } from '../wire/codec.js';
import { MAX_STORE_KEY_LENGTH, type StoreEntry } from './store.js';
import { StoreError } from './store-error.js';

/** Largest record a store opens (bytes). */
export const MAX_STORE_RECORD = 4 * 1024 * 1024;

export function encodeStoreRecord(key: string, value: Bytes): Bytes {
  return encodeMsgpack({ k: key, v: value });
}

/** Decodes an opened record; anything malformed is StoreError CORRUPT. */
export function decodeStoreRecord(plaintext: Bytes): StoreEntry {
  try {
    const map = readMap(decodeMsgpack(plaintext, MAX_STORE_RECORD, 'store record'), 'store record', ['k', 'v']);
    return { key: readString(map, 'store record', 'k', MAX_STORE_KEY_LENGTH), value: readBytes(map, 'store record', 'v', { min: 0, max: MAX_STORE_RECORD }) };
  } catch (e) {
    if (isProtocolError(e)) throw new StoreError('CORRUPT', 'a record fails decoding');
    throw e;
  }
}
