/**
 * RatchetDecryptHE (spec/protocol.md §6.5.2). Pure: the new state is computed
 * from copies and returned only after the body authenticates; on any failure
 * a ProtocolError is thrown and the caller's state is untouched.
 */
import { MAX_SKIP } from '../constants.js';
import { fail } from '../errors.js';
import { equalBytes, redact, type Bytes, type RandomSource } from '../crypto/index.js';
import { decodeRatchetMessage } from '../wire/index.js';
import { kdfChain } from './chain-key.js';
import { headerAssociatedData, tryDecryptHeader, type Header } from './header.js';
import { openBody } from './message-key.js';
import { receivePqBlock } from './pq/incoming.js';
import { beginDhRatchet, completeDhRatchet, skipMessageKeys } from './receiving-chain.js';
import { findSkipped, removeSkippedAt, skippedHeaderKeys } from './skipped-keys.js';
import type { RatchetState } from './state.js';

interface OpenedHeader {
  readonly header: Header;
  readonly headerKey: Bytes;
}

/** §6.5.2 trial order: skipped-key header keys, HKr, NHKr, then previous chains (newest first); each key once. */
function trialHeaderKeys(state: RatchetState): Bytes[] {
  const candidates = [
    ...skippedHeaderKeys(state.skippedMessageKeys),
    ...(state.receivingHeaderKey === null ? [] : [state.receivingHeaderKey]),
    state.nextReceivingHeaderKey,
    ...[...state.previousReceivingChains].reverse().map((c) => c.headerKey),
  ];
  // A handful of 32-byte keys: comparing pairwise beats hashing them to strings.
  return candidates.filter((k, i) => !candidates.slice(0, i).some((earlier) => equalBytes(earlier, k)));
}

function openHeader(state: RatchetState, encryptedHeader: Bytes): OpenedHeader {
  const headerAd = headerAssociatedData(state.version, state.associatedData);
  for (const headerKey of trialHeaderKeys(state)) {
    const header = tryDecryptHeader(headerKey, encryptedHeader, headerAd, state.version);
    if (header !== null) return { header, headerKey };
  }
  return fail('DECRYPT_FAILED', 'the header opens under no header key of this session');
}

function tooManySkipped(got: number): never {
  return fail('TOO_MANY_SKIPPED', 'message lies too far ahead in its chain', { got, max: MAX_SKIP });
}

/**
 * A message key and the state after it. `ratchetPending`: the message began a
 * DH ratchet step whose sending half is still to run, after authentication.
 */
interface Resolved {
  readonly state: RatchetState;
  readonly messageKey: Bytes;
  readonly ratchetPending?: true;
}

/** Next message of the receiving chain: the message key and the state after it. */
function stepReceiving(state: RatchetState): Resolved {
  if (state.receivingChainKey === null) return fail('INVALID_STATE', 'no receiving chain');
  const step = kdfChain(state.receivingChainKey);
  return {
    state: { ...state, receivingChainKey: step.chainKey, receivingMessageNumber: state.receivingMessageNumber + 1 },
    messageKey: step.messageKey,
  };
}

/** A message of the current receiving chain (header under HKr). */
function fromCurrentChain(state: RatchetState, header: Header): Resolved {
  const n = header.messageNumber;
  if (n < state.receivingMessageNumber) fail('DUPLICATE_MESSAGE', 'message key already used or discarded', { got: n });
  if (state.receivingRatchetKey === null || !equalBytes(header.ratchetKey, state.receivingRatchetKey)) {
    fail('DECRYPT_FAILED', 'header ratchet key does not match its chain');
  }
  if (n - state.receivingMessageNumber > MAX_SKIP) tooManySkipped(n - state.receivingMessageNumber);
  return stepReceiving(skipMessageKeys(state, n));
}

/** The first message seen of the peer's next chain (header under NHKr): finish the old chain, DH ratchet (receiving half). */
function fromNextChain(state: RatchetState, header: Header): Resolved {
  const pn = header.previousChainLength;
  if (state.receivingChainKey !== null && pn - state.receivingMessageNumber > MAX_SKIP) tooManySkipped(pn - state.receivingMessageNumber);
  if (header.messageNumber > MAX_SKIP) tooManySkipped(header.messageNumber);
  const ratcheted = beginDhRatchet(skipMessageKeys(state, pn), header);
  return { ...stepReceiving(skipMessageKeys(ratcheted, header.messageNumber)), ratchetPending: true };
}

/** A message of a previous chain whose key is not stored: a replay if that chain reached it, otherwise forged. */
function fromPreviousChain(state: RatchetState, opened: OpenedHeader): never {
  const chain = state.previousReceivingChains.find((c) => equalBytes(c.headerKey, opened.headerKey));
  if (chain !== undefined && opened.header.messageNumber < chain.length) {
    fail('DUPLICATE_MESSAGE', 'message key already used or discarded', { got: opened.header.messageNumber });
  }
  return fail('DECRYPT_FAILED', 'message number beyond the end of its chain');
}

function resolveMessageKey(state: RatchetState, opened: OpenedHeader): Resolved {
  const { header, headerKey } = opened;
  const index = findSkipped(state.skippedMessageKeys, headerKey, header.messageNumber);
  if (index >= 0) {
    const entry = state.skippedMessageKeys[index] as { messageKey: Bytes };
    return { state: { ...state, skippedMessageKeys: removeSkippedAt(state.skippedMessageKeys, index) }, messageKey: entry.messageKey };
  }
  if (state.receivingHeaderKey !== null && equalBytes(headerKey, state.receivingHeaderKey)) return fromCurrentChain(state, header);
  if (equalBytes(headerKey, state.nextReceivingHeaderKey)) return fromNextChain(state, header);
  return fromPreviousChain(state, opened);
}

/** §6.9.6: the PQ block of a message whose body authenticated, before the sending half of a DH ratchet step. */
function receiveBlock(state: RatchetState, header: Header): RatchetState {
  if (state.pq === null || header.pq === undefined) return state;
  return { ...state, pq: receivePqBlock(state.pq, header.pq) };
}

/**
 * Decrypts one message. Draws 32 bytes from `random` when the message starts
 * a new peer chain (a DH ratchet step) and decrypts; a failed decrypt draws
 * nothing (§6.5.4), so a retry from the same state and source is identical.
 * A message of another version than the session's does not belong to it.
 */
export function ratchetDecrypt(state: RatchetState, message: Bytes, random: RandomSource): { state: RatchetState; plaintext: Bytes } {
  const { version, header: encryptedHeader, ciphertext } = decodeRatchetMessage(message);
  if (version !== state.version) fail('DECRYPT_FAILED', 'message of another ratchet version than the session', { got: version });
  const opened = openHeader(state, encryptedHeader);
  const next = resolveMessageKey(state, opened);
  const plaintext = openBody(next.messageKey, ciphertext, state.version, state.associatedData, encryptedHeader);
  const received = receiveBlock(next.state, opened.header);
  const after = next.ratchetPending === true ? completeDhRatchet(received, random) : received;
  return { state: redact(after, 'RatchetState'), plaintext };
}
