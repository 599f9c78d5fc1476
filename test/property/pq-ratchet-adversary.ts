/**
 * The adversary of spec/protocol.md §6.9.8, for the PQ ratchet's healing
 * properties: it copies one party's (the victim's) whole state at a time T,
 * sees every later message, and computes every X25519 secret — but cannot
 * break ML-KEM-768.
 *
 * It is modelled as a *shadow*: a copy of the victim's state from T, fed the
 * same operations as the victim (the same messages to decrypt, the same
 * plaintexts to encrypt). Every draw the victim makes is recorded and
 * classified by the order §6.5.4 and §6.9.5 fix: in ratchetDecrypt every draw
 * is an X25519 private key; in ratchetEncrypt the last draw is the 24-byte
 * header nonce and any before it are KEM randomness (a key pair's seed, an
 * encapsulation's m). The shadow's random source replays the victim's X25519
 * keys and nonces exactly — "breaking X25519" gives the adversary those keys,
 * and the peer's public keys travel in headers it can open — but substitutes
 * fresh bytes for every KEM draw. So the shadow follows the victim's root
 * chain exactly until a PQ secret it cannot know is mixed, and from then on
 * it reads nothing.
 */
import { equalBytes, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import { isProtocolError, type ProtocolErrorCode } from '../../src/errors.js';
import { seededRandom } from '../../src/testing/index.js';
import { ratchetDecrypt, ratchetEncrypt, type RatchetState } from '../../src/ratchet/index.js';
import { deliver, peerOf, send, snapshot, type Pair, type Party, type Sent } from './ratchet-harness.js';

type DrawKind = 'x25519' | 'kem' | 'nonce';

interface Draw {
  readonly kind: DrawKind;
  readonly bytes: Bytes;
}

/** Wraps a random source so that the draws of each operation can be taken afterwards, in order. */
function recording(random: RandomSource): { random: RandomSource; take: () => Bytes[] } {
  let draws: Bytes[] = [];
  return {
    random: (length) => {
      const bytes = random(length);
      draws.push(bytes.slice());
      return bytes;
    },
    take: () => {
      const taken = draws;
      draws = [];
      return taken;
    },
  };
}

/** §6.9.5: an encrypt draws [KEM seed (64) | KEM m (32)]?, then the header nonce (24), last. */
function classifyEncryptDraws(draws: readonly Bytes[]): Draw[] {
  return draws.map((bytes, i) => ({ kind: i === draws.length - 1 ? 'nonce' : 'kem', bytes }));
}

/** §6.5.4: a decrypt draws only the new ratchet key pair of a DH ratchet step. */
function classifyDecryptDraws(draws: readonly Bytes[]): Draw[] {
  return draws.map((bytes) => ({ kind: 'x25519', bytes }));
}

/**
 * The shadow's source for one operation: the victim's draws in order, X25519
 * keys and nonces as they were, KEM draws replaced by fresh bytes. A request
 * that does not match the recorded draw (the shadow has already diverged) is
 * served fresh bytes too: the adversary knows nothing more.
 */
function replaying(draws: readonly Draw[], fresh: RandomSource): RandomSource {
  let next = 0;
  return (length) => {
    const draw = draws[next++];
    return draw !== undefined && draw.kind !== 'kem' && draw.bytes.length === length ? draw.bytes.slice() : fresh(length);
  };
}

export type Outcome = Bytes | ProtocolErrorCode;

const isCode = <T>(out: T | ProtocolErrorCode): out is ProtocolErrorCode => typeof out === 'string';

/** The result of `f`, or the code of the ProtocolError it threw. */
function outcomeOf<T extends object>(f: () => T): T | ProtocolErrorCode {
  try {
    return f();
  } catch (e) {
    if (isProtocolError(e)) return e.code;
    throw e;
  }
}

/**
 * The adversary's copy of the victim's state from T, run on the victim's
 * operations with its X25519 keys and nonces but its own KEM randomness.
 */
export class Shadow {
  /** The victim's epoch at T (0 for a version 2 session). */
  readonly epochAtT: number;
  private state: RatchetState;
  private readonly fresh: RandomSource;

  constructor(stolen: RatchetState, fresh: RandomSource) {
    this.state = snapshot(stolen);
    this.epochAtT = stolen.pq?.epoch ?? 0;
    this.fresh = fresh;
  }

  /** Does the shadow hold this sending chain key (can it read the victim's next message)? */
  holdsSendingChain(chainKey: Bytes | null): boolean {
    return chainKey !== null && this.state.sendingChainKey !== null && equalBytes(chainKey, this.state.sendingChainKey);
  }

  encrypt(plaintext: Bytes, draws: readonly Draw[]): void {
    // A shadow that lost track may be refused; it then stays as it was, like any refused encrypt.
    const out = outcomeOf(() => ratchetEncrypt(this.state, plaintext, replaying(draws, this.fresh)));
    if (!isCode(out)) this.state = out.state;
  }

  decrypt(message: Bytes, draws: readonly Draw[]): Outcome {
    const out = outcomeOf(() => ratchetDecrypt(this.state, message, replaying(draws, this.fresh)));
    if (isCode(out)) return out;
    this.state = out.state;
    return out.plaintext;
  }
}

/** What a delivery gave the recipient and, when the recipient is the victim, each shadow (in `shadows` order). */
export interface Delivery {
  readonly real: Outcome;
  readonly shadows: readonly Outcome[];
}

/**
 * A pair whose victim is watched from the start (its draws recorded) and
 * shadowed from each `compromise()` on. `epochOf` is the sender's PQ epoch
 * when a message was encrypted: the epoch its chain's root has mixed (§6.9.5:
 * our sending chain's epoch is always `e`).
 */
export class CompromisedPair {
  readonly victim: Party;
  readonly peer: Party;
  readonly pair: Pair;
  /** Live shadows, oldest first; a caller may drop one it has done with. */
  shadows: Shadow[] = [];
  private readonly recorder: { random: RandomSource; take: () => Bytes[] };
  private readonly fresh: RandomSource;
  private readonly epochs = new Map<number, number>();

  constructor(pair: Pair, victim: Party, seed: number) {
    this.pair = pair;
    this.victim = victim;
    this.peer = peerOf(victim);
    this.recorder = recording(pair.randoms[victim]);
    pair.randoms[victim] = this.recorder.random;
    this.fresh = seededRandom(Uint8Array.from({ length: 32 }, (_, i) => (seed * 13 + i * 5 + 0x5a) & 0xff));
  }

  /** Time T: the adversary copies the victim's whole state. */
  compromise(): Shadow {
    const shadow = new Shadow(this.pair.states[this.victim], this.fresh);
    this.shadows.push(shadow);
    return shadow;
  }

  epochOf(sent: Sent): number {
    return this.epochs.get(sent.id) ?? 0;
  }

  /** Can `shadow` read the victim's next message (does it hold the victim's sending chain key)? */
  readsVictimNext(shadow: Shadow): boolean {
    return shadow.holdsSendingChain(this.pair.states[this.victim].sendingChainKey);
  }

  send(from: Party, id: number): Sent {
    const epoch = this.pair.states[from].pq?.epoch ?? 0;
    this.recorder.take();
    const sent = send(this.pair, from, id);
    this.epochs.set(id, epoch);
    if (from === this.victim) {
      const draws = classifyEncryptDraws(this.recorder.take());
      for (const shadow of this.shadows) shadow.encrypt(sent.plaintext, draws);
    }
    return sent;
  }

  deliver(sent: Sent): Delivery {
    this.recorder.take();
    const real = deliver(this.pair, sent);
    if (peerOf(sent.from) !== this.victim) return { real, shadows: [] };
    const draws = classifyDecryptDraws(this.recorder.take());
    return { real, shadows: this.shadows.map((shadow) => shadow.decrypt(sent.message, draws)) };
  }
}
