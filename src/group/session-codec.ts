/**
 * Serialized group session (spec/protocol.md §8.10): msgpack
 * `[STATE_VERSION, "group-session", body]`, decoded strictly — types and
 * lengths (MALFORMED), then the invariants the algorithms rely on (INVALID_STATE).
 */
import {
  GROUP_ID_LENGTH, GROUP_MAX_SKIPPED_KEYS, MAX_CHAIN_INDEX, MAX_CHANNEL_MEMBERS, MAX_GROUP_STATE_SIZE, MAX_SENDER_KEYS_PER_MEMBER,
} from '../constants.js';
import { fail } from '../errors.js';
import { ed25519PublicKey, equalBytes, redact, toHex, type Bytes } from '../crypto/index.js';
import {
  checkBytes, checkUint, GROUP_MODES, readArray, readBytes, readGroupMembers, readMap, readUint, type GroupMode, type WireMap,
} from '../wire/index.js';
import { checkMembers, mayPost, roleOf, type GroupState } from './group-state.js';
import type { GroupSession } from './group-session.js';
import type { ReceiverChain, SkippedGroupKey } from './receiver-chain.js';
import type { SenderKeyState } from './sender-key.js';
import { decodeState, encodeState } from '../wire/state-envelope.js';

const KIND = 'group-session';
const WHAT = 'group session';
/** Counts only: the bytes are bounded by MAX_GROUP_STATE_SIZE (a demoted channel admin keeps its chains). */
const MAX_CHAINS = MAX_CHANNEL_MEMBERS * MAX_SENDER_KEYS_PER_MEMBER;
/** A chain's iteration may reach 2^32 (after the message with iteration 2^32 − 1). */
const MAX_ITERATION = MAX_CHAIN_INDEX + 1;

export function encodeGroupSession(s: GroupSession): Bytes {
  const g = s.group;
  const k = s.senderKey;
  return encodeState(KIND, {
    self: s.self,
    group: { g: g.groupId, m: g.mode, e: g.epoch, p: g.parentHash, d: g.changeDigest, ms: g.members.map((m) => [m.identityKey, m.role]) },
    sk: k === null ? null : { k: k.keyId, i: k.iteration, ck: k.chainKey, ss: k.signingKey.privateKey },
    pending: s.pendingRecipients,
    chains: s.receiverChains.map((c) => [c.sender, c.keyId, c.signingKey, c.firstIteration, c.iteration, c.chainKey]),
    skipped: s.skippedMessageKeys.map((x) => [x.signingKey, x.iteration, x.messageKey]),
  });
}

function tuple(value: unknown, field: string, length: number): readonly unknown[] {
  if (!Array.isArray(value) || value.length !== length) fail('MALFORMED', `${WHAT}: ${field} entry is not a ${length}-tuple`, { what: WHAT, field });
  return value;
}

function readGroup(value: unknown): GroupState {
  const map = readMap(value, WHAT, ['g', 'm', 'e', 'p', 'd', 'ms']);
  const mode = map['m'];
  if (typeof mode !== 'string' || !(GROUP_MODES as readonly string[]).includes(mode)) fail('MALFORMED', `${WHAT}: unknown mode`, { what: WHAT });
  const members = readGroupMembers(map, WHAT, 'ms');
  checkMembers(mode as GroupMode, members, 'INVALID_STATE');
  return {
    groupId: readBytes(map, WHAT, 'g', GROUP_ID_LENGTH), mode: mode as GroupMode, epoch: readUint(map, WHAT, 'e', MAX_CHAIN_INDEX),
    parentHash: readBytes(map, WHAT, 'p', 32), changeDigest: readBytes(map, WHAT, 'd', 32), members,
  };
}

function readSenderKey(value: unknown, groupId: Bytes): SenderKeyState | null {
  if (value === null) return null;
  const map = readMap(value, WHAT, ['k', 'i', 'ck', 'ss']);
  const seed = readBytes(map, WHAT, 'ss', 32);
  return {
    groupId, keyId: readUint(map, WHAT, 'k', MAX_CHAIN_INDEX), iteration: readUint(map, WHAT, 'i', MAX_CHAIN_INDEX),
    chainKey: readBytes(map, WHAT, 'ck', 32), signingKey: { privateKey: seed, publicKey: ed25519PublicKey(seed) },
  };
}

