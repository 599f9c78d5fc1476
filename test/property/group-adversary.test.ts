/**
 * Sender Keys against insiders and garbage (protocol.md §8): a member holding
 * another sender's chain key cannot forge in its name; channel readers cannot
 * post; decoders and receive functions on arbitrary or mutated bytes throw
 * only ProtocolError and leave the session unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/constants.js';
import { sign, type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { isProtocolError } from '../../src/errors.js';
import {
  applyChange, decodeGroupSession, encodeGroupSession, groupAssociatedData, groupDecrypt, groupKeyCommitment, groupStateHash, groupSend, joinGroup, kdfSenderChain,
  prepareSend, processDistribution, proposeChange, type GroupSession,
} from '../../src/group/index.js';
import { sealGroupBody } from '../../src/group/message-key.js';
import {
  decodeGroupChange, decodeGroupMessage, decodeGroupWelcome, decodeSenderKeyDistribution, encodeGroupMessage, encodeGroupMessageBody,
} from '../../src/wire/index.js';
import { deliverDistributions, identities, makeGroup, seed, text } from '../unit/group/harness.js';
import { fcParams } from './fc.js';

const ids = identities(8, seededRandom(seed(0x41)));
const LABEL = new TextEncoder().encode('Parley_SenderKey_Message_v1');

function onlyProtocolErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!isProtocolError(e)) throw e;
  }
}

describe('insiders (property)', () => {
  it('a member holding another sender\'s chain key cannot forge a message in that sender\'s name', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 8 }), fc.nat({ max: 5 }), fc.nat({ max: 4 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (n, sends, ahead, forgerSeed) => {
      const group = ids.slice(0, n);
      const s = makeGroup(group);
      const random = seededRandom(seed(0x42));
      for (let i = 0; i <= sends; i++) {
        const sent = groupSend(s[0]!, text(`a${i}`), random);
        deliverDistributions(s, group, group[0]!.publicKey, sent.distributions);
        s[0] = sent.session;
      }
      // Member 1 holds A's chain: it derives a future message key and signs with a key of its choosing.
      const chain = s[1]!.receiverChains.find((c) => c.sender.every((b, i) => b === group[0]!.publicKey[i]))!;
      let ck = chain.chainKey;
      for (let i = 0; i < ahead; i++) ck = kdfSenderChain(ck).chainKey;
      const iteration = chain.iteration + ahead;
      const mk = kdfSenderChain(ck).messageKey;
      const context = {
        version: PROTOCOL_VERSION, groupId: s[0]!.group.groupId, sender: group[0]!.publicKey, epoch: s[0]!.group.epoch, stateHash: groupStateHash(s[0]!.group),
        keyId: chain.keyId, iteration,
      };
      const body = encodeGroupMessageBody({
        ...context, commitment: groupKeyCommitment(mk), ciphertext: sealGroupBody(mk, text('forged'), groupAssociatedData(context)),
      });
      const forged = encodeGroupMessage(body, sign(forgerSeed, new Uint8Array([...LABEL, ...body])));
      for (let r = 2; r < n; r++) {
        const before = structuredClone(s[r]!);
        expect(() => groupDecrypt(s[r]!, forged)).toThrowError(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
        expect(s[r]).toEqual(before);
      }
    }), fcParams(40));
  });

  it('readers of a channel cannot post: refused by their own session and by every member', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 7 }), (n, r) => {
      const reader = 1 + (r % (n - 1));
      const group = ids.slice(0, n);
      const s = makeGroup(group, 'channel');
      const random = seededRandom(seed(0x43));
      expect(() => prepareSend(s[reader]!, random)).toThrowError(expect.objectContaining({ code: 'NOT_AUTHORIZED' }));
      // A modified client that skips its own check: every member refuses its sender key.
      const asWriter: GroupSession = { ...s[reader]!, group: { ...s[reader]!.group, members: s[reader]!.group.members.map((m) => ({ ...m, role: 'admin' as const })) } };
      const rogue = groupSend(asWriter, text('spam'), random);
      for (let i = 0; i < n; i++) {
        if (i === reader) continue;
        expect(() => processDistribution(s[i]!, group[reader]!.publicKey, rogue.distributions[0]!.payload)).toThrowError(expect.objectContaining({ code: 'NOT_AUTHORIZED' }));
        expect(() => groupDecrypt(s[i]!, rogue.message)).toThrowError(expect.objectContaining({ name: 'ProtocolError' }));
      }
    }), fcParams(30));
  });
});

describe('decoders and receive functions on arbitrary and mutated bytes (property)', () => {
  const group = ids.slice(0, 3);
  const s = makeGroup(group);
  const random = seededRandom(seed(0x44));
  const sent = groupSend(s[0]!, text('sample'), random);
  deliverDistributions(s, group, group[0]!.publicKey, sent.distributions);
  const change = proposeChange(s[0]!, group[0]!, { operation: 'add', target: ids[5]!.publicKey });
  const samples: Bytes[] = [sent.message, sent.distributions[0]!.payload, change.encoded, change.welcome!, encodeGroupSession(s[1]!)];
  const decoders: ((b: Bytes) => unknown)[] = [decodeGroupMessage, decodeSenderKeyDistribution, decodeGroupChange, decodeGroupWelcome, decodeGroupSession];

  const mutated = fc.tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }))
    .map(([b, flips, cut]) => {
      const out = b.slice(0, cut === undefined ? b.length : cut % (b.length + 1));
      for (const [at, x] of flips) if (out.length > 0) out[at % out.length]! ^= x;
      return out;
    });

  it('throw only ProtocolError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      for (const d of decoders) onlyProtocolErrors(() => d(bytes));
    }), fcParams(300));
  });

  it('throw only ProtocolError on mutated encodings; receivers leave the session unchanged', () => {
    const receiver = s[1]!;
    const snapshot = structuredClone(receiver);
    fc.assert(fc.property(mutated, (bytes) => {
      for (const d of decoders) onlyProtocolErrors(() => d(bytes));
      onlyProtocolErrors(() => groupDecrypt(receiver, bytes));
      onlyProtocolErrors(() => processDistribution(receiver, group[0]!.publicKey, bytes));
      onlyProtocolErrors(() => applyChange(receiver, bytes));
      onlyProtocolErrors(() => joinGroup(ids[5]!.publicKey, group[0]!.publicKey, bytes));
      expect(receiver).toEqual(snapshot);
    }), fcParams(300));
  });
});
