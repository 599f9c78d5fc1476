/**
 * spec/vectors/negative-state.json: serialized state a decoder must refuse
 * (protocol.md §7.1 session records, §8.10 group sessions; format:
 * spec/test-vectors.md §Negative vectors). The valid states are made by the
 * current APIs at generation time and changed one thing at a time, so the
 * file follows the layouts when they change; the generator refuses to write
 * an outcome the spec does not prescribe.
 */
import {
  GROUP_MAX_SKIPPED_KEYS, MAX_ARCHIVED_SESSIONS, MAX_CHAIN_INDEX, MAX_GROUP_STATE_SIZE, MAX_PREKEY_STATE_SIZE, MAX_RETIRED_BASES,
  MAX_SENDER_KEYS_PER_MEMBER, MAX_STATE_SIZE,
} from '../../src/constants.js';
import { generateEd25519KeyPair, utf8, type Bytes, type Ed25519KeyPair, type RandomSource } from '../../src/crypto/index.js';
import {
  applyChange, createGroup, decodeGroupSession, encodeGroupSession, groupDecrypt, groupEncrypt, joinGroup, prepareSend, processDistribution, proposeChange,
  type GroupSession,
} from '../../src/group/index.js';
import {
  buildPreKeyBundle, createPreKeyState, decodePreKeyState, encodePreKeyState, identityKeyPairFromSeed, type PreKeyState,
} from '../../src/identity/index.js';
import { decodeSessionRecord, EMPTY_RECORD, encodeSessionRecord, startSession } from '../../src/session/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeMsgpack, MAX_PREKEY_ID } from '../../src/wire/index.js';
import { expectOutcome, flipBit, hex, padded, readLoose, type Expected } from './_negative.js';

export const SEED = new Uint8Array(32).fill(0x53); // 'S'
export const CREATED_AT = 1_767_225_600_000;

type Decoder = 'group-session' | 'session-record' | 'prekey-state';
interface Case { name: string; decoder: Decoder; input: string; padTo?: number; expected: Expected }
type Body = Record<string, unknown>;
type Tuple = unknown[];

const DECODERS: Record<Decoder, (b: Bytes) => unknown> = {
  'group-session': decodeGroupSession, 'session-record': decodeSessionRecord, 'prekey-state': decodePreKeyState,
};

/** A case whose input is `value` (bytes as they are, anything else msgpack-encoded), checked against the decoder now. */
function makeCase(decoder: Decoder, name: string, value: unknown, expected: Expected, padTo?: number): Case {
  const input = value instanceof Uint8Array ? value : encodeMsgpack(value);
  const fed = padTo === undefined ? input : padded(input, padTo);
  expectOutcome('negative-state', name, expected, () => DECODERS[decoder](fed));
  return { name, decoder, input: hex(input), ...(padTo === undefined ? {} : { padTo }), expected };
}

/**
 * Bob's group session with every part filled: Alice (admin) made the group
 * with Bob and Carol, sent a0–a2 under her sender key (Bob read a2 only, so
 * a0 and a1 are skipped keys), Bob made his own sender key, then Alice added
 * Dave, who is pending at Bob.
 */
function bobGroupSession(ids: Record<'alice' | 'bob' | 'carol' | 'dave', Ed25519KeyPair>, random: RandomSource): GroupSession {
  const created = createGroup({
    identity: ids.alice, mode: 'group', random,
    members: [{ identityKey: ids.bob.publicKey, role: 'member' }, { identityKey: ids.carol.publicKey, role: 'member' }],
  });
  let bob = joinGroup(ids.bob.publicKey, ids.alice.publicKey, created.welcome);
  const prepared = prepareSend(created.session, random);
  let alice = prepared.session;
  const toBob = prepared.distributions.find((d) => hex(d.recipient) === hex(ids.bob.publicKey))!;
  bob = processDistribution(bob, ids.alice.publicKey, toBob.payload).session;
  let a2: Bytes = new Uint8Array(0);
  for (const i of [0, 1, 2]) {
    const out = groupEncrypt(alice, utf8(`Parley negative state vector a${i}`));
    alice = out.session;
    a2 = out.message;
  }
  bob = groupDecrypt(bob, a2).session;
  bob = prepareSend(bob, random).session;
  const addDave = proposeChange(alice, ids.alice, { operation: 'add', target: ids.dave.publicKey, role: 'member' });
  return applyChange(bob, addDave.encoded).session;
}

