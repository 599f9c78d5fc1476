/**
 * Prekey directory checks (spec/relay.md §2.1 publish, bundle): the relay
 * verifies every signed prekey against the authenticated identity key before
 * storing it, and serves bundles as encodePreKeyBundle bytes.
 */
import type { Bytes } from '../src/crypto/index.js';
import {
  decodeKemPreKey, decodeOneTimePreKey, decodeSignedPreKey, encodePreKeyBundle, verifyKemPreKey, verifySignedPreKey,
  type RelayRequest,
} from '../src/wire/index.js';
import { RelayError } from './errors.js';
import type { PreKeyPublish, StoredPreKey, TakenBundle } from './store/types.js';

function decoded<T>(decode: () => T): T {
  try {
    return decode();
  } catch {
    throw new RelayError('BAD_PREKEY', 'prekey does not decode');
  }
}

function signedKem(identityKey: Bytes, encoded: Bytes, lastResort: boolean): StoredPreKey {
  const k = decoded(() => decodeKemPreKey(encoded));
  if (k.lastResort !== lastResort || !verifyKemPreKey(identityKey, k)) throw new RelayError('BAD_PREKEY', 'KEM prekey rejected');
  return { id: k.id, encoded };
}

/** Decodes and verifies a publish request; throws BAD_PREKEY on the first key that fails (nothing is stored). */
export function verifyPublish(identityKey: Bytes, req: Extract<RelayRequest, { type: 'publish' }>): PreKeyPublish {
  if (req.signedPreKey !== undefined) {
    const encoded = req.signedPreKey;
    const k = decoded(() => decodeSignedPreKey(encoded));
    if (!verifySignedPreKey(identityKey, k)) throw new RelayError('BAD_PREKEY', 'signed prekey rejected');
  }
  const kemPreKey = req.kemPreKey !== undefined ? signedKem(identityKey, req.kemPreKey, true).encoded : undefined;
  const oneTime = req.oneTime.map((encoded) => ({ id: decoded(() => decodeOneTimePreKey(encoded)).id, encoded }));
  const kemOneTime = req.kemOneTime.map((encoded) => signedKem(identityKey, encoded, false));
  return {
    identityKey,
    ...(req.signedPreKey !== undefined ? { signedPreKey: req.signedPreKey } : {}),
    ...(kemPreKey !== undefined ? { kemPreKey } : {}),
    oneTime, kemOneTime,
  };
}

/** The bundle bytes served to a fetcher (src/wire/prekeys.ts encoding). */
export function bundleOf(t: TakenBundle): Bytes {
  const oneTimePreKey = t.oneTimePreKey;
  return encodePreKeyBundle({
    identityKey: t.identityKey,
    signedPreKey: decodeSignedPreKey(t.signedPreKey),
    kemPreKey: decodeKemPreKey(t.kemPreKey),
    ...(oneTimePreKey !== undefined ? { oneTimePreKey: decodeOneTimePreKey(oneTimePreKey) } : {}),
  });
}
