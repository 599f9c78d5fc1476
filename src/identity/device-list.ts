/**
 * Device lists (spec/protocol.md §12): the devices of one account, signed by
 * the account key, each list hash-chained to the one before it.
 *
 * The account key is the identity that safety numbers cover; each device has
 * its own identity key for its sessions. A relay that serves an older list
 * than one a peer has seen (STALE_EPOCH), two different lists of one version
 * (EPOCH_FORK), or a list whose predecessor it withholds (FUTURE_EPOCH) is
 * caught by whoever holds the later list: the same three codes as group
 * membership changes (§8.7), since a device list is the account's membership.
 *
 * This module opens and verifies a list, which every client does for a
 * contact's list it stored; device-list-chain.ts signs, encodes and advances
 * lists, which only linking and receiving lists do (a web app's entry leaves
 * them to the chunk loaded on first use: bench/bundle-size.ts).
 */
import { DEVICE_LIST_HASH_LABEL, DEVICE_LIST_SIGNATURE_LABEL } from '../constants.js';
import { concatBytes, equalBytes, sha256, toHex, utf8, verifyOrThrow, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodeDeviceListBody, decodeSignedDeviceList, type DeviceListBody, type SignedDeviceList } from '../wire/index.js';
import { identityDhPublicKey } from './identity-key.js';

const SIGNATURE_LABEL = utf8(DEVICE_LIST_SIGNATURE_LABEL);
const HASH_LABEL = utf8(DEVICE_LIST_HASH_LABEL);
/** The `previous` of version 1. */
export const DEVICE_LIST_NO_PREVIOUS = new Uint8Array(32);

/** A verified device list: its fields, its signed encoding and its hash (the next list's `previous`). */
export interface DeviceList extends DeviceListBody {
  readonly signed: SignedDeviceList;
  readonly hash: Bytes;
}

/** §12.3: H = SHA-256(DEVICE_LIST_HASH_LABEL ‖ body). */
export function deviceListHash(body: Bytes): Bytes {
  return sha256(concatBytes(HASH_LABEL, body));
}

/** What the account key signs for a list body (§12.2). */
export const deviceListSignedMessage = (body: Bytes): Bytes => concatBytes(SIGNATURE_LABEL, body);

/**
 * §12.2 verification, in this order: shapes (MALFORMED), the account key
 * (INVALID_KEY), the signature (BAD_SIGNATURE), every device key (INVALID_KEY),
 * then the rules the signer must have kept (MALFORMED): distinct device keys,
 * version ≥ 1, and `previous` all zero exactly for version 1.
 */
export function openDeviceList(bytes: Bytes): DeviceList {
  const signed = decodeSignedDeviceList(bytes);
  const body = decodeDeviceListBody(signed.body);
  identityDhPublicKey(body.account);
  verifyOrThrow(body.account, deviceListSignedMessage(signed.body), signed.signature, 'device list');
  for (const d of body.devices) identityDhPublicKey(d.key);
  if (new Set(body.devices.map((d) => toHex(d.key))).size !== body.devices.length) {
    fail('MALFORMED', 'device list: one device key listed twice', { what: 'device list' });
  }
  if (body.version === 0) fail('MALFORMED', 'device list: version 0', { what: 'device list', field: 'n' });
  if ((body.version === 1) !== equalBytes(body.previous, DEVICE_LIST_NO_PREVIOUS)) {
    fail('MALFORMED', 'device list: previous hash must be zero exactly for version 1', { what: 'device list', field: 'p' });
  }
  return { ...body, signed, hash: deviceListHash(signed.body) };
}
