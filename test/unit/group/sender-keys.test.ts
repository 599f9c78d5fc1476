/** Sender Keys: sending, receiving, skipped keys, duplicates, signatures, failure atomicity (protocol.md §8.2–§8.5). */
import { describe, expect, it } from 'vitest';
import { GROUP_MAX_SKIP, GROUP_MAX_SKIPPED_KEYS, MAX_SENDER_KEYS_PER_MEMBER } from '../../../src/constants.js';
import { concatBytes, sign, toHex, utf8, type Bytes, type RandomSource } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import {
  groupAssociatedData, groupDecrypt, groupEncrypt, groupKeyCommitment, groupSend, kdfSenderChain, prepareSend, processDistribution, rotateSenderKey,
  type GroupSession,
} from '../../../src/group/index.js';
import { decodeGroupMessage, encodeGroupMessage, encodeGroupMessageBody } from '../../../src/wire/index.js';
import { sealGroupBody } from '../../../src/group/message-key.js';
import { deliverDistributions, expectCode, identities, makeGroup, seed, str, text } from './harness.js';

const random = seededRandom(seed(0x52));

function threeMembers(): { ids: ReturnType<typeof identities>; s: GroupSession[] } {
  const ids = identities(3);
  return { ids, s: makeGroup(ids) };
}

/** Has `who` send `n` messages, distributing first; returns the messages. */
function sendMany(s: GroupSession[], ids: ReturnType<typeof identities>, who: number, n: number, r: RandomSource = random): Bytes[] {
  const out: Bytes[] = [];
  for (let i = 0; i < n; i++) {
    const sent = groupSend(s[who] as GroupSession, text(`m${i}`), r);
    deliverDistributions(s, ids, ids[who]!.publicKey, sent.distributions);
    s[who] = sent.session;
    out.push(sent.message);
  }
  return out;
}

