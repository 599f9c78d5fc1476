/** Membership: changes, epochs and forks, rotation on leave, joiners' view, channels, state codec, 1,000 members (protocol.md §8.6–§8.10). */
import { describe, expect, it } from 'vitest';
import { toHex, type Bytes, type Ed25519KeyPair } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import {
  applyChange, createGroup, decodeGroupSession, encodeGroupSession, groupDecrypt, groupEncrypt, groupSend, groupStateHash, joinGroup,
  prepareSend, processDistribution, proposeChange, type GroupSession,
} from '../../../src/group/index.js';
import { deliverDistributions, expectCode, identities, makeGroup, seed, str, text } from './harness.js';

const random = seededRandom(seed(0x4d));

function send(s: GroupSession[], ids: readonly Ed25519KeyPair[], who: number, body: string): Bytes {
  const sent = groupSend(s[who]!, text(body), random);
  deliverDistributions(s, ids, ids[who]!.publicKey, sent.distributions);
  s[who] = sent.session;
  return sent.message;
}

/** `actor` proposes; every other listed session applies the change. */
function change(s: GroupSession[], ids: readonly Ed25519KeyPair[], actor: number, request: Parameters<typeof proposeChange>[2], appliers: number[]): { encoded: Bytes; welcome: Bytes | null } {
  const out = proposeChange(s[actor]!, ids[actor]!, request);
  s[actor] = out.session;
  for (const i of appliers) s[i] = applyChange(s[i]!, out.encoded).session;
  return { encoded: out.encoded, welcome: out.welcome };
}

