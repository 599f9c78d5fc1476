/**
 * Removal that really excludes (protocol.md §8.3, §8.5 step 8, §8.9; client.md §6.5), as a property over random
 * schedules: members post, the admin removes a hostile member R at a random point, and every pairwise control
 * message and group message is delayed and reordered at random; control messages may be refused (a full mailbox:
 * R fills it with the victim's group token) and are then retried, as the client does. Members follow the §6.5
 * rules: log applied changes, ask the sender and the admins on a later epoch, resend to a sender on an earlier
 * one, refuse to post while behind. R keeps every key it was ever given and tries every group message.
 *
 * Checked: (1) no message sent by an honest member that had applied the removal, or that had seen any sign of a
 * later epoch, is readable by R; (2) once the network delivers, every honest member converges to one state hash,
 * without R; (3) no honest member posted while it knew it was behind.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, toHex, type Bytes, type Ed25519KeyPair } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import {
  applyChange, groupDecrypt, groupSend, groupStateHash, processDistribution, proposeChange, roleOf, type GroupSession,
} from '../../src/group/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { decodeGroupChange } from '../../src/wire/index.js';
import { identities, makeGroup, seed, text } from '../unit/group/harness.js';
import { fcParams } from './fc.js';

const ids = identities(5, seededRandom(seed(0x52)));
const A = 0; // admin, creator
const R = 4; // the member to be removed, hostile
const HONEST = [0, 1, 2, 3];

type Item =
  | { kind: 'change'; to: number; from: number; changes: Bytes[]; epoch: number; retried: boolean }
  | { kind: 'resync'; to: number; from: number; epoch: number }
  | { kind: 'distribution'; to: number; from: number; payload: Bytes }
  | { kind: 'message'; to: number; from: number; message: Bytes };

interface Member {
  session: GroupSession;
  log: Bytes[];
  seen: number;
  /** When `seen` last rose: an unsubstantiated claim of a later epoch lapses after CLAIM_STEPS (client.md §6.5). */
  seenAt: number;
  answered: Set<string>;
}

/** The model's GROUP_BEHIND_TIMEOUT_MS, in network steps. */
const CLAIM_STEPS = 25;

type Step =
  | { op: 'post'; who: number }
  | { op: 'deliver'; pick: number }
  | { op: 'refuse'; pick: number } // a control message meets a full mailbox: retried later
  | { op: 'remove' }
  | { op: 'r-post' };

class World {
  readonly members: Member[];
  /** R's own view: never applies its removal, keeps every chain it is given. */
  rSession: GroupSession;
  readonly net: Item[] = [];
  removed = false;
  removalEpoch = -1;
  /** Messages from honest members that knew of the removal or of a later epoch: R must read none. */
  readonly protectedMessages: Bytes[] = [];
  readonly random = seededRandom(seed(0x53));
  time = 0;

  constructor() {
    const sessions = makeGroup(ids);
    this.members = sessions.map((session) => ({ session, log: [], seen: 0, seenAt: 0, answered: new Set() }));
    this.rSession = sessions[R]!;
  }

  honest(i: number): boolean {
    return i !== R;
  }

  behind(i: number): boolean {
    const m = this.members[i]!;
    return m.seen > m.session.group.epoch && this.time - m.seenAt < CLAIM_STEPS;
  }

  saw(i: number, epoch: number): void {
    const m = this.members[i]!;
    if (epoch <= m.seen && this.behind(i)) return;
    m.seen = Math.max(epoch, m.session.group.epoch);
    m.seenAt = this.time;
  }

  admins(i: number): number[] {
    const s = this.members[i]!.session;
    return HONEST.filter((j) => j !== i && roleOf(s.group, ids[j]!.publicKey) === 'admin');
  }