describe('group messages', () => {
  it('one ciphertext decrypts at every other member, with the sender authenticated', () => {
    const { ids, s } = threeMembers();
    const sent = groupSend(s[0]!, text('hello group'), random);
    expect(sent.distributions.map((d) => toHex(d.recipient)).sort()).toEqual([ids[1]!, ids[2]!].map((i) => toHex(i.publicKey)).sort());
    deliverDistributions(s, ids, ids[0]!.publicKey, sent.distributions);
    for (const i of [1, 2]) {
      const out = groupDecrypt(s[i]!, sent.message);
      expect(str(out.plaintext)).toBe('hello group');
      expect(toHex(out.sender)).toBe(toHex(ids[0]!.publicKey));
    }
    // The second send needs no distribution.
    expect(groupSend(sent.session, text('again'), random).distributions).toEqual([]);
  });

  it('groupEncrypt refuses until prepareSend has run (no key, or a member still waiting)', () => {
    const { s } = threeMembers();
    expectCode(() => groupEncrypt(s[0]!, text('x')), 'INVALID_STATE');
    const prepared = prepareSend(s[0]!, random).session;
    expect(() => groupEncrypt(prepared, text('x'))).not.toThrow();
    expectCode(() => groupEncrypt({ ...prepared, pendingRecipients: [s[1]!.self] }, text('x')), 'INVALID_STATE');
  });

  it('delivers out of order; a duplicate is DUPLICATE_MESSAGE with the state unchanged', () => {
    const { ids, s } = threeMembers();
    const messages = sendMany(s, ids, 0, 6);
    let b = s[1]!;
    for (const i of [3, 0, 5, 1, 4, 2]) {
      const out = groupDecrypt(b, messages[i]!);
      expect(str(out.plaintext)).toBe(`m${i}`);
      b = out.session;
      expectCode(() => groupDecrypt(b, messages[i]!), 'DUPLICATE_MESSAGE');
    }
    expect(b.skippedMessageKeys).toEqual([]);
  });

  it(`refuses a message more than GROUP_MAX_SKIP (${GROUP_MAX_SKIP}) ahead before deriving anything, accepts exactly that far`, () => {
    const { ids, s } = threeMembers();
    const messages = sendMany(s, ids, 0, GROUP_MAX_SKIP + 2);
    const b = s[1]!;
    expectCode(() => groupDecrypt(b, messages[GROUP_MAX_SKIP + 1]!), 'TOO_MANY_SKIPPED');
    const out = groupDecrypt(b, messages[GROUP_MAX_SKIP]!);
    expect(out.session.skippedMessageKeys.length).toBe(GROUP_MAX_SKIP);
    expect(str(groupDecrypt(out.session, messages[7]!).plaintext)).toBe('m7');
  });

  it(`evicts the oldest skipped keys beyond GROUP_MAX_SKIPPED_KEYS (${GROUP_MAX_SKIPPED_KEYS}), across senders`, () => {
    const { ids, s } = threeMembers();
    const fromA = sendMany(s, ids, 0, GROUP_MAX_SKIP + 1);
    const fromB = sendMany(s, ids, 1, GROUP_MAX_SKIP + 1);
    const fromA2 = sendMany(s, ids, 0, 2);
    let c = groupDecrypt(s[2]!, fromA[GROUP_MAX_SKIP]!).session;
    c = groupDecrypt(c, fromB[GROUP_MAX_SKIP]!).session;
    expect(c.skippedMessageKeys.length).toBe(2 * GROUP_MAX_SKIP);
    c = groupDecrypt(c, fromA2[1]!).session; // skips A's iteration 1001 as well: one over the cap
    expect(c.skippedMessageKeys.length).toBe(GROUP_MAX_SKIPPED_KEYS);
    expectCode(() => groupDecrypt(c, fromA[0]!), 'DUPLICATE_MESSAGE'); // the oldest was evicted
    expect(str(groupDecrypt(c, fromA[1]!).plaintext)).toBe('m1');
    expect(str(groupDecrypt(c, fromA2[0]!).plaintext)).toBe('m0');
  });

  it('every single-bit flip is rejected with a ProtocolError, state unchanged; the genuine message still decrypts', () => {
    const { ids, s } = threeMembers();
    const [m] = sendMany(s, ids, 0, 1);
    const b = s[1]!;
    const before = structuredClone(b);
    for (let i = 0; i < m!.length; i++) {
      for (const bit of [0, 7]) {
        const bad = m!.slice();
        bad[i]! ^= 1 << bit;
        expect(() => groupDecrypt(b, bad)).toThrowError(expect.objectContaining({ name: 'ProtocolError' }));
      }
    }
    expect(b).toEqual(before);
    expect(str(groupDecrypt(b, m!).plaintext)).toBe('m0');
  });

  it('a member holding the sender\'s chain key still cannot forge a message in its name (BAD_SIGNATURE, before decryption)', () => {
    const { ids, s } = threeMembers();
    const [m] = sendMany(s, ids, 0, 1);
    const real = decodeGroupMessage(m!);
    const chainAtB = s[1]!.receiverChains.find((c) => c.keyId === real.keyId)!;
    // B derives A's next message key from the chain key it holds and signs with its own key.
    const step = kdfSenderChain(kdfSenderChain(chainAtB.chainKey).chainKey);
    const ad = groupAssociatedData({ ...real, sender: ids[0]!.publicKey, iteration: 1 });
    const body = encodeGroupMessageBody({
      ...real, iteration: 1, commitment: groupKeyCommitment(step.messageKey), ciphertext: sealGroupBody(step.messageKey, text('forged'), ad),
    });
    const bSigningSeed = seededRandom(seed(0x99))(32);
    const forged = encodeGroupMessage(body, sign(bSigningSeed, concatBytes(utf8('Parley_SenderKey_Message_v1'), body)));
    const c = s[2]!;
    expectCode(() => groupDecrypt(c, forged), 'BAD_SIGNATURE');
    // The same bytes under the genuine key would have decrypted: the signature is the only barrier.
    expect(groupDecrypt(c, m!).plaintext).toEqual(text('m0'));
  });

  it('key id collisions between senders are resolved by the signing key', () => {
    const { ids, s } = threeMembers();
    const fixedId = (byte: number): RandomSource => {
      let first = true;
      const r = seededRandom(seed(byte));
      return (n: number) => {
        if (first && n === 4) { first = false; return Uint8Array.of(0, 0, 0, 42); }
        return r(n);
      };
    };
    const a = groupSend(s[0]!, text('from A'), fixedId(0x71));
    const b = groupSend(s[1]!, text('from B'), fixedId(0x72));
    expect(a.session.senderKey!.keyId).toBe(42);
    expect(b.session.senderKey!.keyId).toBe(42);
    deliverDistributions(s, ids, ids[0]!.publicKey, a.distributions);
    deliverDistributions(s, ids, ids[1]!.publicKey, b.distributions);
    const outA = groupDecrypt(s[2]!, a.message);
    const outB = groupDecrypt(outA.session, b.message);
    expect([toHex(outA.sender), str(outA.plaintext)]).toEqual([toHex(ids[0]!.publicKey), 'from A']);
    expect([toHex(outB.sender), str(outB.plaintext)]).toEqual([toHex(ids[1]!.publicKey), 'from B']);
  });

  it('a distribution must prove possession of its signing key for the member it came from', () => {
    const { ids, s } = threeMembers();
    const a = prepareSend(s[0]!, random);
    const payload = a.distributions[0]!.payload;
    // B relays A's distribution to C as if it were B's: the proof names A, so it fails.
    expectCode(() => processDistribution(s[2]!, ids[1]!.publicKey, payload), 'BAD_SIGNATURE');
    const installed = processDistribution(s[2]!, ids[0]!.publicKey, payload).session;
    expectCode(() => processDistribution(installed, ids[0]!.publicKey, payload), 'DUPLICATE_MESSAGE');
    // A non-member's distribution is refused.
    const stranger = identities(4, seededRandom(seed(0x34)))[3]!;
    expectCode(() => processDistribution(s[2]!, stranger.publicKey, payload), 'NOT_A_MEMBER');
  });

  it('two colluding members cannot install one SPK at a third (DUPLICATE_MESSAGE whoever sent it, §8.4)', () => {
    const { ids, s } = threeMembers();
    // A and B draw the same sender key (shared randomness): each proof is valid for its own owner.
    const a = prepareSend(s[0]!, seededRandom(seed(0x81)));
    const b = prepareSend(s[1]!, seededRandom(seed(0x81)));
    expect(toHex(a.session.senderKey!.signingKey.publicKey)).toBe(toHex(b.session.senderKey!.signingKey.publicKey));
    const toC = (d: typeof a.distributions): Bytes => d.find((x) => toHex(x.recipient) === toHex(ids[2]!.publicKey))!.payload;
    const c = processDistribution(s[2]!, ids[0]!.publicKey, toC(a.distributions)).session;
    expectCode(() => processDistribution(c, ids[1]!.publicKey, toC(b.distributions)), 'DUPLICATE_MESSAGE');
  });

  it('a signed body whose key commitment does not match the message key is refused before opening (DECRYPT_FAILED, state unchanged)', () => {
    const { ids, s } = threeMembers();
    const sent = groupSend(s[0]!, text('m0'), random);
    deliverDistributions(s, ids, ids[0]!.publicKey, sent.distributions);
    const real = decodeGroupMessage(sent.message);
    const body = encodeGroupMessageBody({ ...real, commitment: new Uint8Array(32).fill(9) });
    const seedA = s[0]!.senderKey === null ? sent.session.senderKey!.signingKey.privateKey : s[0]!.senderKey.signingKey.privateKey;
    const forged = encodeGroupMessage(body, sign(seedA, concatBytes(utf8('Parley_SenderKey_Message_v1'), body)));
    const before = structuredClone(s[2]!);
    expectCode(() => groupDecrypt(s[2]!, forged), 'DECRYPT_FAILED');
    expect(s[2]).toEqual(before);
    expect(groupDecrypt(s[2]!, sent.message).plaintext).toEqual(text('m0'));
  });

  it('reports how the message\'s epoch and state hash compare with ours (§8.5 step 8)', () => {
    const { ids, s } = threeMembers();
    const sent = groupSend(s[0]!, text('m0'), random);
    deliverDistributions(s, ids, ids[0]!.publicKey, sent.distributions);
    expect(groupDecrypt(s[1]!, sent.message).agreement).toBe('current');
    expect(groupDecrypt({ ...s[1]!, group: { ...s[1]!.group, epoch: 1 } }, sent.message).agreement).toBe('ahead');
    expect(groupDecrypt({ ...s[1]!, group: { ...s[1]!.group, changeDigest: new Uint8Array(32).fill(1) } }, sent.message).agreement).toBe('fork');
  });

  it(`keeps at most MAX_SENDER_KEYS_PER_MEMBER (${MAX_SENDER_KEYS_PER_MEMBER}) sender keys per member`, () => {
    const { s } = threeMembers();
    let b = s[1]!;
    const keys: Bytes[] = [];
    for (let i = 0; i < MAX_SENDER_KEYS_PER_MEMBER + 2; i++) {
      const a = prepareSend({ ...s[0]!, senderKey: null }, random);
      keys.push(a.session.senderKey!.signingKey.publicKey);
      b = processDistribution(b, s[0]!.self, a.distributions.find((d) => toHex(d.recipient) === toHex(b.self))!.payload).session;
    }
    expect(b.receiverChains.map((c) => toHex(c.signingKey))).toEqual(keys.slice(-MAX_SENDER_KEYS_PER_MEMBER).map(toHex));
  });

  it('rotateSenderKey: the next send starts a fresh key; a member not given it reads nothing sent under it', () => {
    const { ids, s } = threeMembers();
    sendMany(s, ids, 0, 2);
    const old = s[0]!.senderKey!;
    const rotated = rotateSenderKey(s[0]!);
    expect(rotated.senderKey).toBeNull();
    expect(rotated.pendingRecipients).toEqual([]);
    const sent = groupSend(rotated, text('after'), random);
    expect(sent.session.senderKey!.keyId).not.toBe(old.keyId);
    expect(toHex(sent.session.senderKey!.signingKey.publicKey)).not.toBe(toHex(old.signingKey.publicKey));
    // Every other member is owed the fresh key; the caller delivers it to member 1 only, never to member 2.
    expect(sent.distributions.map((d) => toHex(d.recipient)).sort()).toEqual([ids[1]!, ids[2]!].map((i) => toHex(i.publicKey)).sort());
    deliverDistributions(s, ids, ids[0]!.publicKey, sent.distributions.filter((d) => toHex(d.recipient) === toHex(ids[1]!.publicKey)));
    expect(str(groupDecrypt(s[1]!, sent.message).plaintext)).toBe('after');
    expectCode(() => groupDecrypt(s[2]!, sent.message), 'UNKNOWN_SENDER_KEY');
    // The input session is untouched (pure).
    expect(s[0]!.senderKey).toBe(old);
  });
});
