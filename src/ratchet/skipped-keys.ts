/**
 * Skipped message keys, MKSKIPPED (spec/protocol.md §6.5.3): keyed by
 * (header key, message number), kept oldest first, capped globally by
 * MAX_SKIPPED_KEYS with oldest-first eviction. Every function returns a new
 * list; none modifies its input.
 */
import { MAX_SKIPPED_KEYS } from '../constants.js';
import { equalBytes, type Bytes } from '../crypto/index.js';

export interface SkippedMessageKey {
  readonly headerKey: Bytes;
  readonly messageNumber: number;
  readonly messageKey: Bytes;
}

/** Appends `added` and evicts from the front down to MAX_SKIPPED_KEYS. */
export function appendSkipped(list: readonly SkippedMessageKey[], added: readonly SkippedMessageKey[]): readonly SkippedMessageKey[] {
  const all = added.length === 0 ? list : [...list, ...added];
  return all.length > MAX_SKIPPED_KEYS ? all.slice(all.length - MAX_SKIPPED_KEYS) : all;
}

export function findSkipped(list: readonly SkippedMessageKey[], headerKey: Bytes, messageNumber: number): number {
  return list.findIndex((k) => k.messageNumber === messageNumber && equalBytes(k.headerKey, headerKey));
}

export function removeSkippedAt(list: readonly SkippedMessageKey[], index: number): readonly SkippedMessageKey[] {
  return [...list.slice(0, index), ...list.slice(index + 1)];
}

export function removeSkippedOfChain(list: readonly SkippedMessageKey[], headerKey: Bytes): readonly SkippedMessageKey[] {
  return list.filter((k) => !equalBytes(k.headerKey, headerKey));
}

/** The distinct header keys of the list, in order of first appearance. */
export function skippedHeaderKeys(list: readonly SkippedMessageKey[]): Bytes[] {
  // Few distinct header keys (one per kept chain): comparing against them beats hashing every entry to a string.
  const out: Bytes[] = [];
  for (const k of list) {
    if (!out.some((h) => equalBytes(h, k.headerKey))) out.push(k.headerKey);
  }
  return out;
}
