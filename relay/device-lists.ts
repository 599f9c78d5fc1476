/**
 * The relay's device-list directory (spec/relay.md §13): each account's
 * signed, hash-chained device lists (protocol.md §12), stored as published
 * and served to anyone authenticated.
 *
 * Before storing a list the relay checks what protocol.md §12.2 and §12.3 ask
 * of it, with src/wire's codec and src/crypto's primitives (relay/ never
 * imports src/identity): this repeats openDeviceList and advanceDeviceList
 * (src/identity/device-list.ts) with the relay's error codes, and
 * test/relay/device-lists.test.ts checks that both agree on
 * spec/vectors/device-list.json. The relay's check keeps junk and forks out
 * of its store; peers do not rely on it: they check every list they fetch.
 */
import { DEVICE_LIST_HASH_LABEL, DEVICE_LIST_SIGNATURE_LABEL } from '../src/constants.js';
import { concatBytes, equalBytes, isPrimeOrderEd25519, sha256, toHex, utf8, verify, type Bytes } from '../src/crypto/index.js';
import {
  decodeDeviceListBody, decodeSignedDeviceList, RELAY_DEVICE_LIST_HISTORY, type DeviceListBody, type SignedDeviceList,
} from '../src/wire/index.js';
import { RelayError } from './errors.js';
import type { RelayStore, StoredDeviceList } from './store/types.js';

/**
 * Cost units of a `device_list_publish` (§7.3): it verifies one signature and
 * up to 9 keys' prime order (the account and 8 devices), each about one
 * verification, where a `send` costs the relay a hash and a store write.
 */
export const DEVICE_LIST_PUBLISH_COST = 10;

/** A list that passed §12.2: what the chain rule and the store need. */
export interface VerifiedDeviceList extends StoredDeviceList {
  readonly account: Bytes;
  readonly previous: Bytes;
  readonly deviceKeys: readonly Bytes[];
}

const SIGNATURE_LABEL = utf8(DEVICE_LIST_SIGNATURE_LABEL);
const HASH_LABEL = utf8(DEVICE_LIST_HASH_LABEL);
const NO_PREVIOUS = new Uint8Array(32);

function refuse(why: string): never {
  throw new RelayError('BAD_DEVICE_LIST', why);
}

function decode(list: Bytes): { signed: SignedDeviceList; body: DeviceListBody } {
  try {
    const signed = decodeSignedDeviceList(list);
    return { signed, body: decodeDeviceListBody(signed.body) };
  } catch {
    return refuse('does not decode');
  }
}

function signatureValid(account: Bytes, signed: SignedDeviceList): boolean {
  try {
    return verify(account, concatBytes(SIGNATURE_LABEL, signed.body), signed.signature);
  } catch {
    return false;
  }
}

/** protocol.md §12.2, in its order (each failure BAD_DEVICE_LIST): decoding, account key, signature, device keys, the signer's rules. */
export function verifyDeviceList(list: Bytes): VerifiedDeviceList {
  const { signed, body } = decode(list);
  if (!isPrimeOrderEd25519(body.account)) refuse('invalid account key');
  if (!signatureValid(body.account, signed)) refuse('bad signature');
  if (!body.devices.every((d) => isPrimeOrderEd25519(d.key))) refuse('invalid device key');
  if (new Set(body.devices.map((d) => toHex(d.key))).size !== body.devices.length) refuse('one device key listed twice');
  if (body.version === 0) refuse('version 0');
  if ((body.version === 1) !== equalBytes(body.previous, NO_PREVIOUS)) refuse('previous hash must be zero exactly for version 1');
  return {
    account: body.account, version: body.version, previous: body.previous, deviceKeys: body.devices.map((d) => d.key),
    hash: sha256(concatBytes(HASH_LABEL, signed.body)), list,
  };
}

/**
 * protocol.md §12.3 against the relay's newest list (`latest`): 'same' for
 * that list again (a retried publish), 'append' for its direct successor or
 * an unknown account's version 1; otherwise STALE_EPOCH (older), EPOCH_FORK
 * (another list of that version, or a successor of another list) or
 * FUTURE_EPOCH (a gap, or an unknown account's version above 1).
 */
export function placeDeviceList(latest: StoredDeviceList | undefined, next: VerifiedDeviceList): 'same' | 'append' {
  if (latest === undefined) {
    if (next.version !== 1) throw new RelayError('FUTURE_EPOCH', 'the first list of an account is version 1');
    return 'append';
  }
  if (next.version < latest.version) throw new RelayError('STALE_EPOCH', 'older than the stored list');
  if (next.version === latest.version) {
    if (equalBytes(next.hash, latest.hash)) return 'same';
    throw new RelayError('EPOCH_FORK', 'another list of the stored version');
  }
  if (next.version > latest.version + 1) throw new RelayError('FUTURE_EPOCH', 'versions missing after the stored list');
  if (!equalBytes(next.previous, latest.hash)) throw new RelayError('EPOCH_FORK', 'does not follow the stored list');
  return 'append';
}

/**
 * `device_list_publish` by the connection authenticated as `publisher`, which
 * must be the account key or one of the listed device keys (NOT_A_DEVICE).
 * Resolves to the stored version.
 */
export async function publishDeviceList(store: RelayStore, publisher: Bytes, list: Bytes): Promise<number> {
  const next = verifyDeviceList(list);
  if (!equalBytes(publisher, next.account) && !next.deviceKeys.some((k) => equalBytes(k, publisher))) {
    throw new RelayError('NOT_A_DEVICE', 'the publisher is neither the account nor a listed device');
  }
  // Twice at most: a publish that lost a race is judged against the list that won (same, fork or stale).
  for (let attempt = 0; attempt < 2; attempt++) {
    if (placeDeviceList(await store.latestDeviceList(next.account), next) === 'same') return next.version;
    if (await store.appendDeviceList(next.account, next, RELAY_DEVICE_LIST_HISTORY)) return next.version;
  }
  throw new RelayError('INTERNAL', 'device list store did not settle');
}

/**
 * `device_list_fetch`: the newest list, or with `since` every kept list above
 * that version, oldest first (the newest alone when none is). NO_DEVICE_LIST
 * for an account without one.
 */
export async function fetchDeviceLists(store: RelayStore, account: Bytes, since: number | undefined): Promise<Bytes[]> {
  const latest = await store.latestDeviceList(account);
  if (latest === undefined) throw new RelayError('NO_DEVICE_LIST', 'no device list for this account');
  if (since === undefined || since >= latest.version) return [latest.list];
  const lists = await store.deviceListsSince(account, since, RELAY_DEVICE_LIST_HISTORY);
  return lists.length > 0 ? lists.map((l) => l.list) : [latest.list];
}
