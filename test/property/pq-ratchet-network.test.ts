/**
 * The post-quantum ratchet over a lossy, reordering, duplicating network
 * (spec/protocol.md §6.9; issue 17). Version 3 pairs run random schedules
 * (ratchet-harness.ts's model, plus tampered deliveries), then a drain phase:
 * everything in flight arrives, every message is replayed once, and the
 * parties alternate single messages, some lost, until both have mixed two
 * PQ steps.
 *
 * - Every delivered message decrypts exactly once to its plaintext; a replay
 *   is DUPLICATE_MESSAGE and a tampered message a ProtocolError, never a
 *   wrong plaintext, and a refused decrypt leaves the state byte-identical.
 * - Steps complete despite loss (in the schedule, and up to a third of the
 *   drain's messages): both parties reach the same epoch ≥ 2 (each has been
 *   the EK side once) and agree on the chain between them.
 * - After every operation each state survives encode/decode unchanged, and
 *   its `pq` part stays within the §6.9.8 memory bound (computed below from
 *   the §6.9.7 layout).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PQ_CHUNK_SIZE } from '../../src/constants.js';
import {
  ML_KEM_768_CIPHERTEXT_LENGTH, ML_KEM_768_PUBLIC_KEY_LENGTH, ML_KEM_SEED_LENGTH, toHex, type Bytes,
} from '../../src/crypto/index.js';
import { chunkCount } from '../../src/ratchet/pq/erasure-code.js';
import { decodeRatchetState, encodeRatchetState, type PqPhase, type RatchetState } from '../../src/ratchet/index.js';
import { canSend, deliver, makePair, opArb, peerOf, send, type Op, type Pair, type Party, type Sent } from './ratchet-harness.js';
import { fcParams } from './fc.js';

// §6.9.7 encoded, at its largest: msgpack sizes of a bin with its header and of a short (fixstr) map key.
const bin = (n: number): number => n + (n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);
const key = (name: string): number => 1 + name.length;
/** `[index ≤ 255, bin 128]`: a fixarray, a uint8 at most, the chunk. */
const CHUNK_ENTRY = 1 + 2 + bin(PQ_CHUNK_SIZE);
/** At most K − 1 held chunks (a K-th rebuilds the item), in a fixarray. */
const chunks = (itemLength: number): number => key('chunks') + 1 + (chunkCount(itemLength, PQ_CHUNK_SIZE) - 1) * CHUNK_ENTRY;
const SECRET = key('secret') + bin(32);
const NEXT = key('next') + 2;
/**
 * `pq` key and its fixmap, `e` (a uint32 at most), `i`, `p` (the longest
 * phase name, "ct-collect"); and the body map grows from 15 keys (a fixmap)
 * to 16 (a map16, two bytes more).
 */
const PQ_COMMON = key('pq') + 1 + key('e') + 5 + key('i') + 1 + key('p') + 1 + 'ct-collect'.length + 2;
const PQ_PHASE_MAX: Readonly<Record<PqPhase['kind'], number>> = {
  'ek-keygen': 0,
  'ek-send': key('seed') + bin(ML_KEM_SEED_LENGTH) + NEXT + chunks(ML_KEM_768_CIPHERTEXT_LENGTH),
  'ek-mix': SECRET,
  'ct-collect': chunks(ML_KEM_768_PUBLIC_KEY_LENGTH),
  'ct-encaps': key('ek') + bin(ML_KEM_768_PUBLIC_KEY_LENGTH),
  'ct-send': key('ct') + bin(ML_KEM_768_CIPHERTEXT_LENGTH) + SECRET + NEXT,
};
/** The most a version 3 state's encoding exceeds the same state's version 2 encoding by. */
const PQ_STATE_MAX = PQ_COMMON + Math.max(...Object.values(PQ_PHASE_MAX));
/** §6.9.8: "1.25 KB serialized per session". */
const SPEC_PQ_STATE_BOUND = 1250;
/**
 * Round trips the drain may take to complete two steps from wherever the
 * schedule left them: ~20 per step (§6.9.8), half again with a third of the
 * messages lost, and the step in progress.
 */
const MAX_DRAIN_ROUND_TRIPS = 100;

type NetOp = Op | { readonly kind: 'tamper'; readonly pick: number; readonly at: number; readonly bit: number };

const netOpArb: fc.Arbitrary<NetOp> = fc.oneof(
  { weight: 10, arbitrary: opArb },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tamper' as const), pick: fc.nat(), at: fc.nat(), bit: fc.nat(7) }) },
);

/** The drain loses every n-th message (0: none); n ≥ 3 keeps the loss at a third at most. */
const dropEveryArb = fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 8 }));

const show = (out: Bytes | string): string => (out instanceof Uint8Array ? toHex(out) : out);

class Network {
  readonly pair: Pair;
  readonly pending: Sent[] = [];
  readonly delivered: Sent[] = [];
  /** The largest `pq` encoding seen, for the bound's report. */
  largestPq = 0;
  private nextId = 0;

  constructor(seed: number) {
    this.pair = makePair(seed, 3);
    this.checkStates('alice', 'bob');
  }

  send(from: Party): Sent | null {
    if (!canSend(this.pair.states[from])) return null;
    const sent = send(this.pair, from, this.nextId++);
    this.pending.push(sent);
    this.checkStates(from);
    return sent;
  }

