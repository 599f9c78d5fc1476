/**
 * Serialized ratchet state (spec/protocol.md §6.7):
 * msgpack `[STATE_VERSION, "ratchet", body]`, decoded strictly — every type
 * and length is checked (MALFORMED), then every invariant the algorithms rely
 * on (INVALID_STATE). A decoded state behaves exactly as the one encoded.
 */
import {
  MAX_ASSOCIATED_DATA_SIZE, MAX_CHAIN_INDEX, MAX_PREVIOUS_RECEIVING_CHAINS, MAX_SKIPPED_KEYS, MAX_STATE_SIZE,
} from '../constants.js';
import { fail } from '../errors.js';
import { equalBytes, redact, toHex, x25519PublicKey, type Bytes } from '../crypto/index.js';
import { checkBytes, checkUint, readArray, readBytes, readMap, readUint, type WireMap } from '../wire/index.js';
import { PQ_RATCHET_VERSION, PROTOCOL_VERSION } from '../constants.js';
import { decodePqState, encodePqState } from './pq/codec.js';
import { KEY_LENGTH } from './root-key.js';
import type { SkippedMessageKey } from './skipped-keys.js';
import type { PreviousReceivingChain, RatchetState } from './state.js';
import { decodeState, encodeState } from '../wire/state-envelope.js';

const KIND = 'ratchet';
const WHAT = 'ratchet state';
const FIELDS = ['dhs', 'dhr', 'rk', 'cks', 'ckr', 'ns', 'nr', 'pn', 'hks', 'hkr', 'nhks', 'nhkr', 'skipped', 'prev', 'ad'] as const;

/** A version 3 state ends with `pq` (§6.9.7); a version 2 state has no such key. */
export function encodeRatchetState(s: RatchetState): Bytes {
  return encodeState(KIND, {
    dhs: s.sendingRatchetKey.privateKey,
    dhr: s.receivingRatchetKey,
    rk: s.rootKey,
    cks: s.sendingChainKey,
    ckr: s.receivingChainKey,
    ns: s.sendingMessageNumber,
    nr: s.receivingMessageNumber,
    pn: s.previousChainLength,
    hks: s.sendingHeaderKey,
    hkr: s.receivingHeaderKey,
    nhks: s.nextSendingHeaderKey,
    nhkr: s.nextReceivingHeaderKey,
    skipped: s.skippedMessageKeys.map((k) => [k.headerKey, k.messageNumber, k.messageKey]),
    prev: s.previousReceivingChains.map((c) => [c.headerKey, c.length]),
    ad: s.associatedData,
    ...(s.pq === null ? {} : { pq: encodePqState(s.pq) }),
  });
}

function readKeyOrNull(map: WireMap, field: string): Bytes | null {
  return map[field] === null ? null : readBytes(map, WHAT, field, KEY_LENGTH);
}

function readTuple(value: unknown, field: string, length: number): readonly unknown[] {
  if (!Array.isArray(value) || value.length !== length) fail('MALFORMED', `${WHAT}: ${field} entry is not a ${length}-tuple`, { what: WHAT, field });
  return value;
}

function readSkipped(map: WireMap): SkippedMessageKey[] {
  return readArray(map, WHAT, 'skipped', MAX_SKIPPED_KEYS).map((entry) => {
    const [headerKey, messageNumber, messageKey] = readTuple(entry, 'skipped', 3);
    return {
      headerKey: checkBytes(headerKey, WHAT, 'skipped', KEY_LENGTH),
      messageNumber: checkUint(messageNumber, WHAT, 'skipped', MAX_CHAIN_INDEX),
      messageKey: checkBytes(messageKey, WHAT, 'skipped', KEY_LENGTH),
    };
  });
}

function readPrevious(map: WireMap): PreviousReceivingChain[] {
  return readArray(map, WHAT, 'prev', MAX_PREVIOUS_RECEIVING_CHAINS).map((entry) => {
    const [headerKey, length] = readTuple(entry, 'prev', 2);
    return { headerKey: checkBytes(headerKey, WHAT, 'prev', KEY_LENGTH), length: checkUint(length, WHAT, 'prev', MAX_CHAIN_INDEX) };
  });
}

function invalid(rule: string): never {
  return fail('INVALID_STATE', `${WHAT}: ${rule}`, { what: WHAT });
}

/** The invariants of §6.7 that the encrypt and decrypt algorithms rely on. */
function checkInvariants(s: RatchetState): void {
  if ((s.sendingChainKey === null) !== (s.sendingHeaderKey === null)) invalid('cks and hks must be both set or both nil');
  if ((s.receivingChainKey === null) !== (s.receivingHeaderKey === null)) invalid('ckr and hkr must be both set or both nil');
  if (s.receivingChainKey !== null && s.receivingRatchetKey === null) invalid('a receiving chain needs dhr');
  const chains = [...s.previousReceivingChains.map((c) => c.headerKey), ...(s.receivingHeaderKey === null ? [] : [s.receivingHeaderKey])];
  const seen = new Set<string>();
  for (const k of s.skippedMessageKeys) {
    if (!chains.some((hk) => equalBytes(hk, k.headerKey))) invalid('a skipped key belongs to no known receiving chain');
    const id = `${toHex(k.headerKey)}:${k.messageNumber}`;
    if (seen.has(id)) invalid('duplicate skipped key');
    seen.add(id);
  }
}

export function decodeRatchetState(bytes: Bytes): RatchetState {
  const map = readMap(decodeState(bytes, KIND, MAX_STATE_SIZE, WHAT), WHAT, FIELDS, ['pq']);
  const pq = map['pq'] === undefined ? null : decodePqState(map['pq']);
  const privateKey = readBytes(map, WHAT, 'dhs', KEY_LENGTH);
  const state: RatchetState = {
    sendingRatchetKey: { privateKey, publicKey: x25519PublicKey(privateKey) },
    receivingRatchetKey: readKeyOrNull(map, 'dhr'),
    rootKey: readBytes(map, WHAT, 'rk', KEY_LENGTH),
    sendingChainKey: readKeyOrNull(map, 'cks'),
    receivingChainKey: readKeyOrNull(map, 'ckr'),
    sendingMessageNumber: readUint(map, WHAT, 'ns', MAX_CHAIN_INDEX),
    receivingMessageNumber: readUint(map, WHAT, 'nr', MAX_CHAIN_INDEX),
    previousChainLength: readUint(map, WHAT, 'pn', MAX_CHAIN_INDEX),
    sendingHeaderKey: readKeyOrNull(map, 'hks'),
    receivingHeaderKey: readKeyOrNull(map, 'hkr'),
    nextSendingHeaderKey: readBytes(map, WHAT, 'nhks', KEY_LENGTH),
    nextReceivingHeaderKey: readBytes(map, WHAT, 'nhkr', KEY_LENGTH),
    skippedMessageKeys: readSkipped(map),
    previousReceivingChains: readPrevious(map),
    associatedData: readBytes(map, WHAT, 'ad', { min: 0, max: MAX_ASSOCIATED_DATA_SIZE }),
    version: pq === null ? PROTOCOL_VERSION : PQ_RATCHET_VERSION,
    pq,
  };
  checkInvariants(state);
  return redact(state, 'RatchetState');
}
