/**
 * Sender Keys under random membership and delivery (protocol.md §8): random
 * sequences of add / remove / leave / send / deliver (reordered, duplicated,
 * dropped) among up to 8 identities. The pairwise channel is modelled as
 * direct, in-order, authenticated delivery (what a Double Ratchet session gives).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SENDER_KEYS_PER_MEMBER } from '../../src/constants.js';
import { toHex, type Bytes, type Ed25519KeyPair } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { isProtocolError } from '../../src/errors.js';
import {
  applyChange, createGroup, groupDecrypt, groupSend, joinGroup, processDistribution, proposeChange, roleOf, type GroupSession,
} from '../../src/group/index.js';
import { identities, seed } from '../unit/group/harness.js';
import { fcParams } from './fc.js';

const N = 8;
const ids = identities(N, seededRandom(seed(0x38)));

type Op =
  | { t: 'add' | 'remove' | 'leave' | 'send'; who: number }
  | { t: 'deliver'; msg: number; to: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('add' as const, 'remove' as const, 'leave' as const), who: fc.integer({ min: 1, max: N - 1 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('send' as const), who: fc.integer({ min: 0, max: N - 1 }) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('deliver' as const), msg: fc.nat(), to: fc.integer({ min: 0, max: N - 1 }) }) },
);

interface Sent {
  sender: number;
  senderGeneration: number;
  keyIndex: number; // index of the sender key among those the sender created
  message: Bytes;
  plaintext: string;
  recipients: Map<number, number>; // member → generation at send time
  decryptedBy: Set<number>;
}

class World {
  sessions = new Map<number, GroupSession>();
  /** The last session of an identity before it was removed or left: an attacker's copy. */
  ex = new Map<number, { session: GroupSession; generation: number }>();
  generation = new Array<number>(N).fill(0);
  keysCreated = new Array<number>(N).fill(0);
  sent: Sent[] = [];
  random = seededRandom(seed(0x39));

  constructor(initial: number[]) {
    const { session, welcome } = createGroup({
      identity: ids[0]!, mode: 'group', random: this.random,
      members: initial.map((i) => ({ identityKey: ids[i]!.publicKey, role: 'member' as const })),
    });
    this.sessions.set(0, session);
    for (const i of initial) {
      this.sessions.set(i, joinGroup(ids[i]!.publicKey, ids[0]!.publicKey, welcome));
      this.generation[i] = 1;
    }
  }

  member(i: number): boolean {
    return this.sessions.has(i) && roleOf(this.sessions.get(i)!.group, ids[i]!.publicKey) !== null;
  }

  change(actor: number, operation: 'add' | 'remove' | 'leave', who: number): void {
    const out = proposeChange(this.sessions.get(actor)!, ids[actor]!, { operation, target: ids[who]!.publicKey });
    for (const [i, s] of this.sessions) {
      if (i === actor) continue;
      if (i === who && operation !== 'add') this.ex.set(i, { session: s, generation: this.generation[i]! });
      this.sessions.set(i, applyChange(s, out.encoded).session);
    }
    this.sessions.set(actor, out.session);
    if (operation === 'add') {
      this.sessions.set(who, joinGroup(ids[who]!.publicKey, ids[actor]!.publicKey, out.welcome!));
      this.generation[who]! += 1;
    } else {
      if (who === actor) this.ex.set(who, { session: this.sessions.get(who)!, generation: this.generation[who]! });
      this.sessions.delete(who);
    }
  }

  send(who: number): void {
    const before = this.sessions.get(who)!;
    const plaintext = `m${this.sent.length}`;
    const out = groupSend(before, new TextEncoder().encode(plaintext), this.random);
    if (before.senderKey === null) this.keysCreated[who]! += 1;
    for (const d of out.distributions) {
      const r = ids.findIndex((id) => toHex(id.publicKey) === toHex(d.recipient));
      this.sessions.set(r, processDistribution(this.sessions.get(r)!, ids[who]!.publicKey, d.payload).session);
    }
    this.sessions.set(who, out.session);
    const recipients = new Map<number, number>();
    for (let i = 0; i < N; i++) if (i !== who && this.member(i)) recipients.set(i, this.generation[i]!);
    this.sent.push({
      sender: who, senderGeneration: this.generation[who]!, keyIndex: this.keysCreated[who]!, message: out.message, plaintext, recipients, decryptedBy: new Set(),
    });
  }

  deliver(m: Sent, to: number): void {
    const current = this.sessions.get(to);
    const entitled = current !== undefined && m.recipients.get(to) === this.generation[to]
      && this.member(m.sender) && this.generation[m.sender] === m.senderGeneration
      && this.keysCreated[m.sender]! - m.keyIndex < MAX_SENDER_KEYS_PER_MEMBER;
    if (to === m.sender) return;
    if (entitled) {
      if (m.decryptedBy.has(to)) {
        expect(() => groupDecrypt(current, m.message)).toThrowError(expect.objectContaining({ code: 'DUPLICATE_MESSAGE' }));
        return;
      }
      const out = groupDecrypt(current, m.message);
      expect(new TextDecoder().decode(out.plaintext)).toBe(m.plaintext);
      expect(toHex(out.sender)).toBe(toHex(ids[m.sender]!.publicKey));
      m.decryptedBy.add(to);
      this.sessions.set(to, out.session);
      return;
    }
    // A session of `to` from a membership that did not include the send (a later join, or a copy kept
    // from before a removal that preceded the send) must not open it.
    const ex = this.ex.get(to);
    const attempts = [
      ...(current !== undefined ? [{ session: current, generation: this.generation[to]! }] : []),
      ...(ex !== undefined ? [ex] : []),
    ];
    for (const a of attempts) {
      if (m.recipients.get(to) === a.generation) continue;
      let opened = false;
      try {
        groupDecrypt(a.session, m.message);
        opened = true;
      } catch (e) {
        expect(isProtocolError(e)).toBe(true);
      }
      expect(opened).toBe(false);
    }
  }
}

describe('group membership and delivery (property)', () => {
  it('members at send time decrypt exactly once; removed members read nothing later; new members nothing earlier', () => {
    fc.assert(
      fc.property(fc.subarray([1, 2, 3, 4, 5, 6, 7]), fc.array(opArb, { minLength: 15, maxLength: 60 }), (initial, ops) => {
        const w = new World(initial);
        for (const op of ops) {
          if (op.t === 'send') {
            if (w.member(op.who)) w.send(op.who);
          } else if (op.t === 'deliver') {
            if (w.sent.length > 0) w.deliver(w.sent[op.msg % w.sent.length]!, op.to);
          } else if (op.t === 'add') {
            if (!w.member(op.who)) w.change(0, 'add', op.who);
          } else if (w.member(op.who)) {
            w.change(op.t === 'leave' ? op.who : 0, op.t, op.who);
          }
        }
        // Finally every message reaches every identity once more: the exactly-once rule holds throughout.
        for (const m of w.sent) for (let to = 0; to < N; to++) w.deliver(m, to);
      }),
      fcParams(100),
    );
  });
});