  /** A first delivery decrypts to the plaintext; a replay is DUPLICATE_MESSAGE and changes no byte of the state. */
  deliver(sent: Sent): void {
    const replay = this.delivered.includes(sent);
    this.deliverExpecting(sent.from, sent.message, (out) => expect(show(out)).toBe(replay ? 'DUPLICATE_MESSAGE' : toHex(sent.plaintext)));
    if (!replay) this.delivered.push(sent);
  }

  /** A message with one bit flipped is refused with a ProtocolError (never a plaintext, never a crash). */
  tamper(sent: Sent, at: number, bit: number): void {
    const tampered = sent.message.slice();
    tampered[at % tampered.length] = (tampered[at % tampered.length] as number) ^ (1 << bit);
    this.deliverExpecting(sent.from, tampered, (out) => expect(typeof out).toBe('string'));
  }

  apply(op: NetOp): void {
    if (op.kind === 'send') this.send(op.from);
    else if (op.kind === 'deliver' && this.pending.length > 0) this.deliver(this.pending.splice(op.pick % this.pending.length, 1)[0] as Sent);
    else if (op.kind === 'drop' && this.pending.length > 0) this.pending.splice(op.pick % this.pending.length, 1);
    else if (op.kind === 'duplicate' && this.delivered.length > 0) this.deliver(this.delivered[op.pick % this.delivered.length] as Sent);
    else if (op.kind === 'tamper' && this.pending.length > 0) this.tamper(this.pending[op.pick % this.pending.length] as Sent, op.at, op.bit);
  }

  epoch(party: Party): number {
    return this.pair.states[party].pq?.epoch ?? -1;
  }

  /** A message sent and delivered at once, or lost. */
  exchange(from: Party, lost = false): void {
    const sent = this.send(from);
    const [taken] = sent === null ? [] : this.pending.splice(this.pending.indexOf(sent), 1);
    if (taken !== undefined && !lost) this.deliver(taken);
  }

  private deliverExpecting(from: Party, message: Bytes, check: (out: Bytes | string) => void): void {
    const to = peerOf(from);
    const before = encodeRatchetState(this.pair.states[to]);
    const out = deliver(this.pair, { id: -1, from, plaintext: new Uint8Array(0), message });
    check(out);
    if (typeof out === 'string') expect(toHex(encodeRatchetState(this.pair.states[to]))).toBe(toHex(before));
    this.checkStates(to);
  }

  /** The parties' states (those an operation changed) decode to themselves, and their `pq` part is within its phase's bound. */
  private checkStates(...parties: Party[]): void {
    for (const state of parties.map((p) => this.pair.states[p])) {
      const bytes = encodeRatchetState(state);
      const decoded = decodeRatchetState(bytes);
      // Deep equality of every field, typed arrays by content (vitest's toEqual is far slower on them).
      expect(isDeepStrictEqual(decoded, state)).toBe(true);
      expect(toHex(encodeRatchetState(decoded))).toBe(toHex(bytes));
      const pqBytes = bytes.length - encodeRatchetState({ ...state, pq: null }).length;
      expect(pqBytes).toBeLessThanOrEqual(PQ_COMMON + PQ_PHASE_MAX[(state.pq as NonNullable<RatchetState['pq']>).phase.kind]);
      this.largestPq = Math.max(this.largestPq, pqBytes);
    }
  }
}

describe('PQ ratchet over a lossy network (§6.9)', () => {
  it('the computed bound on the serialized pq state is within the stated 1.25 KB', () => {
    expect(PQ_STATE_MAX).toBeLessThan(SPEC_PQ_STATE_BOUND);
  });

  it('every message decrypts once; both parties complete two PQ steps and agree; state round-trips within the bound', () => {
    let largestPq = 0;
    fc.assert(
      fc.property(fc.nat(1000), fc.array(netOpArb, { minLength: 1, maxLength: 50 }), dropEveryArb, (seed, ops, dropEvery) => {
        const net = new Network(seed);
        for (const op of ops) net.apply(op);
        // Everything in flight arrives, in reverse order; then every message is replayed once.
        for (const sent of net.pending.splice(0).reverse()) net.deliver(sent);
        for (const sent of [...net.delivered]) net.deliver(sent);
        // Alternating single messages, every `dropEvery`-th lost, until both have mixed two steps: loss does not stall a step.
        const done = (): boolean => net.epoch('alice') === net.epoch('bob') && net.epoch('bob') >= 2;
        let sent = 0;
        const lost = (): boolean => dropEvery > 0 && ++sent % dropEvery === 0;
        for (let round = 0; !done() && round < MAX_DRAIN_ROUND_TRIPS; round++) {
          net.exchange('alice', lost());
          net.exchange('bob', lost());
        }
        expect(done()).toBe(true);
        // They agree: after a round trip without loss, Alice's receiving chain is Bob's sending chain.
        net.exchange('alice');
        net.exchange('bob');
        const { alice, bob } = net.pair.states;
        expect(toHex(alice.receivingChainKey as Bytes)).toBe(toHex(bob.sendingChainKey as Bytes));
        largestPq = Math.max(largestPq, net.largestPq);
      }),
      fcParams(15),
    );
    console.log(`largest pq state encoding seen: ${largestPq} B (bound ${PQ_STATE_MAX} B)`);
  }, 240_000);
});