function groupSessionCases(session: GroupSession, stranger: Bytes): Case[] {
  const valid = encodeGroupSession(session);
  const [version, kind, body] = readLoose(valid) as unknown as [number, string, Body];
  const group = body['group'] as Body;
  const members = group['ms'] as Tuple[];
  const sk = body['sk'] as Body;
  const chains = body['chains'] as Tuple[];
  const skipped = body['skipped'] as Tuple[];
  const self = body['self'] as Bytes;
  const [chain] = chains as [Tuple];
  const [sender, , spk, first, iteration] = chain as [Bytes, number, Bytes, number, number];
  const c = (name: string, value: unknown, expected: Expected, padTo?: number) => makeCase('group-session', name, value, expected, padTo);
  const withBody = (change: Body): unknown => [version, kind, { ...body, ...change }];
  const withGroup = (change: Body): unknown => withBody({ group: { ...group, ...change } });
  const withChain = (change: Record<number, unknown>): unknown => withBody({ chains: [chain.map((v, i) => (i in change ? change[i] : v))] });
  const otherSpk = (n: number): Bytes => flipBit(spk, n);
  if (chains.length !== 1 || skipped.length < 2 || (body['pending'] as Tuple).length !== 1) throw new Error('negative-state: unexpected group session shape');
  return [
    c('valid', valid, 'ok'),
    c('version + 1', [version + 1, kind, body], 'UNSUPPORTED_VERSION'),
    c('kind "session-record"', [version, 'session-record', body], 'INVALID_STATE'),
    c('body with an unknown key', withBody({ zz: null }), 'MALFORMED'),
    c('body without its first key', [version, kind, Object.fromEntries(Object.entries(body).slice(1))], 'MALFORMED'),
    c('one byte past MAX_GROUP_STATE_SIZE (zero padding)', valid, 'OVERSIZE', MAX_GROUP_STATE_SIZE + 1),
    c('group: unknown mode "forum"', withGroup({ m: 'forum' }), 'MALFORMED'),
    c('group: a 15-byte group id', withGroup({ g: (group['g'] as Bytes).subarray(1) }), 'MALFORMED'),
    c('group: members in reverse order', withGroup({ ms: [...members].reverse() }), 'INVALID_STATE'),
    c('group: a member listed twice', withGroup({ ms: [members[0], ...members] }), 'INVALID_STATE'),
    c('group: a role not of the mode ("reader" in a group)', withGroup({ ms: members.map(([k, r]) => [k, r === 'member' ? 'reader' : r]) }), 'INVALID_STATE'),
    c('sk: a 31-byte signing seed', withBody({ sk: { ...sk, ss: (sk['ss'] as Bytes).subarray(1) } }), 'MALFORMED'),
    c('sk: iteration = 2^32', withBody({ sk: { ...sk, i: MAX_CHAIN_INDEX + 1 } }), 'MALFORMED'),
    c('group: epoch = 2^32', withGroup({ e: MAX_CHAIN_INDEX + 1 }), 'MALFORMED'),
    c('chains: an entry of 5 elements', withBody({ chains: [chain.slice(0, 5)] }), 'MALFORMED'),
    c('chains: iteration = 2^32 (the largest)', withChain({ 4: MAX_CHAIN_INDEX + 1 }), 'ok'),
    c('chains: iteration = 2^32 + 1', withChain({ 4: MAX_CHAIN_INDEX + 2 }), 'MALFORMED'),
    c(`skipped: ${GROUP_MAX_SKIPPED_KEYS + 1} entries (nil, past the bound)`, withBody({ skipped: new Array(GROUP_MAX_SKIPPED_KEYS + 1).fill(null) }), 'MALFORMED'),
    c('self is not a member but keeps keys', withBody({ self: stranger }), 'INVALID_STATE'),
    c('a sender key while we may not post (channel, self a reader)', withGroup({
      m: 'channel', ms: members.map(([k, r]) => [k, r === 'member' ? 'reader' : r]),
    }), 'INVALID_STATE'),
    c('pending recipients without a sender key', withBody({ sk: null }), 'INVALID_STATE'),
    c('a pending recipient who is not a member', withBody({ pending: [stranger] }), 'INVALID_STATE'),
    c('ourselves as a pending recipient', withBody({ pending: [self] }), 'INVALID_STATE'),
    c('a chain of a non-member', withChain({ 0: stranger }), 'INVALID_STATE'),
    c('a chain of ourselves', withChain({ 0: self }), 'INVALID_STATE'),
    c('a chain with iteration < first', withChain({ 3: iteration + 1 }), 'INVALID_STATE'),
    c(`${MAX_SENDER_KEYS_PER_MEMBER + 1} chains of one sender`, withBody({
      chains: [chain, ...Array.from({ length: MAX_SENDER_KEYS_PER_MEMBER }, (_, n) => chain.map((v, i) => (i === 2 ? otherSpk(n) : v)))],
    }), 'INVALID_STATE'),
    c(`${MAX_SENDER_KEYS_PER_MEMBER} chains of one sender`, withBody({
      chains: [chain, ...Array.from({ length: MAX_SENDER_KEYS_PER_MEMBER - 1 }, (_, n) => chain.map((v, i) => (i === 2 ? otherSpk(n) : v)))],
    }), 'ok'),
    c('two chains with one SPK (of two senders)', withBody({
      chains: [chain, chain.map((v, i) => (i === 0 ? (members.find(([k]) => hex(k as Bytes) !== hex(sender) && hex(k as Bytes) !== hex(self))![0]) : v))],
    }), 'INVALID_STATE'),
    c('a skipped key whose SPK names no chain', withBody({ skipped: [[otherSpk(0), ...skipped[0]!.slice(1)], ...skipped.slice(1)] }), 'INVALID_STATE'),
    c('a skipped key at the chain\'s iteration', withBody({ skipped: [[spk, iteration, skipped[0]![2]], ...skipped.slice(1)] }), 'INVALID_STATE'),
    c('a skipped key before the chain\'s first iteration', withChain({ 3: first + 1 }), 'INVALID_STATE'),
    c('a skipped key twice', withBody({ skipped: [...skipped, skipped[0]] }), 'INVALID_STATE'),
  ];
}

