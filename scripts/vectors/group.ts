/**
 * spec/vectors/group.json: a group conversation with membership changes
 * (spec/test-vectors.md §Group). Alice creates a group with Bob and Carol;
 * messages flow out of order; Alice adds Dave (who gets current chain states
 * only) and removes Carol (every remaining sender rotates).
 */
import { equalBytes, generateEd25519KeyPair, sha256, toHex, utf8, type Bytes, type Ed25519KeyPair, type RandomSource } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import {
  applyChange, createGroup, deriveGroupBodyKeys, groupAssociatedData, groupDecrypt, groupEncrypt, groupKeyCommitment, groupStateHash, joinGroup,
  kdfSenderChain, processDistribution,
  prepareSend, proposeChange, type GroupSession,
} from '../../src/group/index.js';
import { decodeGroupChange, decodeGroupMessage, pad } from '../../src/wire/index.js';

type Name = 'alice' | 'bob' | 'carol' | 'dave';
const NAMES: Name[] = ['alice', 'bob', 'carol', 'dave'];
const SEEDS: Record<Name, number> = { alice: 0x61, bob: 0x62, carol: 0x63, dave: 0x64 };
const IDENTITY_SEED = 0x47;

function fill(byte: number): Bytes {
  return new Uint8Array(32).fill(byte);
}

