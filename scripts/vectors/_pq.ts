/**
 * Shared by the post-quantum ratchet vector generators (pq-ratchet.ts,
 * negative-pq-ratchet.ts): a version 3 Alice/Bob pair from fixed inputs, a
 * two-party conversation driver, and what a vector records of a party's PQ
 * state (protocol.md §6.9.1). Not a generator itself (the leading underscore
 * keeps it out of the registry).
 */
import { type Bytes, type RandomSource, type X25519KeyPair } from '../../src/crypto/index.js';
import { isProtocolError, type ProtocolErrorCode } from '../../src/errors.js';
import {
  initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetState, type RatchetVersion,
} from '../../src/ratchet/index.js';
import { headerAssociatedData, tryDecryptHeader, type Header } from '../../src/ratchet/header.js';
import { seededRandom } from '../../src/testing/index.js';
import { decodeRatchetMessage } from '../../src/wire/index.js';

export type Party = 'alice' | 'bob';
export const peerOf = (p: Party): Party => (p === 'alice' ? 'bob' : 'alice');
/** `a3` is Alice's message 3 (in her sending order), `b0` Bob's first. */
export const senderOf = (id: string): Party => (id.startsWith('a') ? 'alice' : 'bob');

export interface PairInputs {
  readonly sharedSecret: Bytes;
  readonly associatedData: Bytes;
  readonly bobRatchetKey: X25519KeyPair;
  readonly aliceSeed: Bytes;
  readonly bobSeed: Bytes;
}

/** A pair as PQXDH leaves it (protocol.md §6.3), each party with its own seeded source. */
export class Conversation {
  readonly states: Record<Party, RatchetState>;
  readonly randoms: Record<Party, RandomSource>;
  /** Every message sent so far, by id. */
  readonly sent = new Map<string, Bytes>();
  /** The sender's state before each message: what a forger or a check of the header needs. */
  readonly befores = new Map<string, RatchetState>();

  constructor(inputs: PairInputs, version: RatchetVersion = 3) {
    const { sharedSecret, associatedData, bobRatchetKey } = inputs;
    this.randoms = { alice: seededRandom(inputs.aliceSeed), bob: seededRandom(inputs.bobSeed) };
    this.states = {
      alice: initSender({ sharedSecret, peerRatchetKey: bobRatchetKey.publicKey, associatedData, random: this.randoms.alice, version }),
      bob: initReceiver({ sharedSecret, ownRatchetKeyPair: bobRatchetKey, associatedData, version }),
    };
  }

  send(id: string, plaintext: Bytes): Bytes {
    const from = senderOf(id);
    this.befores.set(id, this.states[from]);
    const out = ratchetEncrypt(this.states[from], plaintext, this.randoms[from]);
    this.states[from] = out.state;
    this.sent.set(id, out.message);
    return out.message;
  }

  /** Delivers `id` to the other party: "ok", or the code of the ProtocolError (the state is then unchanged). */
  deliver(id: string): 'ok' | ProtocolErrorCode {
    const to = peerOf(senderOf(id));
    try {
      this.states[to] = ratchetDecrypt(this.states[to], this.sent.get(id) as Bytes, this.randoms[to]).state;
      return 'ok';
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      return e.code;
    }
  }
}

/** The plain header of `message`, which `before` (the sender's state before encrypting it) sealed. */
export function ownHeader(before: RatchetState, message: Bytes): Header {
  const { header } = decodeRatchetMessage(message);
  const opened = tryDecryptHeader(before.sendingHeaderKey as Bytes, header, headerAssociatedData(before.version, before.associatedData), before.version);
  if (opened === null) throw new Error('vector generator: own header does not open');
  return opened;
}

export interface PqSummary { epoch: number; phase: string; chunks?: number }

/** Epoch, phase and, in a collecting phase, how many chunks are held (protocol.md §6.9.1). */
export function pqSummary(state: RatchetState): PqSummary {
  const pq = state.pq;
  if (pq === null) throw new Error('vector generator: not a version 3 state');
  const phase = pq.phase;
  return 'received' in phase ? { epoch: pq.epoch, phase: phase.kind, chunks: phase.received.length } : { epoch: pq.epoch, phase: phase.kind };
}

/** Throws unless `state` is at `epoch` in `phase`: a script that no longer reaches what its vector claims is a generator bug. */
export function expectPhase(what: string, state: RatchetState, epoch: number, phase: string): void {
  const got = pqSummary(state);
  if (got.epoch !== epoch || got.phase !== phase) throw new Error(`vector generator: ${what} is at ${got.epoch}/${got.phase}, expected ${epoch}/${phase}`);
}
