/**
 * Shared by the ratchet property tests: a fresh Alice/Bob pair from a seed,
 * and a two-party network model (send, deliver any pending message, drop one,
 * redeliver one already delivered).
 */
import fc from 'fast-check';
import { generateX25519KeyPair, toHex, utf8, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { isProtocolError, type ProtocolErrorCode } from '../../src/errors.js';
import {
  initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetState, type RatchetVersion,
} from '../../src/ratchet/index.js';

export type Party = 'alice' | 'bob';
export const peerOf = (p: Party): Party => (p === 'alice' ? 'bob' : 'alice');

export interface Pair {
  states: Record<Party, RatchetState>;
  randoms: Record<Party, RandomSource>;
}

/** A pair as PQXDH would leave it: Alice initialised as sender, Bob as receiver; version 3 runs the PQ ratchet. */
export function makePair(seed: number, version: RatchetVersion = 2): Pair {
  const bytes = (tag: number): Bytes => Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + tag * 7 + i) & 0xff);
  const setup = seededRandom(bytes(1));
  const sharedSecret = setup(32);
  const associatedData = setup(64);
  const bobKey = generateX25519KeyPair(setup);
  const randoms = { alice: seededRandom(bytes(2)), bob: seededRandom(bytes(3)) };
  return {
    randoms,
    states: {
      alice: initSender({ sharedSecret, peerRatchetKey: bobKey.publicKey, associatedData, random: randoms.alice, version }),
      bob: initReceiver({ sharedSecret, ownRatchetKeyPair: bobKey, associatedData, version }),
    },
  };
}

export interface Sent {
  readonly id: number;
  readonly from: Party;
  readonly plaintext: Bytes;
  readonly message: Bytes;
}

export type Op =
  | { readonly kind: 'send'; readonly from: Party }
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'drop'; readonly pick: number }
  | { readonly kind: 'duplicate'; readonly pick: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), from: fc.constantFrom<Party>('alice', 'bob') }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }) },
);

/** Can this party send? Bob can only after Alice's first message reached him. */
export function canSend(state: RatchetState): boolean {
  return state.sendingChainKey !== null;
}

export function send(pair: Pair, from: Party, id: number): Sent {
  const plaintext = utf8(`message ${id} from ${from}`);
  const out = ratchetEncrypt(pair.states[from], plaintext, pair.randoms[from]);
  pair.states[from] = out.state;
  return { id, from, plaintext, message: out.message };
}

/** Delivers to the recipient; returns the plaintext, or the error code on a ProtocolError (state then untouched). */
export function deliver(pair: Pair, sent: Sent): Bytes | ProtocolErrorCode {
  const to = peerOf(sent.from);
  try {
    const out = ratchetDecrypt(pair.states[to], sent.message, pair.randoms[to]);
    pair.states[to] = out.state;
    return out.plaintext;
  } catch (e) {
    if (isProtocolError(e)) return e.code;
    throw e;
  }
}

export function errorCodeOf(f: () => unknown): ProtocolErrorCode | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (isProtocolError(e)) return e.code;
    throw e;
  }
}

export const hex = toHex;

/** Deep copy of a state (for comparing before/after: the original must be untouched). */
export function snapshot(state: RatchetState): RatchetState {
  return structuredClone(state);
}

export interface Network {
  readonly pair: Pair;
  readonly pending: Sent[];
  readonly delivered: Sent[];
  nextId: number;
}

/** Runs a schedule where every delivery must succeed (drops and duplicates are skipped); for building prefixes. */
export function runSchedule(seed: number, ops: readonly Op[]): Network {
  const net: Network = { pair: makePair(seed), pending: [], delivered: [], nextId: 0 };
  for (const op of ops) {
    if (op.kind === 'send') {
      if (canSend(net.pair.states[op.from])) net.pending.push(send(net.pair, op.from, net.nextId++));
    } else if (op.kind === 'deliver' && net.pending.length > 0) {
      const [m] = net.pending.splice(op.pick % net.pending.length, 1) as [Sent];
      if (!(deliver(net.pair, m) instanceof Uint8Array)) throw new Error('harness: a genuine delivery failed');
      net.delivered.push(m);
    } else if (op.kind === 'drop' && net.pending.length > 0) {
      net.pending.splice(op.pick % net.pending.length, 1);
    }
  }
  return net;
}