describe('membership changes', () => {
  it('remove: every remaining member rotates before its next send, distributes only to the remaining, and the removed member reads nothing after', () => {
    const ids = identities(4);
    const s = makeGroup(ids);
    send(s, ids, 0, 'before');
    send(s, ids, 1, 'before from B');
    const removedSnapshot = s[3]!;
    const oldKeyA = s[0]!.senderKey!.keyId;
    change(s, ids, 0, { operation: 'remove', target: ids[3]!.publicKey }, [1, 2, 3]);
    expect(s[3]!.group.members.length).toBe(3);
    expect(s[3]!.receiverChains).toEqual([]);
    for (const who of [0, 1]) {
      expect(s[who]!.senderKey).toBeNull();
      expectCode(() => groupEncrypt(s[who]!, text('x')), 'INVALID_STATE');
      const sent = groupSend(s[who]!, text(`after ${who}`), random);
      expect(sent.distributions.map((d) => toHex(d.recipient)).sort()).toEqual([0, 1, 2].filter((i) => i !== who).map((i) => toHex(ids[i]!.publicKey)).sort());
      deliverDistributions(s, ids, ids[who]!.publicKey, sent.distributions);
      s[who] = sent.session;
      for (const r of [0, 1, 2].filter((i) => i !== who)) expect(str(groupDecrypt(s[r]!, sent.message).plaintext)).toBe(`after ${who}`);
      expect(() => groupDecrypt(removedSnapshot, sent.message)).toThrowError(expect.objectContaining({ name: 'ProtocolError' }));
    }
    expect(s[0]!.senderKey!.keyId === oldKeyA && s[0]!.senderKey!.iteration > 1).toBe(false);
    // The removed member's own later messages are refused by everyone.
    expectCode(() => prepareSend(s[3]!, random), 'NOT_A_MEMBER');
    const rogue = groupSend(removedSnapshot, text('still here?'), random);
    for (const r of [0, 1, 2]) {
      expectCode(() => processDistribution(s[r]!, ids[3]!.publicKey, rogue.distributions[0]!.payload), 'NOT_A_MEMBER');
      expectCode(() => groupDecrypt(s[r]!, rogue.message), 'UNKNOWN_SENDER_KEY');
    }
  });

  it('leave is signed by the leaving member and has the same effect as remove', () => {
    const ids = identities(3);
    const s = makeGroup(ids);
    send(s, ids, 0, 'hi');
    const leaver = s[2]!;
    change(s, ids, 2, { operation: 'leave', target: ids[2]!.publicKey }, [0, 1]);
    expect(s[0]!.senderKey).toBeNull();
    const m = send(s, ids, 0, 'after leave');
    expect(str(groupDecrypt(s[1]!, m).plaintext)).toBe('after leave');
    expect(() => groupDecrypt(leaver, m)).toThrowError(expect.objectContaining({ code: 'UNKNOWN_SENDER_KEY' }));
  });

  it('add: the new member gets each sender\'s current chain state and reads nothing sent before', () => {
    const ids = identities(4);
    const s = makeGroup(ids.slice(0, 3));
    const early = [send(s, ids, 0, 'a0'), send(s, ids, 0, 'a1'), send(s, ids, 1, 'b0')];
    const { welcome } = change(s, ids, 0, { operation: 'add', target: ids[3]!.publicKey }, [1, 2]);
    s.push(joinGroup(ids[3]!.publicKey, ids[0]!.publicKey, welcome!));
    expect(toHex(groupStateHash(s[3]!.group))).toBe(toHex(groupStateHash(s[1]!.group)));
    // A and B keep their keys (no rotation) and send them to D alone, at their current iteration.
    const a = groupSend(s[0]!, text('a2'), random);
    expect(a.distributions.map((d) => toHex(d.recipient))).toEqual([toHex(ids[3]!.publicKey)]);
    deliverDistributions(s, ids, ids[0]!.publicKey, a.distributions);
    s[0] = a.session;
    const b = send(s, ids, 1, 'b1');
    expect(s[3]!.receiverChains.map((c) => c.firstIteration)).toEqual([2, 1]);
    for (const m of early) expectCode(() => groupDecrypt(s[3]!, m), 'UNKNOWN_SENDER_KEY');
    expect(str(groupDecrypt(s[3]!, a.message).plaintext)).toBe('a2');
    expect(str(groupDecrypt(s[3]!, b).plaintext)).toBe('b1');
    expect(str(groupDecrypt(s[2]!, a.message).plaintext)).toBe('a2');
  });

  it('rejects changes from non-admins (NOT_AUTHORIZED), non-members (NOT_A_MEMBER) and bad signatures (BAD_SIGNATURE)', () => {
    const ids = identities(4);
    const s = makeGroup(ids.slice(0, 3));
    expectCode(() => proposeChange(s[1]!, ids[1]!, { operation: 'remove', target: ids[2]!.publicKey }), 'NOT_AUTHORIZED');
    expectCode(() => proposeChange(s[1]!, ids[1]!, { operation: 'add', target: ids[3]!.publicKey }), 'NOT_AUTHORIZED');
    const outsider = { ...s[0]!, self: ids[3]!.publicKey };
    expectCode(() => proposeChange(outsider, ids[3]!, { operation: 'remove', target: ids[2]!.publicKey }), 'NOT_A_MEMBER');
    const good = proposeChange(s[0]!, ids[0]!, { operation: 'remove', target: ids[2]!.publicKey }).encoded;
    const bad = good.slice();
    bad[bad.length - 1]! ^= 1;
    expectCode(() => applyChange(s[1]!, bad), 'BAD_SIGNATURE');
    expectCode(() => proposeChange(s[0]!, ids[0]!, { operation: 'remove', target: ids[3]!.publicKey }), 'NOT_A_MEMBER');
    expectCode(() => proposeChange(s[0]!, ids[0]!, { operation: 'add', target: ids[1]!.publicKey }), 'INVALID_STATE');
  });

  it('rejects stale epochs (STALE_EPOCH), forks (EPOCH_FORK) and gaps (FUTURE_EPOCH), leaving the state as it was', () => {
    const ids = identities(5);
    const s = makeGroup(ids.slice(0, 4));
    // B becomes a second admin.
    change(s, ids, 0, { operation: 'promote', target: ids[1]!.publicKey }, [1, 2, 3]);
    const e1 = s[2]!;
    // Concurrent changes at epoch 2 from A and B.
    const fromA = proposeChange(s[0]!, ids[0]!, { operation: 'remove', target: ids[3]!.publicKey });
    const fromB = proposeChange(s[1]!, ids[1]!, { operation: 'add', target: ids[4]!.publicKey });
    const c = applyChange(e1, fromA.encoded).session;
    expectCode(() => applyChange(c, fromA.encoded), 'STALE_EPOCH'); // already applied
    expectCode(() => applyChange(c, fromB.encoded), 'EPOCH_FORK'); // another change at our epoch
    // B's next change builds on its branch: its parent hash is not ours.
    const nextB = proposeChange(fromB.session, ids[1]!, { operation: 'demote', target: ids[1]!.publicKey });
    expectCode(() => applyChange(c, nextB.encoded), 'EPOCH_FORK');
    // A change two epochs ahead of e1 is a gap.
    const nextA = proposeChange(fromA.session, ids[0]!, { operation: 'promote', target: ids[2]!.publicKey });
    const before = structuredClone(e1);
    expectCode(() => applyChange(e1, nextA.encoded), 'FUTURE_EPOCH');
    expect(e1).toEqual(before);
    // And an older change is stale.
    const promote = proposeChange(makeGroup(ids.slice(0, 4))[0]!, ids[0]!, { operation: 'promote', target: ids[1]!.publicKey });
    expectCode(() => applyChange(c, promote.encoded), 'STALE_EPOCH');
  });

  it('welcomes must come from an admin of the state they describe, over that admin\'s pairwise session', () => {
    const ids = identities(3);
    const { welcome } = createGroup({ identity: ids[0]!, mode: 'group', members: [{ identityKey: ids[1]!.publicKey, role: 'member' }], random });
    expectCode(() => joinGroup(ids[1]!.publicKey, ids[2]!.publicKey, welcome), 'NOT_AUTHORIZED');
    expectCode(() => joinGroup(ids[2]!.publicKey, ids[0]!.publicKey, welcome), 'NOT_A_MEMBER');
    expect(joinGroup(ids[1]!.publicKey, ids[0]!.publicKey, welcome).group.members.length).toBe(2);
  });
});