function readChains(map: WireMap): ReceiverChain[] {
  return readArray(map, WHAT, 'chains', MAX_CHAINS).map((entry) => {
    const [sender, keyId, signingKey, first, iteration, chainKey] = tuple(entry, 'chains', 6);
    return {
      sender: checkBytes(sender, WHAT, 'chains', 32), keyId: checkUint(keyId, WHAT, 'chains', MAX_CHAIN_INDEX),
      signingKey: checkBytes(signingKey, WHAT, 'chains', 32), firstIteration: checkUint(first, WHAT, 'chains', MAX_CHAIN_INDEX),
      iteration: checkUint(iteration, WHAT, 'chains', MAX_ITERATION), chainKey: checkBytes(chainKey, WHAT, 'chains', 32),
    };
  });
}

function readSkipped(map: WireMap): SkippedGroupKey[] {
  return readArray(map, WHAT, 'skipped', GROUP_MAX_SKIPPED_KEYS).map((entry) => {
    const [signingKey, iteration, messageKey] = tuple(entry, 'skipped', 3);
    return {
      signingKey: checkBytes(signingKey, WHAT, 'skipped', 32), iteration: checkUint(iteration, WHAT, 'skipped', MAX_CHAIN_INDEX),
      messageKey: checkBytes(messageKey, WHAT, 'skipped', 32),
    };
  });
}

function invalid(rule: string): never {
  return fail('INVALID_STATE', `${WHAT}: ${rule}`, { what: WHAT });
}

/** §8.10 invariants. */
function checkInvariants(s: GroupSession): void {
  const selfRole = roleOf(s.group, s.self);
  if (selfRole === null && (s.senderKey !== null || s.receiverChains.length > 0)) invalid('keys kept after leaving');
  if (s.senderKey !== null && !mayPost(s.group.mode, selfRole)) invalid('a sender key without the right to post');
  if (s.senderKey === null && s.pendingRecipients.length > 0) invalid('pending recipients without a sender key');
  for (const r of s.pendingRecipients) if (roleOf(s.group, r) === null || equalBytes(r, s.self)) invalid('a pending recipient is not another member');
  const perSender = new Map<string, number>();
  const chains = new Set<string>();
  for (const c of s.receiverChains) {
    if (roleOf(s.group, c.sender) === null || equalBytes(c.sender, s.self)) invalid('a receiver chain of a non-member');
    if (c.iteration < c.firstIteration) invalid('a chain behind its first iteration');
    const n = (perSender.get(toHex(c.sender)) ?? 0) + 1;
    if (n > MAX_SENDER_KEYS_PER_MEMBER) invalid('too many sender keys for one member');
    perSender.set(toHex(c.sender), n);
    if (chains.has(toHex(c.signingKey))) invalid('two chains with one signing key');
    chains.add(toHex(c.signingKey));
  }
  const seen = new Set<string>();
  for (const k of s.skippedMessageKeys) {
    const chain = s.receiverChains.find((c) => equalBytes(c.signingKey, k.signingKey));
    if (chain === undefined || k.iteration < chain.firstIteration || k.iteration >= chain.iteration) invalid('a skipped key outside its chain');
    const id = `${toHex(k.signingKey)}:${k.iteration}`;
    if (seen.has(id)) invalid('duplicate skipped key');
    seen.add(id);
  }
}

export function decodeGroupSession(bytes: Bytes): GroupSession {
  const map = readMap(decodeState(bytes, KIND, MAX_GROUP_STATE_SIZE, WHAT), WHAT, ['self', 'group', 'sk', 'pending', 'chains', 'skipped']);
  const group = readGroup(map['group']);
  const session: GroupSession = {
    self: readBytes(map, WHAT, 'self', 32),
    group,
    senderKey: readSenderKey(map['sk'], group.groupId),
    pendingRecipients: readArray(map, WHAT, 'pending', MAX_CHANNEL_MEMBERS).map((r) => checkBytes(r, WHAT, 'pending', 32)),
    receiverChains: readChains(map),
    skippedMessageKeys: readSkipped(map),
  };
  checkInvariants(session);
  return redact(session, 'GroupSession');
}