function sessionRecordCases(valid: Bytes, groupSession: Bytes): Case[] {
  const [version, kind, body] = readLoose(valid) as unknown as [number, string, Body];
  const current = body['c'] as Body;
  const pending = current['pending'] as Body;
  const c = (name: string, value: unknown, expected: Expected, padTo?: number) => makeCase('session-record', name, value, expected, padTo);
  const withBody = (change: Body): unknown => [version, kind, { ...body, ...change }];
  const withCurrent = (change: Body): unknown => withBody({ c: { ...current, ...change } });
  if (current['role'] !== 'initiator' || pending === null) throw new Error('negative-state: expected a pending initiator session');
  return [
    c('valid (an initiator session with its pending header)', valid, 'ok'),
    c('version 1 (upgraded: the pending session is dropped)', [1, kind, body], 'ok'),
    c('version 0', [0, kind, body], 'UNSUPPORTED_VERSION'),
    c('version + 1', [version + 1, kind, body], 'UNSUPPORTED_VERSION'),
    c('kind "group-session"', [version, 'group-session', body], 'INVALID_STATE'),
    c('body with an unknown key', withBody({ zz: null }), 'MALFORMED'),
    c('one byte past MAX_STATE_SIZE (zero padding)', valid, 'OVERSIZE', MAX_STATE_SIZE + 1),
    c('role "observer"', withCurrent({ role: 'observer' }), 'MALFORMED'),
    c('a responder session with a pending header', withCurrent({ role: 'responder' }), 'INVALID_STATE'),
    c('a responder session without one', withCurrent({ role: 'responder', pending: null }), 'ok'),
    c('pending: a kemCiphertext one byte short', withCurrent({ pending: { ...pending, kemCiphertext: (pending['kemCiphertext'] as Bytes).subarray(1) } }), 'MALFORMED'),
    c('ratchet: empty', withCurrent({ ratchet: new Uint8Array(0) }), 'MALFORMED'),
    c('ratchet: a serialized group session (another kind)', withCurrent({ ratchet: groupSession }), 'INVALID_STATE'),
    c(`archived: ${MAX_ARCHIVED_SESSIONS + 1} entries (nil, past the bound)`, withBody({ a: new Array(MAX_ARCHIVED_SESSIONS + 1).fill(null) }), 'MALFORMED'),
    c(`retired: ${MAX_RETIRED_BASES + 1} entries (nil, past the bound)`, withBody({ r: new Array(MAX_RETIRED_BASES + 1).fill(null) }), 'MALFORMED'),
    c('retired: a 31-byte base key', withBody({ r: [(current['base'] as Bytes).subarray(1)] }), 'MALFORMED'),
  ];
}