describe('broadcast channels', () => {
  it('readers cannot post: prepareSend refuses, their distributions and messages are refused by every member', () => {
    const ids = identities(4);
    const s = makeGroup(ids, 'channel');
    expect(s[1]!.group.members.filter((m) => m.role === 'reader').length).toBe(3);
    const news = send(s, ids, 0, 'news');
    for (const r of [1, 2, 3]) expect(str(groupDecrypt(s[r]!, news).plaintext)).toBe('news');
    expectCode(() => prepareSend(s[1]!, random), 'NOT_AUTHORIZED');
    // A reader that builds a sender key anyway (bypassing its own check) is refused by everyone.
    const rogue = groupSend({ ...s[1]!, group: { ...s[1]!.group, mode: 'group', members: s[1]!.group.members.map((m) => ({ ...m, role: 'member' as const })) } }, text('spam'), random);
    for (const r of [0, 2, 3]) expectCode(() => processDistribution(s[r]!, ids[1]!.publicKey, rogue.distributions[0]!.payload), 'NOT_AUTHORIZED');
    // A demoted writer's messages are refused too, though its key is still held.
    change(s, ids, 0, { operation: 'promote', target: ids[1]!.publicKey }, [1, 2, 3]);
    const fromB = send(s, ids, 1, 'co-writer');
    expect(str(groupDecrypt(s[2]!, fromB).plaintext)).toBe('co-writer');
    change(s, ids, 0, { operation: 'demote', target: ids[1]!.publicKey }, [1, 2, 3]);
    expect(s[1]!.senderKey).toBeNull();
    expectCode(() => groupDecrypt(s[2]!, fromB), 'NOT_AUTHORIZED');
  });

  it('subscribe adds a reader; unsubscribe (by the reader) removes it and the writer rotates', () => {
    const ids = identities(4);
    const s = makeGroup(ids.slice(0, 3), 'channel');
    send(s, ids, 0, 'one');
    const { welcome } = change(s, ids, 0, { operation: 'subscribe', target: ids[3]!.publicKey }, [1, 2]);
    s.push(joinGroup(ids[3]!.publicKey, ids[0]!.publicKey, welcome!));
    const two = send(s, ids, 0, 'two');
    expect(str(groupDecrypt(s[3]!, two).plaintext)).toBe('two');
    const unsubscribed = s[3]!;
    change(s, ids, 3, { operation: 'unsubscribe', target: ids[3]!.publicKey }, [0, 1, 2]);
    expect(s[0]!.senderKey).toBeNull();
    const three = send(s, ids, 0, 'three');
    expect(str(groupDecrypt(s[1]!, three).plaintext)).toBe('three');
    expectCode(() => groupDecrypt(unsubscribed, three), 'UNKNOWN_SENDER_KEY');
    expectCode(() => proposeChange(s[1]!, ids[1]!, { operation: 'subscribe', target: ids[3]!.publicKey }), 'NOT_AUTHORIZED');
  });
});

