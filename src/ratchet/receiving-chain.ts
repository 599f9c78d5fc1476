/**
 * Receiving-side state transitions (spec/protocol.md §6.5.2, §6.5.3):
 * SkipMessageKeysHE and DHRatchetHE, as pure functions on state. The callers
 * check the skip bounds before calling (nothing is derived for a message
 * that will be refused).
 */
import { MAX_PREVIOUS_RECEIVING_CHAINS } from '../constants.js';
import { generateX25519KeyPair, x25519, type RandomSource } from '../crypto/index.js';
import { fail } from '../errors.js';
import { kdfChain } from './chain-key.js';
import type { Header } from './header.js';
import { receivingMix, sendingMix } from './pq/incoming.js';
import { kdfRoot } from './root-key.js';
import { appendSkipped, removeSkippedOfChain, type SkippedMessageKey } from './skipped-keys.js';
import type { PreviousReceivingChain, RatchetState } from './state.js';

/** Stores the keys of messages Nr..until-1 of the receiving chain (a loop; the bound is checked by the caller). */
export function skipMessageKeys(state: RatchetState, until: number): RatchetState {
  const headerKey = state.receivingHeaderKey;
  let chainKey = state.receivingChainKey;
  if (chainKey === null || headerKey === null || state.receivingMessageNumber >= until) return state;
  const added: SkippedMessageKey[] = [];
  let n = state.receivingMessageNumber;
  while (n < until) {
    const step = kdfChain(chainKey);
    added.push({ headerKey, messageNumber: n, messageKey: step.messageKey });
    chainKey = step.chainKey;
    n += 1;
  }
  return {
    ...state,
    receivingChainKey: chainKey,
    receivingMessageNumber: n,
    skippedMessageKeys: appendSkipped(state.skippedMessageKeys, added),
  };
}

/** Retires the current receiving chain into the history, dropping the oldest chain (and its skipped keys) beyond the bound. */
function retireReceivingChain(state: RatchetState): Pick<RatchetState, 'previousReceivingChains' | 'skippedMessageKeys'> {
  if (state.receivingHeaderKey === null) {
    return { previousReceivingChains: state.previousReceivingChains, skippedMessageKeys: state.skippedMessageKeys };
  }
  const retired: PreviousReceivingChain = { headerKey: state.receivingHeaderKey, length: state.receivingMessageNumber };
  const all = [...state.previousReceivingChains, retired];
  const dropped = all.slice(0, Math.max(0, all.length - MAX_PREVIOUS_RECEIVING_CHAINS));
  let skipped = state.skippedMessageKeys;
  for (const chain of dropped) skipped = removeSkippedOfChain(skipped, chain.headerKey);
  return { previousReceivingChains: all.slice(dropped.length), skippedMessageKeys: skipped };
}

/**
 * DHRatchetHE steps 1–3 (§6.5.2): retire the receiving chain and derive the
 * new one for the peer's ratchet key — in version 3 mixing the PQ secret the
 * header's epoch says the peer mixed (§6.9.5). Draws nothing: the sending half
 * (`completeDhRatchet`) runs only once the message has authenticated, so a
 * failed decrypt consumes no randomness (§6.5.4). Until then the state's
 * sending chain is the old one; it is never returned in between.
 */
export function beginDhRatchet(state: RatchetState, header: Header): RatchetState {
  const mix = state.pq === null ? null : receivingMix(state.pq, (header.pq as { epoch: number }).epoch);
  const dhOutput = x25519(state.sendingRatchetKey.privateKey, header.ratchetKey);
  const receiving = kdfRoot(state.rootKey, dhOutput, mix?.secret ?? null);
  return {
    ...state,
    pq: mix === null ? null : mix.pq,
    ...retireReceivingChain(state),
    previousChainLength: state.sendingMessageNumber,
    sendingMessageNumber: 0,
    receivingMessageNumber: 0,
    sendingHeaderKey: state.nextSendingHeaderKey,
    receivingHeaderKey: state.nextReceivingHeaderKey,
    receivingRatchetKey: header.ratchetKey,
    receivingChainKey: receiving.chainKey,
    nextReceivingHeaderKey: receiving.nextHeaderKey,
    rootKey: receiving.rootKey,
  };
}

/**
 * DHRatchetHE steps 4–5: a new ratchet key pair (draws 32 bytes) and the new
 * sending chain, which in version 3 mixes a decapsulated PQ secret (§6.9.5).
 * Touches only sending fields, the root key and the PQ phase, which the
 * receiving derivations after `beginDhRatchet` leave alone, so deferring it
 * gives the same state as the specification's order.
 */
export function completeDhRatchet(state: RatchetState, random: RandomSource): RatchetState {
  const peer = state.receivingRatchetKey;
  if (peer === null) return fail('INVALID_STATE', 'no peer ratchet key');
  const sendingRatchetKey = generateX25519KeyPair(random);
  const mix = state.pq === null ? null : sendingMix(state.pq);
  const sending = kdfRoot(state.rootKey, x25519(sendingRatchetKey.privateKey, peer), mix?.secret ?? null);
  return {
    ...state,
    pq: mix === null ? null : mix.pq,
    sendingRatchetKey,
    rootKey: sending.rootKey,
    sendingChainKey: sending.chainKey,
    nextSendingHeaderKey: sending.nextHeaderKey,
  };
}
