/**
 * spec/vectors/negative-group.json: groups on hostile and out-of-order input
 * (protocol.md §8.4, §8.5, §8.7; format: spec/test-vectors.md §Negative
 * vectors). A replay of receiver-side events from a group's creation, each
 * with the outcome the spec prescribes: sender-key distributions and group
 * messages at Bob, membership changes at Bob and Carol. Everything is made by
 * the current implementation at generation time (crafted changes with the
 * current encoders, signed by the named actor), so the file follows format
 * changes; the generator refuses to write an outcome the spec does not give.
 */
import { GROUP_MAX_SKIP } from '../../src/constants.js';
import { generateEd25519KeyPair, sign, utf8, type Bytes, type Ed25519KeyPair, type RandomSource } from '../../src/crypto/index.js';
import {
  applyChange, createGroup, groupDecrypt, groupEncrypt, groupStateHash, joinGroup, kdfSenderChain, prepareSend, processDistribution, proposeChange,
  type GroupSession,
} from '../../src/group/index.js';
import { changeSignaturePayload } from '../../src/group/membership.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeGroupChangeBody, encodeMsgpack, encodeSignedGroupControl, type GroupChangeBody } from '../../src/wire/index.js';
import { bytesOf, flipBit, hex, mp, outcomeOf, readLoose, type Expected } from './_negative.js';

export const SEED = new Uint8Array(32).fill(0x67); // 'g'

type Name = 'alice' | 'bob' | 'carol' | 'dave';
const NAMES: Name[] = ['alice', 'bob', 'carol', 'dave'];

type Event =
  | { op: 'create'; actor: Name; members: Name[]; welcome: string }
  | { op: 'join'; member: Name; from: Name; welcome: string; expected: Expected }
  | { op: 'distribute'; from: Name; to: Name; payload: string; expected: Expected }
  | { op: 'deliver'; message: string; to: Name; name: string; expected: Expected }
  | { op: 'apply'; change: string; to: Name; name: string; expected: Expected };

/** Signs a change body as `actor` and encodes the signed change (§8.7). */
function signedChange(body: Bytes, actor: Ed25519KeyPair): Bytes {
  return encodeSignedGroupControl(body, sign(actor.privateKey, changeSignaturePayload(body)));
}

