/**
 * Sender keys of other members (spec/protocol.md §8.4, §8.5): one receiver
 * chain per (sender, sender key), identified by its signing key, and the
 * skipped message keys of all chains of a group session in one list, oldest
 * first, capped by GROUP_MAX_SKIPPED_KEYS. Every function returns new lists.
 */
import { GROUP_MAX_SKIP, GROUP_MAX_SKIPPED_KEYS } from '../constants.js';
import { fail } from '../errors.js';
import { equalBytes, type Bytes } from '../crypto/index.js';
import { kdfSenderChain } from './chain-key.js';

export interface ReceiverChain {
  /** The identity key of the member that distributed this sender key. */
  readonly sender: Bytes;
  readonly keyId: number;
  /** The sender key's Ed25519 public key: identifies the chain. */
  readonly signingKey: Bytes;
  /** The iteration at which we received the key: nothing before it can be read. */
  readonly firstIteration: number;
  /** The iteration of `chainKey` (the next message key not yet derived). */
  readonly iteration: number;
  readonly chainKey: Bytes;
}

export interface SkippedGroupKey {
  readonly signingKey: Bytes;
  readonly iteration: number;
  readonly messageKey: Bytes;
}

export interface ChainAdvance {
  readonly chain: ReceiverChain;
  readonly skipped: readonly SkippedGroupKey[];
  readonly messageKey: Bytes;
}

export interface MessageKeyLookup {
  readonly chain: ReceiverChain;
  readonly skipped: readonly SkippedGroupKey[];
  readonly messageKey: Bytes;
}

/** Appends and evicts from the front (oldest first) down to GROUP_MAX_SKIPPED_KEYS. */
export function appendSkipped(list: readonly SkippedGroupKey[], added: readonly SkippedGroupKey[]): readonly SkippedGroupKey[] {
  const all = added.length === 0 ? list : [...list, ...added];
  return all.length > GROUP_MAX_SKIPPED_KEYS ? all.slice(all.length - GROUP_MAX_SKIPPED_KEYS) : all;
}

/**
 * §8.5 step 6: the message key of `iteration` on `chain`, from the skipped keys
 * or by advancing the chain (a loop; the bound is checked before deriving).
 */
export function messageKeyFor(chain: ReceiverChain, skipped: readonly SkippedGroupKey[], iteration: number): MessageKeyLookup {
  const at = skipped.findIndex((k) => k.iteration === iteration && equalBytes(k.signingKey, chain.signingKey));
  if (at >= 0) {
    return { chain, skipped: [...skipped.slice(0, at), ...skipped.slice(at + 1)], messageKey: (skipped[at] as SkippedGroupKey).messageKey };
  }
  if (iteration < chain.firstIteration) fail('UNKNOWN_SENDER_KEY', 'message precedes the sender key we received', { got: iteration, first: chain.firstIteration });
  if (iteration < chain.iteration) fail('DUPLICATE_MESSAGE', 'message key already used or evicted', { got: iteration });
  if (iteration - chain.iteration > GROUP_MAX_SKIP) fail('TOO_MANY_SKIPPED', 'message too far ahead', { got: iteration - chain.iteration, max: GROUP_MAX_SKIP });
  const added: SkippedGroupKey[] = [];
  let chainKey = chain.chainKey;
  for (let i = chain.iteration; i < iteration; i++) {
    const step = kdfSenderChain(chainKey);
    added.push({ signingKey: chain.signingKey, iteration: i, messageKey: step.messageKey });
    chainKey = step.chainKey;
  }
  const step = kdfSenderChain(chainKey);
  return { chain: { ...chain, iteration: iteration + 1, chainKey: step.chainKey }, skipped: appendSkipped(skipped, added), messageKey: step.messageKey };
}

export function removeChainsOf(chains: readonly ReceiverChain[], skipped: readonly SkippedGroupKey[], dropped: (c: ReceiverChain) => boolean): {
  chains: readonly ReceiverChain[]; skipped: readonly SkippedGroupKey[];
} {
  const gone = chains.filter(dropped);
  if (gone.length === 0) return { chains, skipped };
  return {
    chains: chains.filter((c) => !dropped(c)),
    skipped: skipped.filter((k) => !gone.some((c) => equalBytes(c.signingKey, k.signingKey))),
  };
}