export default function generate(): unknown {
  const idSource = seededRandom(fill(IDENTITY_SEED));
  const ids = Object.fromEntries(NAMES.map((n) => [n, generateEd25519KeyPair(idSource)])) as Record<Name, Ed25519KeyPair>;
  const randoms = Object.fromEntries(NAMES.map((n) => [n, seededRandom(fill(SEEDS[n]))])) as Record<Name, RandomSource>;
  const nameOf = (ik: Bytes): Name => NAMES.find((n) => equalBytes(ids[n].publicKey, ik)) as Name;
  const sessions = new Map<Name, GroupSession>();
  const events: unknown[] = [];
  const sent = new Map<string, { message: Bytes; plaintext: string }>();

  const created = createGroup({
    identity: ids.alice, mode: 'group', random: randoms.alice,
    members: [{ identityKey: ids.bob.publicKey, role: 'member' }, { identityKey: ids.carol.publicKey, role: 'member' }],
  });
  sessions.set('alice', created.session);
  events.push({ op: 'create', actor: 'alice', mode: 'group', members: ['bob', 'carol'], roles: { alice: 'admin', bob: 'member', carol: 'member' }, groupId: toHex(created.session.group.groupId), welcome: toHex(created.welcome), stateHash: toHex(groupStateHash(created.session.group)) });
  for (const n of ['bob', 'carol'] as const) {
    sessions.set(n, joinGroup(ids[n].publicKey, ids.alice.publicKey, created.welcome));
    events.push({ op: 'join', member: n, from: 'alice', welcome: toHex(created.welcome) });
  }

  const send = (sender: Name, id: string): void => {
    const before = sessions.get(sender) as GroupSession;
    const plaintext = utf8(`Parley group vector message ${id}`);
    // groupSend = prepareSend then groupEncrypt; split here to record the chain key of this iteration.
    const prepared = prepareSend(before, randoms[sender]);
    const chainKey = (prepared.session.senderKey as NonNullable<GroupSession['senderKey']>).chainKey;
    const encrypted = groupEncrypt(prepared.session, plaintext);
    const out = { session: encrypted.session, message: encrypted.message, distributions: prepared.distributions };
    const key = out.session.senderKey as NonNullable<GroupSession['senderKey']>;
    const decoded = decodeGroupMessage(out.message);
    const step = kdfSenderChain(chainKey);
    const keys = deriveGroupBodyKeys(step.messageKey);
    for (const d of out.distributions) {
      const to = nameOf(d.recipient);
      sessions.set(to, processDistribution(sessions.get(to) as GroupSession, ids[sender].publicKey, d.payload).session);
    }
    sessions.set(sender, out.session);
    sent.set(id, { message: out.message, plaintext: toHex(plaintext) });
    events.push({
      op: 'send', id, sender, plaintext: toHex(plaintext), epoch: decoded.epoch, stateHash: toHex(decoded.stateHash), keyId: decoded.keyId,
      iteration: decoded.iteration, signingPublicKey: toHex(key.signingKey.publicKey),
      chainKey: toHex(chainKey), messageKey: toHex(step.messageKey), nextChainKey: toHex(step.chainKey), aeadKey: toHex(keys.key), aeadNonce: toHex(keys.nonce),
      paddedPlaintext: toHex(pad(plaintext)), commitment: toHex(groupKeyCommitment(step.messageKey)),
      associatedData: toHex(groupAssociatedData({ ...decoded, sender: ids[sender].publicKey })),
      ciphertext: toHex(decoded.ciphertext), body: toHex(decoded.body), signature: toHex(decoded.signature), message: toHex(out.message),
      distributions: out.distributions.map((d) => ({ to: nameOf(d.recipient), payload: toHex(d.payload) })),
    });
  };

  const deliver = (id: string, to: Name): void => {
    const m = sent.get(id) as { message: Bytes; plaintext: string };
    const out = groupDecrypt(sessions.get(to) as GroupSession, m.message);
    sessions.set(to, out.session);
    events.push({ op: 'deliver', id, to, sender: nameOf(out.sender), plaintext: m.plaintext, agreement: out.agreement });
  };

  const change = (actor: Name, operation: 'add' | 'remove', target: Name, appliers: Name[]): void => {
    const out = proposeChange(sessions.get(actor) as GroupSession, ids[actor], { operation, target: ids[target].publicKey });
    sessions.set(actor, out.session);
    for (const n of appliers) sessions.set(n, applyChange(sessions.get(n) as GroupSession, out.encoded).session);
    const body = decodeGroupChange(out.encoded).body;
    events.push({
      op: 'change', actor, operation, target, role: out.change.role, epoch: out.change.epoch, change: toHex(out.encoded), changeDigest: toHex(sha256(body)),
      stateHash: toHex(groupStateHash(out.session.group)), appliedBy: appliers, welcome: out.welcome === null ? null : toHex(out.welcome),
    });
    if (out.welcome !== null) {
      sessions.set(target, joinGroup(ids[target].publicKey, ids[actor].publicKey, out.welcome));
      events.push({ op: 'join', member: target, from: actor, welcome: toHex(out.welcome) });
    }
    if (operation === 'remove') sessions.delete(target);
  };

  send('alice', 'a0');
  send('alice', 'a1');
  send('bob', 'b0');
  deliver('a1', 'bob');
  deliver('b0', 'alice');
  deliver('a0', 'carol');
  deliver('a0', 'bob');
  deliver('b0', 'carol');
  deliver('a1', 'carol');
  change('alice', 'add', 'dave', ['bob', 'carol']);
  send('alice', 'a2');
  send('bob', 'b1');
  deliver('a2', 'dave');
  deliver('b1', 'dave');
  deliver('a2', 'carol');
  deliver('b1', 'alice');
  deliver('a2', 'bob');
  deliver('b1', 'carol');
  change('alice', 'remove', 'carol', ['bob', 'carol', 'dave']);
  send('alice', 'a3');
  send('bob', 'b2');
  send('dave', 'd0');
  deliver('d0', 'bob');
  deliver('a3', 'dave');
  deliver('b2', 'alice');
  deliver('a3', 'bob');
  deliver('d0', 'alice');
  deliver('b2', 'dave');

  return {
    parameters: {
      identitySeed: toHex(fill(IDENTITY_SEED)),
      randomSeeds: Object.fromEntries(NAMES.map((n) => [n, toHex(fill(SEEDS[n]))])),
    },
    identities: Object.fromEntries(NAMES.map((n) => [n, { seed: toHex(ids[n].privateKey), identityKey: toHex(ids[n].publicKey) }])),
    events,
  };
}

