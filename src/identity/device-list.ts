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
 */
import {
  DEVICE_LIST_HASH_LABEL, DEVICE_LIST_SIGNATURE_LABEL, MAX_DEVICES_PER_ACCOUNT,
} from '../constants.js';
import { concatBytes, equalBytes, sha256, sign, toHex, utf8, verifyOrThrow, type Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';
import {
  decodeDeviceListBody, decodeSignedDeviceList, encodeDeviceListBody, encodeSignedDeviceList, type DeviceEntry, type DeviceListBody,
  type SignedDeviceList,
} from '../wire/index.js';
import { identityDhPublicKey, type IdentityKeyPair } from './identity-key.js';

const SIGNATURE_LABEL = utf8(DEVICE_LIST_SIGNATURE_LABEL);
const HASH_LABEL = utf8(DEVICE_LIST_HASH_LABEL);
const NO_PREVIOUS = new Uint8Array(32);

/** A verified device list: its fields, its signed encoding and its hash (the next list's `previous`). */
export interface DeviceList extends DeviceListBody {
  readonly signed: SignedDeviceList;
  readonly hash: Bytes;
}

/** §12.3: H = SHA-256(DEVICE_LIST_HASH_LABEL ‖ body). */
export function deviceListHash(body: Bytes): Bytes {
  return sha256(concatBytes(HASH_LABEL, body));
}

const signedMessage = (body: Bytes): Bytes => concatBytes(SIGNATURE_LABEL, body);

function checkDevices(devices: readonly DeviceEntry[]): void {
  if (devices.length === 0) fail('INVALID_STATE', 'a device list names at least one device');
  if (devices.length > MAX_DEVICES_PER_ACCOUNT) {
    fail('INVALID_STATE', 'too many devices for one account', { got: devices.length, max: MAX_DEVICES_PER_ACCOUNT });
  }
  const keys = new Set(devices.map((d) => toHex(d.key)));
  if (keys.size !== devices.length) fail('INVALID_STATE', 'one device key listed twice');
  if (new Set(devices.map((d) => d.id)).size !== devices.length) fail('INVALID_STATE', 'one device id listed twice');
}

/**
 * Signs the list that follows `previous` (or the first list, version 1) with
 * the account key. Devices are put in ascending id order.
 */
export function signDeviceList(p: {
  account: IdentityKeyPair; previous: DeviceList | null; devices: readonly DeviceEntry[]; createdAt: number;
}): DeviceList {
  checkDevices(p.devices);
  if (p.previous !== null && !equalBytes(p.previous.account, p.account.publicKey)) {
    fail('INVALID_STATE', 'the previous list belongs to another account');
  }
  const body: DeviceListBody = {
    account: p.account.publicKey,
    version: p.previous === null ? 1 : p.previous.version + 1,
    previous: p.previous === null ? NO_PREVIOUS : p.previous.hash,
    createdAt: p.createdAt,
    devices: [...p.devices].sort((a, b) => a.id - b.id),
  };
  const encoded = encodeDeviceListBody(body);
  return { ...body, signed: { body: encoded, signature: sign(p.account.privateKey, signedMessage(encoded)) }, hash: deviceListHash(encoded) };
}

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
  verifyOrThrow(body.account, signedMessage(signed.body), signed.signature, 'device list');
  for (const d of body.devices) identityDhPublicKey(d.key);
  if (new Set(body.devices.map((d) => toHex(d.key))).size !== body.devices.length) {
    fail('MALFORMED', 'device list: one device key listed twice', { what: 'device list' });
  }
  if (body.version === 0) fail('MALFORMED', 'device list: version 0', { what: 'device list', field: 'n' });
  if ((body.version === 1) !== equalBytes(body.previous, NO_PREVIOUS)) {
    fail('MALFORMED', 'device list: previous hash must be zero exactly for version 1', { what: 'device list', field: 'p' });
  }
  return { ...body, signed, hash: deviceListHash(signed.body) };
}

export function encodeDeviceList(list: DeviceList): Bytes {
  return encodeSignedDeviceList(list.signed);
}

/**
 * §12.3: the list a peer keeps after seeing `next`, given the latest one it
 * kept (`known`, null before the first). The same list again changes
 * nothing; the direct successor replaces it; anything else is refused:
 * another account (UNTRUSTED_IDENTITY), an older version (STALE_EPOCH), a
 * different list of the same version or a successor of another list
 * (EPOCH_FORK), a version further ahead with its predecessors missing
 * (FUTURE_EPOCH).
 */
export function advanceDeviceList(known: DeviceList | null, next: DeviceList): DeviceList {
  if (known === null) return next;
  if (!equalBytes(known.account, next.account)) fail('UNTRUSTED_IDENTITY', 'a device list of another account');
  if (next.version < known.version) fail('STALE_EPOCH', 'an older device list than one already seen', { got: next.version, current: known.version });
  if (next.version === known.version) {
    if (equalBytes(next.hash, known.hash)) return known;
    return fail('EPOCH_FORK', 'two different device lists of one version', { got: next.version });
  }
  if (next.version > known.version + 1) fail('FUTURE_EPOCH', 'a device list whose predecessors are missing', { got: next.version, current: known.version });
  if (!equalBytes(next.previous, known.hash)) fail('EPOCH_FORK', 'a device list that follows another list than the one seen', { got: next.version });
  return next;
}

/** Follows a chain of lists in order (e.g. every list since `known`), stopping at the first refusal. */
export function advanceDeviceListChain(known: DeviceList | null, chain: readonly DeviceList[]): DeviceList {
  return chain.reduce<DeviceList | null>((k, next) => advanceDeviceList(k, next), known) as DeviceList;
}

/** The devices `after` adds to and removes from `before` (by device key). */
export function deviceListChanges(before: DeviceList, after: DeviceList): { added: DeviceEntry[]; removed: DeviceEntry[] } {
  const has = (list: DeviceList, d: DeviceEntry): boolean => list.devices.some((e) => equalBytes(e.key, d.key));
  return { added: after.devices.filter((d) => !has(before, d)), removed: before.devices.filter((d) => !has(after, d)) };
}