export default function negativeGroup(): unknown {
  // Drawn in order: the identity seeds of Alice, Bob, Carol and Dave (32 each), then their random source seeds (32 each).
  const source = seededRandom(SEED);
  const ids = Object.fromEntries(NAMES.map((n) => [n, generateEd25519KeyPair(source)])) as Record<Name, Ed25519KeyPair>;
  const seeds = Object.fromEntries(NAMES.map((n) => [n, source(32)])) as Record<Name, Bytes>;
  const randoms = Object.fromEntries(NAMES.map((n) => [n, seededRandom(seeds[n])])) as Record<Name, RandomSource>;
  const sessions = new Map<Name, GroupSession>();
  const events: Event[] = [];
  const at = (n: Name): GroupSession => sessions.get(n)!;

  /** Runs a receiver-side step, checks it ends as the spec says, keeps the new session on success. */
  const step = (event: Event, run: () => GroupSession, to: Name): void => {
    let next: GroupSession | undefined;
    const got = outcomeOf(() => { next = run(); });
    const expected = 'expected' in event ? event.expected : 'ok';
    if (got !== expected) throw new Error(`negative-group: ${JSON.stringify(event).slice(0, 120)} gave ${got}, the spec says ${expected}`);
    if (next !== undefined) sessions.set(to, next);
    events.push(event);
  };
  const deliver = (name: string, message: Bytes, to: Name, expected: Expected): void =>
    step({ op: 'deliver', name, message: hex(message), to, expected }, () => groupDecrypt(at(to), message).session, to);
  const apply = (name: string, change: Bytes, to: Name, expected: Expected): void =>
    step({ op: 'apply', name, change: hex(change), to, expected }, () => applyChange(at(to), change).session, to);
  const distribute = (from: Name, to: Name, payload: Bytes, expected: Expected): void =>
    step({ op: 'distribute', from, to, payload: hex(payload), expected }, () => processDistribution(at(to), ids[from].publicKey, payload).session, to);

  // Creation: Alice (admin) with Bob and Carol (members).
  const created = createGroup({
    identity: ids.alice, mode: 'group', random: randoms.alice,
    members: [{ identityKey: ids.bob.publicKey, role: 'member' }, { identityKey: ids.carol.publicKey, role: 'member' }],
  });
  sessions.set('alice', created.session);
  events.push({ op: 'create', actor: 'alice', members: ['bob', 'carol'], welcome: hex(created.welcome) });
  const join = (member: Name, from: Name, welcome: Bytes, expected: Expected): void =>
    step({ op: 'join', member, from, welcome: hex(welcome), expected }, () => joinGroup(ids[member].publicKey, ids[from].publicKey, welcome), member);
  const w = readLoose(created.welcome);
  join('carol', 'bob', created.welcome, 'NOT_AUTHORIZED'); // a welcome is accepted only from its actor (§8.8)
  join('carol', 'alice', encodeMsgpack({ ...w, s: flipBit(w['s'] as Bytes, 0) }), 'BAD_SIGNATURE');
  join('dave', 'alice', created.welcome, 'NOT_A_MEMBER'); // Dave is not listed in it
  join('bob', 'alice', created.welcome, 'ok');
  join('carol', 'alice', created.welcome, 'ok');
  const epoch0 = at('alice');

  // Alice's sender key and messages a0, a1, a(GROUP_MAX_SKIP + 1), a(GROUP_MAX_SKIP + 2). The iterations in
  // between are stepped over with the chain KDF alone (§8.2): the same chain, without signing a thousand messages.
  const prepared = prepareSend(at('alice'), randoms.alice);
  let alice = prepared.session;
  const a = new Map<number, Bytes>();
  const send = (i: number): void => {
    const key = alice.senderKey!;
    let chainKey = key.chainKey;
    for (let j = key.iteration; j < i; j++) chainKey = kdfSenderChain(chainKey).chainKey;
    const out = groupEncrypt({ ...alice, senderKey: { ...key, iteration: i, chainKey } }, utf8(`Parley negative group vector a${i}`));
    alice = out.session;
    a.set(i, out.message);
  };
  for (const i of [0, 1, GROUP_MAX_SKIP + 1, GROUP_MAX_SKIP + 2]) send(i);
  const payloadFor = (n: Name): Bytes => prepared.distributions.find((d) => hex(d.recipient) === hex(ids[n].publicKey))!.payload;

  deliver('a0 before its sender key arrived', a.get(0)!, 'bob', 'UNKNOWN_SENDER_KEY');
  distribute('dave', 'bob', payloadFor('bob'), 'NOT_A_MEMBER'); // a non-member handing on Alice's key
  distribute('alice', 'bob', payloadFor('bob'), 'ok');
  distribute('alice', 'bob', payloadFor('bob'), 'DUPLICATE_MESSAGE');
  distribute('alice', 'carol', payloadFor('carol'), 'ok');
  const a0 = readLoose(a.get(0)!);
  deliver('a0 with its body changed (signature)', encodeMsgpack({ ...a0, b: flipBit(a0['b'] as Bytes, -1) }), 'bob', 'BAD_SIGNATURE');
  deliver('a0', a.get(0)!, 'bob', 'ok');
  deliver('a0 again', a.get(0)!, 'bob', 'DUPLICATE_MESSAGE');
  deliver(`a${GROUP_MAX_SKIP + 2}: i − iteration = GROUP_MAX_SKIP + 1`, a.get(GROUP_MAX_SKIP + 2)!, 'bob', 'TOO_MANY_SKIPPED');
  deliver(`a${GROUP_MAX_SKIP + 1}: i − iteration = GROUP_MAX_SKIP`, a.get(GROUP_MAX_SKIP + 1)!, 'bob', 'ok');
  deliver('a1 from the skipped keys', a.get(1)!, 'bob', 'ok');
  deliver('a1 again', a.get(1)!, 'bob', 'DUPLICATE_MESSAGE');

  // Membership changes. c1: Alice adds Dave (epoch 1); c1x: Alice removes Carol, also for epoch 1 (a fork);
  // c2: Alice promotes Bob (epoch 2).
  const c1 = proposeChange(epoch0, ids.alice, { operation: 'add', target: ids.dave.publicKey, role: 'member' });
  const c1x = proposeChange(epoch0, ids.alice, { operation: 'remove', target: ids.carol.publicKey });
  const c2 = proposeChange(c1.session, ids.alice, { operation: 'promote', target: ids.bob.publicKey });
  const g0 = epoch0.group;
  const body0 = (change: Partial<GroupChangeBody>): GroupChangeBody => ({
    groupId: g0.groupId, epoch: 1, parentHash: groupStateHash(g0), operation: 'remove', target: ids.carol.publicKey, role: null, actor: ids.alice.publicKey, ...change,
  });
  const removeCarolBody = encodeGroupChangeBody(body0({}));
  const duplicateO = bytesOf([(removeCarolBody[0] as number) + 1, removeCarolBody.subarray(1), mp.str('o'), mp.str('add')]);
  const c1Fields = readLoose(c1.encoded);

  apply('c1 with its signature changed', encodeMsgpack({ ...c1Fields, s: flipBit(c1Fields['s'] as Bytes, 0) }), 'carol', 'BAD_SIGNATURE');
  apply('a change with two "o" keys (signed by Alice)', signedChange(duplicateO, ids.alice), 'carol', 'MALFORMED');
  apply('a change for another group id (signed by Alice)', signedChange(encodeGroupChangeBody(body0({ groupId: flipBit(g0.groupId, 0) })), ids.alice), 'carol', 'INVALID_STATE');
  apply('Dave, not a member, removes Carol', signedChange(encodeGroupChangeBody(body0({ actor: ids.dave.publicKey })), ids.dave), 'carol', 'NOT_A_MEMBER');
  apply('Bob, a member but not an admin, removes Carol', signedChange(encodeGroupChangeBody(body0({ actor: ids.bob.publicKey })), ids.bob), 'carol', 'NOT_AUTHORIZED');
  apply('c2 (epoch 2) at epoch 0', c2.encoded, 'carol', 'FUTURE_EPOCH');
  apply('c1', c1.encoded, 'bob', 'ok');
  apply('c1 again', c1.encoded, 'bob', 'STALE_EPOCH');
  apply('c1x: another change for epoch 1', c1x.encoded, 'bob', 'EPOCH_FORK');
  apply('c2', c2.encoded, 'bob', 'ok');
  apply('c1 at epoch 2', c1.encoded, 'bob', 'STALE_EPOCH');

  return {
    parameters: {
      seed: hex(SEED),
      identitySeeds: Object.fromEntries(NAMES.map((n) => [n, hex(ids[n].privateKey)])),
      randomSeeds: Object.fromEntries(NAMES.map((n) => [n, hex(seeds[n])])),
    },
    events,
  };
}
