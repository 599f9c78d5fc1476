/**
 * Welcomes (spec/protocol.md §8.8): the full group state, signed by an admin
 * of that state, sent to a member who joins (at creation, add or subscribe).
 */
import { GROUP_WELCOME_LABEL } from '../constants.js';
import { fail } from '../errors.js';
import { concatBytes, ed25519PublicKey, equalBytes, sign, utf8, verifyOrThrow, type Bytes } from '../crypto/index.js';
import { decodeGroupWelcome, encodeGroupWelcomeBody, encodeSignedGroupControl } from '../wire/index.js';
import { checkMembers, roleOf, type GroupState } from './group-state.js';

export function welcomeSignaturePayload(body: Bytes): Bytes {
  return concatBytes(utf8(GROUP_WELCOME_LABEL), body);
}

/** Encodes and signs `state` with the actor's identity seed; the actor must be an admin of it. */
export function createWelcome(state: GroupState, actorSeed: Bytes): Bytes {
  const actor = ed25519PublicKey(actorSeed);
  if (roleOf(state, actor) !== 'admin') fail('NOT_AUTHORIZED', 'only an admin sends a welcome');
  const body = encodeGroupWelcomeBody({
    groupId: state.groupId, mode: state.mode, epoch: state.epoch, parentHash: state.parentHash,
    changeDigest: state.changeDigest, members: state.members, actor,
  });
  return encodeSignedGroupControl(body, sign(actorSeed, welcomeSignaturePayload(body)));
}

/**
 * §8.8: accepts a welcome that arrived over the pairwise session with `from`:
 * the actor is `from`, signed it, and is an admin of the state; `self` is a member.
 */
export function acceptWelcome(encoded: Bytes, self: Bytes, from: Bytes): GroupState {
  const { body, signature, value: w } = decodeGroupWelcome(encoded);
  if (!equalBytes(w.actor, from)) fail('NOT_AUTHORIZED', 'the welcome is not signed by the member it came from');
  verifyOrThrow(w.actor, welcomeSignaturePayload(body), signature, 'group welcome');
  checkMembers(w.mode, w.members, 'MALFORMED');
  const state: GroupState = {
    groupId: w.groupId, mode: w.mode, epoch: w.epoch, parentHash: w.parentHash, changeDigest: w.changeDigest, members: w.members,
  };
  if (roleOf(state, w.actor) !== 'admin') fail('NOT_AUTHORIZED', 'the welcome is not signed by an admin');
  if (roleOf(state, self) === null) fail('NOT_A_MEMBER', 'the welcome does not list us');
  return state;
}