  post(i: number): void {
    const m = this.members[i]!;
    if (roleOf(m.session.group, ids[i]!.publicKey) === null) return;
    if (this.behind(i)) {
      this.askForChanges(i, this.admins(i)); // refuse to post while behind (client.md §6.5)
      return;
    }
    const out = groupSend(m.session, text(`${i}@${m.session.group.epoch}`), this.random);
    m.session = out.session;
    for (const d of out.distributions) this.net.push({ kind: 'distribution', to: indexOf(d.recipient), from: i, payload: d.payload });
    for (const member of m.session.group.members) {
      const to = indexOf(member.identityKey);
      if (to !== i) this.net.push({ kind: 'message', to, from: i, message: out.message });
    }
    const knows = roleOf(m.session.group, ids[R]!.publicKey) === null || (this.behind(i) && m.seen >= this.removalEpoch);
    if (this.removed && knows) this.protectedMessages.push(out.message);
  }

  rPost(): void {
    // R signs a message under its last view, claiming a later epoch, to make members refuse to post.
    if (this.rSession.senderKey === null && roleOf(this.rSession.group, ids[R]!.publicKey) === null) return;
    try {
      const g = this.rSession.group;
      const out = groupSend({ ...this.rSession, group: { ...g, epoch: g.epoch + 3 } }, text('from R'), this.random);
      this.rSession = { ...out.session, group: g };
      for (const d of out.distributions) this.net.push({ kind: 'distribution', to: indexOf(d.recipient), from: R, payload: d.payload });
      for (const to of HONEST) this.net.push({ kind: 'message', to, from: R, message: out.message });
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
  }

  remove(): void {
    if (this.removed) return;
    const a = this.members[A]!;
    if (this.behind(A)) return;
    const before = a.session.group.members.map((m) => indexOf(m.identityKey)).filter((j) => j !== A);
    const out = proposeChange(a.session, ids[A]!, { operation: 'remove', target: ids[R]!.publicKey });
    a.session = out.session;
    a.log.push(out.encoded);
    this.removed = true;
    this.removalEpoch = out.change.epoch;
    for (const to of before) this.net.push({ kind: 'change', to, from: A, changes: [out.encoded], epoch: out.change.epoch, retried: to !== R });
  }

  /** Delivers net[pick]; a refused control item goes back to the end of the queue (retried), others are lost. */
  deliver(pick: number, refused = false): void {
    this.time++;
    if (this.net.length === 0) return;
    const [item] = this.net.splice(pick % this.net.length, 1) as [Item];
    if (refused) {
      if (item.kind !== 'message' && item.kind !== 'distribution' && this.honest(item.from) && !(item.kind === 'change' && !item.retried)) this.net.push(item);
      else if (item.kind === 'distribution' || item.kind === 'message') this.net.push(item); // the outbox retries these too
      return;
    }
    if (item.to === R) return this.toR(item);
    const m = this.members[item.to]!;
    if (roleOf(m.session.group, ids[item.to]!.publicKey) === null) return;
    switch (item.kind) {
      case 'change': return this.onChanges(item.to, item.from, item.changes, item.epoch);
      case 'resync': return this.onResync(item.to, item.from, item.epoch);
      case 'distribution': return this.onDistribution(item.to, item.from, item.payload);
      case 'message': return this.onMessage(item.to, item.from, item.message);
    }
  }

  toR(item: Item): void {
    if (item.kind !== 'distribution') return;
    try {
      this.rSession = processDistribution(this.rSession, ids[item.from]!.publicKey, item.payload).session;
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
  }

  onChanges(i: number, from: number, changes: readonly Bytes[], theirEpoch: number): void {
    const m = this.members[i]!;
    for (const encoded of changes) {
      try {
        m.session = applyChange(m.session, encoded).session;
        m.log.push(encoded);
      } catch (e) {
        if (!isProtocolError(e)) throw e;
        if (e.code === 'STALE_EPOCH') continue;
        if (e.code === 'FUTURE_EPOCH') {
          this.saw(i, decodeGroupChange(encoded).value.epoch);
          this.askForChanges(i, [from, ...this.admins(i)]);
        }
        return;
      }
    }
    m.seen = Math.max(m.session.group.epoch, Math.min(m.seen, theirEpoch)); // their word on their own epoch
  }

  onResync(i: number, from: number, epoch: number): void {
    this.sendChanges(i, from, epoch);
  }

  sendChanges(i: number, to: number, after: number): void {
    const m = this.members[i]!;
    const key = `${to}:${after}:${m.session.group.epoch}`;
    if (m.answered.has(key)) return;
    m.answered.add(key);
    // Also when we have nothing newer: our epoch tells the asker that a claim of a later one was not ours.
    const changes = m.log.filter((c) => decodeGroupChange(c).value.epoch > after);
    this.net.push({ kind: 'change', to, from: i, changes, epoch: m.session.group.epoch, retried: true });
  }

  askForChanges(i: number, to: readonly number[]): void {
    const epoch = this.members[i]!.session.group.epoch;
    for (const j of new Set(to)) if (j !== i) this.net.push({ kind: 'resync', to: j, from: i, epoch });
  }

  onDistribution(i: number, from: number, payload: Bytes): void {
    const m = this.members[i]!;
    try {
      m.session = processDistribution(m.session, ids[from]!.publicKey, payload).session;
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
  }

  onMessage(i: number, from: number, message: Bytes): void {
    const m = this.members[i]!;
    let out;
    try {
      out = groupDecrypt(m.session, message);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      return;
    }
    m.session = out.session;
    if (out.agreement === 'behind') {
      this.saw(i, out.epoch);
      this.askForChanges(i, [from, ...this.admins(i)]);
    } else if (out.agreement === 'ahead') {
      this.sendChanges(i, from, out.epoch);
    }
  }

  /** The network delivers everything, in order, including what members send in answer. */
  settle(): void {
    for (let n = 0; this.net.length > 0; n++) {
      if (n > 10_000) throw new Error('the network does not settle');
      this.deliver(0);
    }
  }
}

function indexOf(ik: Bytes): number {
  return ids.findIndex((id: Ed25519KeyPair) => equalBytes(id.publicKey, ik));
}

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('post' as const), who: fc.constantFrom(...HONEST) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('deliver' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('refuse' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'remove' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'r-post' as const }) },
);

describe('removal that really excludes (property)', () => {
  it('"once a removal reached an honest member, nothing it sends is readable by the removed member, and every honest member converges"', () => {
    fc.assert(fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
      const w = new World();
      for (const s of steps) {
        if (s.op === 'post') w.post(s.who);
        else if (s.op === 'deliver') w.deliver(s.pick);
        else if (s.op === 'refuse') w.deliver(s.pick, true);
        else if (s.op === 'remove') w.remove();
        else w.rPost();
      }
      // Quiescence: the network delivers, R is removed (once the admin is not held back by a claim of R's),
      // each honest member posts; mismatches pull the changes.
      for (let round = 0; round < 3; round++) {
        w.settle();
        w.time += CLAIM_STEPS;
        w.remove();
        w.settle();
        for (const i of HONEST) w.post(i);
      }
      w.settle();
      // (1) exclusion: R, holding every key it was given, reads none of the protected messages.
      for (const message of w.protectedMessages) {
        expect(() => groupDecrypt(w.rSession, message)).toThrow();
      }
      // (2) convergence: one state at every honest member, without R.
      const hashes = HONEST.map((i) => toHex(groupStateHash(w.members[i]!.session.group)));
      expect(new Set(hashes).size).toBe(1);
      expect(roleOf(w.members[1]!.session.group, ids[R]!.publicKey)).toBeNull();
      expect(w.members[1]!.session.group.epoch).toBe(w.removalEpoch);
      // (3) nobody is left behind.
      for (const i of HONEST) expect(w.behind(i)).toBe(false);
    }), fcParams(15));
  });
});
