/**
 * The at-rest keys of the browser store (client.md §5.6): two WebCrypto keys
 * generated non-extractable and kept in the store's own IndexedDB database.
 *
 * Why WebCrypto here, when the protocol's crypto is @noble in src/crypto: a
 * non-extractable CryptoKey is the only key a page can hold whose bytes no
 * script can read — an injected script can use it while it runs but cannot
 * carry it away, and nothing that dumps the object stores sees it. The
 * primitives are the platform's AES-256-GCM and HMAC-SHA-256, not ours.
 *
 *   tag       = HMAC-SHA-256(nameKey, "key" ‖ u8(len(namespace)) ‖ namespace ‖ key)   (the record's slot)
 *   recordKey = HKDF-SHA-256(baseKey, salt, info = "Parley_Browser_Store_Record_v1") → AES-256-GCM key
 *   sealed    = salt ‖ AES-256-GCM(recordKey, nonce = 12 zero bytes, record, ad = tag)    (salt: 32 fresh random bytes)
 *
 * Each seal has its own key, so no nonce budget runs out over the store's
 * life: a (key, nonce) pair repeats only if two 256-bit salts collide, below
 * n²/2^257 after n writes — where one key with random 96-bit nonces would be
 * good for only 2^32 writes (NIST SP 800-38D, section 8.3).
 */
import { concatBytes, systemRandom, utf8, type Bytes, type RandomSource } from '../crypto/index.js';
import { StoreError } from '../store/index.js';

export interface AtRestKeys {
  /** HKDF key the record keys are derived from. */
  readonly baseKey: CryptoKey;
  /** HMAC key of the slot tags. */
  readonly nameKey: CryptoKey;
}

const SALT_LENGTH = 32;
const TAG_LENGTH = 16;
const ZERO_NONCE = new Uint8Array(12);
const RECORD_INFO = utf8('Parley_Browser_Store_Record_v1');

/** WebCrypto takes ArrayBuffer-backed views; ours always are. */
const view = (b: Bytes): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>;

/** Fresh keys; the HKDF key's bytes exist in script memory only for the import and are zeroed after it. */
export async function createAtRestKeys(random: RandomSource = systemRandom): Promise<AtRestKeys> {
  const subtle = globalThis.crypto.subtle;
  const ikm = random(32);
  const baseKey = await subtle.importKey('raw', view(ikm), 'HKDF', false, ['deriveKey']);
  ikm.fill(0);
  const nameKey = await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign']);
  return { baseKey, nameKey };
}

export function isAtRestKeys(value: unknown): value is AtRestKeys {
  const k = value as Partial<AtRestKeys> | null;
  return typeof k === 'object' && k !== null && k.baseKey instanceof CryptoKey && k.nameKey instanceof CryptoKey;
}

/** The record's slot: reveals neither the namespace's keys (peer ids, message ids) nor their order. */
export async function slotTag(keys: AtRestKeys, namespace: string, key: string): Promise<Bytes> {
  const ns = utf8(namespace);
  const data = concatBytes(utf8('key'), Uint8Array.of(ns.length), ns, utf8(key));
  return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', keys.nameKey, view(data)));
}

function recordKey(keys: AtRestKeys, salt: Bytes, usage: KeyUsage): Promise<CryptoKey> {
  return globalThis.crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: view(salt), info: view(RECORD_INFO) }, keys.baseKey, { name: 'AES-GCM', length: 256 }, false, [usage],
  );
}

export async function sealRecord(keys: AtRestKeys, tag: Bytes, record: Bytes, random: RandomSource = systemRandom): Promise<Bytes> {
  const salt = random(SALT_LENGTH);
  const key = await recordKey(keys, salt, 'encrypt');
  const sealed = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: ZERO_NONCE, additionalData: view(tag) }, key, view(record));
  return concatBytes(salt, new Uint8Array(sealed));
}

/** Opens a sealed record of slot `tag`; a record altered, truncated or moved from another slot is CORRUPT. */
export async function openRecord(keys: AtRestKeys, tag: Bytes, sealed: Bytes): Promise<Bytes> {
  if (sealed.length < SALT_LENGTH + TAG_LENGTH) throw new StoreError('CORRUPT', 'a record is truncated');
  const key = await recordKey(keys, sealed.subarray(0, SALT_LENGTH).slice(), 'decrypt');
  try {
    const plain = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: ZERO_NONCE, additionalData: view(tag) }, key, view(sealed.slice(SALT_LENGTH)));
    return new Uint8Array(plain);
  } catch {
    throw new StoreError('CORRUPT', 'a record fails authentication');
  }
}