describe('group session state', () => {
  it('serializes and restores to identical behaviour; strict decoding', () => {
    const ids = identities(3);
    const s = makeGroup(ids);
    const m = [send(s, ids, 0, 'x0'), send(s, ids, 0, 'x1'), send(s, ids, 0, 'x2')];
    const b = groupDecrypt(s[1]!, m[2]!).session;
    const restored = decodeGroupSession(encodeGroupSession(b));
    expect(restored).toEqual(b);
    expect(encodeGroupSession(restored)).toEqual(encodeGroupSession(b));
    expect(str(groupDecrypt(restored, m[0]!).plaintext)).toBe('x0');
    const a = decodeGroupSession(encodeGroupSession(s[0]!));
    expect(groupEncrypt(a, text('y')).message).toEqual(groupEncrypt(s[0]!, text('y')).message);
    expectCode(() => decodeGroupSession(text('nope')), 'MALFORMED');
    const broken = { ...b, skippedMessageKeys: [{ signingKey: new Uint8Array(32), iteration: 0, messageKey: new Uint8Array(32) }] };
    expectCode(() => decodeGroupSession(encodeGroupSession(broken)), 'INVALID_STATE');
  });
});

describe('1,000 members', () => {
  it('creation, distribution bookkeeping, and one send decrypted by a sample; the message size does not depend on the group size', () => {
    const ids = identities(1000, seededRandom(seed(0x31)));
    const { session, welcome } = createGroup({
      identity: ids[0]!, mode: 'group', random,
      members: ids.slice(1).map((id) => ({ identityKey: id.publicKey, role: 'member' as const })),
    });
    expect(session.group.members.length).toBe(1000);
    const sent = groupSend(session, text('to a thousand'), random);
    expect(sent.distributions.length).toBe(999);
    expect(new Set(sent.distributions.map((d) => d.payload)).size).toBe(1); // one distribution payload for all
    expect(sent.session.pendingRecipients).toEqual([]);
    for (const i of [1, 2, 500, 998, 999]) {
      const member = joinGroup(ids[i]!.publicKey, ids[0]!.publicKey, welcome);
      const d = sent.distributions.find((x) => toHex(x.recipient) === toHex(ids[i]!.publicKey))!;
      const ready = processDistribution(member, ids[0]!.publicKey, d.payload).session;
      expect(str(groupDecrypt(ready, sent.message).plaintext)).toBe('to a thousand');
    }
    const next = groupEncrypt(sent.session, text('to a thousand'));
    expect(next.session.group).toBe(sent.session.group); // the member list is not touched per message
    const small = makeGroup(ids.slice(0, 10));
    const smallSent = groupSend(small[0]!, text('to a thousand'), random);
    expect(smallSent.message.length).toBe(sent.message.length);
    expect(() => createGroup({ identity: ids[0]!, mode: 'group', random, members: [...ids.slice(1), identities(1, seededRandom(seed(1)))[0]!].map((id) => ({ identityKey: id.publicKey, role: 'member' as const })) })).toThrowError(expect.objectContaining({ code: 'INVALID_STATE' }));
  });
});

describe('benchmark fixture', () => {
  it('gives a sender ready to encrypt and a receiver that decrypts, at any size', async () => {
    const { createGroupBenchmarkFixture } = await import('../../../src/testing/index.js');
    for (const members of [10, 100]) {
      const f = createGroupBenchmarkFixture({ members, random: seededRandom(seed(members)) });
      expect(f.distributions.length).toBe(members - 1);
      const sent = groupEncrypt(f.sender, text('bench'));
      expect(str(groupDecrypt(f.receiver, sent.message).plaintext)).toBe('bench');
    }
  });
});
