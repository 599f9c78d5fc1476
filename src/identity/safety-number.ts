/**
 * Safety numbers (spec/protocol.md §4.8): a 60-digit code two people compare
 * and a scannable payload, both derived from the two identity keys alone.
 *
 *   F(IK)   = first 32 bytes of H_n, where H_0 = label ‖ u16be(version) ‖ IK ‖ IK
 *             and H_{i+1} = SHA512(H_i ‖ IK), n = SAFETY_NUMBER_ITERATIONS
 *             (the second IK is the stable identifier: Parley has no user ids)
 *   digits(F) = for each of the first six 5-byte chunks c of F: u40be(c) mod 100000, 5 digits zero-padded
 *   number  = the two 30-digit strings, smaller (lexicographically) first
 *   payload = msgpack { v: SAFETY_NUMBER_VERSION, local: bin(32) F(own), remote: bin(32) F(peer) }
 */
import { SAFETY_NUMBER_ITERATIONS, SAFETY_NUMBER_LABEL, SAFETY_NUMBER_VERSION } from '../constants.js';
import { concatBytes, ED25519_PUBLIC_KEY_LENGTH, equalBytes, sha512, uintToBytes, utf8, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readVersion } from '../wire/index.js';

export const FINGERPRINT_LENGTH = 32;
const CHUNKS = 6;
const CHUNK_BYTES = 5;
const DIGITS_PER_CHUNK = 5;
const MAX_PAYLOAD_SIZE = 128;
const WHAT = 'safety number payload';

function checkKey(identityKey: Bytes): void {
  if (!(identityKey instanceof Uint8Array) || identityKey.length !== ED25519_PUBLIC_KEY_LENGTH) {
    fail('INVALID_KEY', 'identity key must be 32 bytes', { got: identityKey?.length ?? -1 });
  }
}

/** The 32-byte fingerprint of one identity key. */
export function fingerprint(identityKey: Bytes): Bytes {
  checkKey(identityKey);
  let hash = concatBytes(utf8(SAFETY_NUMBER_LABEL), uintToBytes(SAFETY_NUMBER_VERSION, 2), identityKey, identityKey);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) hash = sha512(concatBytes(hash, identityKey));
  return hash.slice(0, FINGERPRINT_LENGTH);
}

/** 30 digits of a fingerprint. */
export function fingerprintDigits(fp: Bytes): string {
  let out = '';
  for (let i = 0; i < CHUNKS; i++) {
    let value = 0;
    for (let j = 0; j < CHUNK_BYTES; j++) value = value * 256 + (fp[i * CHUNK_BYTES + j] as number);
    out += String(value % 100000).padStart(DIGITS_PER_CHUNK, '0');
  }
  return out;
}

/** The 60-digit safety number; identical on both sides (argument order does not matter). */
export function safetyNumber(localIdentityKey: Bytes, remoteIdentityKey: Bytes): string {
  const a = fingerprintDigits(fingerprint(localIdentityKey));
  const b = fingerprintDigits(fingerprint(remoteIdentityKey));
  return a <= b ? a + b : b + a;
}

/** The number in 12 groups of 5 digits separated by spaces, for display. */
export function formatSafetyNumber(digits: string): string {
  return (digits.match(/.{1,5}/g) ?? []).join(' ');
}

/** What this side shows as a QR code: its own fingerprint first. */
export function scannablePayload(localIdentityKey: Bytes, remoteIdentityKey: Bytes): Bytes {
  return encodeMsgpack({ v: SAFETY_NUMBER_VERSION, local: fingerprint(localIdentityKey), remote: fingerprint(remoteIdentityKey) });
}

/**
 * True iff the payload scanned from the peer's screen names the peer's key as
 * its `local` and ours as its `remote`. A payload that does not decode throws
 * (MALFORMED, OVERSIZE, UNSUPPORTED_VERSION); a mismatch returns false.
 */
export function compareScannedPayload(localIdentityKey: Bytes, remoteIdentityKey: Bytes, scanned: Bytes): boolean {
  const map = readMap(decodeMsgpack(scanned, MAX_PAYLOAD_SIZE, WHAT), WHAT, ['v', 'local', 'remote']);
  readVersion(map, WHAT, [SAFETY_NUMBER_VERSION]);
  const theirs = readBytes(map, WHAT, 'local', FINGERPRINT_LENGTH);
  const ours = readBytes(map, WHAT, 'remote', FINGERPRINT_LENGTH);
  // Both comparisons always run: the result does not reveal which one failed.
  const a = equalBytes(theirs, fingerprint(remoteIdentityKey));
  const b = equalBytes(ours, fingerprint(localIdentityKey));
  return a && b;
}