function preKeyStateCases(state: PreKeyState): Case[] {
  const valid = encodePreKeyState(state);
  const [version, kind, body] = readLoose(valid) as unknown as [number, string, Body];
  const signed = body['signedPreKey'] as Body;
  const lastResort = body['lastResortKemPreKey'] as Body;
  const oneTime = body['oneTimePreKeys'] as Body[];
  const c = (name: string, value: unknown, expected: Expected, padTo?: number) => makeCase('prekey-state', name, value, expected, padTo);
  const withBody = (change: Body): unknown => [version, kind, { ...body, ...change }];
  const [k1, k2] = oneTime as [Body, Body];
  if (oneTime.length !== 2 || (body['kemPreKeys'] as Body[]).length !== 0 || body['previous'] !== null) throw new Error('negative-state: unexpected prekey state shape');
  return [
    c('valid', valid, 'ok'),
    c('version + 1', [version + 1, kind, body], 'UNSUPPORTED_VERSION'),
    c('kind "identity"', [version, 'identity', body], 'INVALID_STATE'),
    c('one byte past MAX_PREKEY_STATE_SIZE (zero padding)', valid, 'OVERSIZE', MAX_PREKEY_STATE_SIZE + 1),
    c('lastResortKemPreKey: a secret key one byte short', withBody({ lastResortKemPreKey: { ...lastResort, secretKey: (lastResort['secretKey'] as Bytes).subarray(1) } }), 'MALFORMED'),
    c('nextOneTimePreKeyId = 2^32 + 1', withBody({ nextOneTimePreKeyId: MAX_PREKEY_ID + 2 }), 'MALFORMED'),
    c('signedPreKey: a public key not of its private key', withBody({ signedPreKey: { ...signed, publicKey: k1['publicKey'] } }), 'INVALID_STATE'),
    c('a one-time prekey whose public key is not of its private key', withBody({ oneTimePreKeys: [{ ...k1, publicKey: k2['publicKey'] }, k2] }), 'INVALID_STATE'),
    c('signedPreKey: id 0', withBody({ signedPreKey: { ...signed, id: 0 } }), 'INVALID_STATE'),
    c('one-time prekey ids descending', withBody({ oneTimePreKeys: [k2, k1] }), 'INVALID_STATE'),
    c('a one-time prekey id at its counter', withBody({ nextOneTimePreKeyId: k2['id'] }), 'INVALID_STATE'),
    c('a one-time KEM prekey with the last-resort id', withBody({ kemPreKeys: [lastResort] }), 'INVALID_STATE'),
  ];
}

export default function negativeState(): unknown {
  // Drawn in order: the identity seeds of Alice, Bob, Carol, Dave and a stranger (32 each); the group source seed (32);
  // Bob's prekey state (§4.6, no one-time prekeys, no one-time KEM prekeys); Alice's session source seed (32);
  // Bob's second prekey state (two one-time prekeys, no one-time KEM prekeys).
  const source = seededRandom(SEED);
  const [alice, bob, carol, dave, stranger] = Array.from({ length: 5 }, () => generateEd25519KeyPair(source)) as [Ed25519KeyPair, Ed25519KeyPair, Ed25519KeyPair, Ed25519KeyPair, Ed25519KeyPair];
  const groupSeed = source(32);
  const session = bobGroupSession({ alice, bob, carol, dave }, seededRandom(groupSeed));
  const bobIdentity = identityKeyPairFromSeed(bob.privateKey);
  const preKeys = createPreKeyState({ identity: bobIdentity, now: CREATED_AT, random: source, oneTimePreKeys: 0, kemPreKeys: 0 });
  const sessionSeed = source(32);
  const record = startSession({ record: EMPTY_RECORD, identity: identityKeyPairFromSeed(alice.privateKey), bundle: buildPreKeyBundle(preKeys, bobIdentity.publicKey), random: seededRandom(sessionSeed), version: 2 });
  const groupSession = encodeGroupSession(session);
  const preKeyState = createPreKeyState({ identity: bobIdentity, now: CREATED_AT, random: source, oneTimePreKeys: 2, kemPreKeys: 0 });
  return {
    parameters: {
      seed: hex(SEED), createdAt: CREATED_AT,
      identitySeeds: { alice: hex(alice.privateKey), bob: hex(bob.privateKey), carol: hex(carol.privateKey), dave: hex(dave.privateKey), stranger: hex(stranger.privateKey) },
      groupRandomSeed: hex(groupSeed), sessionRandomSeed: hex(sessionSeed),
    },
    cases: [...groupSessionCases(session, stranger.publicKey), ...sessionRecordCases(encodeSessionRecord(record), groupSession), ...preKeyStateCases(preKeyState)],
  };
}
