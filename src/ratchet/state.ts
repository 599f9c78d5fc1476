/**
 * The Double Ratchet state (spec/protocol.md §6.1) and its two initial forms
 * (§6.3). Plain readonly data: every operation returns a new state and never
 * modifies the one it was given, arrays included.
 */
import { MAX_ASSOCIATED_DATA_SIZE, PQ_RATCHET_VERSION, PROTOCOL_VERSION } from '../constants.js';
import { fail } from '../errors.js';
import { generateX25519KeyPair, redact, x25519, type Bytes, type RandomSource, type X25519KeyPair } from '../crypto/index.js';
import { initialPqState, type PqState } from './pq/state.js';
import { deriveInitialKeys, kdfRootHE } from './root-key.js';
import type { SkippedMessageKey } from './skipped-keys.js';

/** A receiving chain we have left: kept so that replays of its messages are told apart from garbage. */
export interface PreviousReceivingChain {
  readonly headerKey: Bytes;
  /** Messages 0..length-1 of that chain were received, skipped or announced by PN. */
  readonly length: number;
}

export interface RatchetState {
  /** DHs: our current ratchet key pair. */
  readonly sendingRatchetKey: X25519KeyPair;
  /** DHr: the peer's current ratchet public key (null until known). */
  readonly receivingRatchetKey: Bytes | null;
  /** RK */
  readonly rootKey: Bytes;
  /** CKs (null until our first DH ratchet, for the receiver role). */
  readonly sendingChainKey: Bytes | null;
  /** CKr (null until the first message of the peer's chain arrives). */
  readonly receivingChainKey: Bytes | null;
  /** Ns */
  readonly sendingMessageNumber: number;
  /** Nr */
  readonly receivingMessageNumber: number;
  /** PN */
  readonly previousChainLength: number;
  /** HKs */
  readonly sendingHeaderKey: Bytes | null;
  /** HKr */
  readonly receivingHeaderKey: Bytes | null;
  /** NHKs */
  readonly nextSendingHeaderKey: Bytes;
  /** NHKr */
  readonly nextReceivingHeaderKey: Bytes;
  /** MKSKIPPED, oldest first. */
  readonly skippedMessageKeys: readonly SkippedMessageKey[];
  /** Receiving chains before HKr, oldest first, at most MAX_PREVIOUS_RECEIVING_CHAINS. */
  readonly previousReceivingChains: readonly PreviousReceivingChain[];
  /** AD from PQXDH, bound into every header and body. */
  readonly associatedData: Bytes;
  /** The session's version (§6.9): 2 classic, 3 with the post-quantum ratchet; bound into every header and body. */
  readonly version: number;
  /** The post-quantum ratchet (§6.9.1): present exactly when `version` is 3. */
  readonly pq: PqState | null;
}

/** Version 2 (classic) or 3 (post-quantum ratchet); the initiator's choice, fixed for the session. */
export type RatchetVersion = typeof PROTOCOL_VERSION | typeof PQ_RATCHET_VERSION;

function checkVersion(version: number): void {
  if (version !== PROTOCOL_VERSION && version !== PQ_RATCHET_VERSION) {
    fail('INVALID_STATE', 'ratchet version must be 2 or 3', { got: version });
  }
}

function pqFor(version: number, initiator: boolean): PqState | null {
  return version === PQ_RATCHET_VERSION ? initialPqState(initiator) : null;
}

function checkAssociatedData(associatedData: Bytes): void {
  if (!(associatedData instanceof Uint8Array) || associatedData.length > MAX_ASSOCIATED_DATA_SIZE) {
    fail('INVALID_STATE', 'associated data must be bytes of bounded size', { max: MAX_ASSOCIATED_DATA_SIZE });
  }
}

/** RatchetInitAliceHE (§6.3, §6.9.1). Draws 32 bytes from `random` for the first ratchet key. Version 2 (classic) unless told. */
export function initSender(p: {
  sharedSecret: Bytes; peerRatchetKey: Bytes; associatedData: Bytes; random: RandomSource; version?: RatchetVersion;
}): RatchetState {
  const version = p.version ?? PROTOCOL_VERSION;
  checkAssociatedData(p.associatedData);
  checkVersion(version);
  const initial = deriveInitialKeys(p.sharedSecret);
  const sendingRatchetKey = generateX25519KeyPair(p.random);
  const step = kdfRootHE(initial.rootKey, x25519(sendingRatchetKey.privateKey, p.peerRatchetKey));
  return redact({
    sendingRatchetKey,
    receivingRatchetKey: p.peerRatchetKey.slice(),
    rootKey: step.rootKey,
    sendingChainKey: step.chainKey,
    receivingChainKey: null,
    sendingMessageNumber: 0,
    receivingMessageNumber: 0,
    previousChainLength: 0,
    sendingHeaderKey: initial.sharedHeaderKey,
    receivingHeaderKey: null,
    nextSendingHeaderKey: step.nextHeaderKey,
    nextReceivingHeaderKey: initial.sharedNextHeaderKey,
    skippedMessageKeys: [],
    previousReceivingChains: [],
    associatedData: p.associatedData.slice(),
    version,
    pq: pqFor(version, true),
  }, 'RatchetState');
}

/** RatchetInitBobHE (§6.3, §6.9.1). Bob cannot send until Alice's first message arrives. Version 2 unless told. */
export function initReceiver(p: {
  sharedSecret: Bytes; ownRatchetKeyPair: X25519KeyPair; associatedData: Bytes; version?: RatchetVersion;
}): RatchetState {
  const version = p.version ?? PROTOCOL_VERSION;
  checkAssociatedData(p.associatedData);
  checkVersion(version);
  const initial = deriveInitialKeys(p.sharedSecret);
  return redact({
    sendingRatchetKey: { publicKey: p.ownRatchetKeyPair.publicKey.slice(), privateKey: p.ownRatchetKeyPair.privateKey.slice() },
    receivingRatchetKey: null,
    rootKey: initial.rootKey,
    sendingChainKey: null,
    receivingChainKey: null,
    sendingMessageNumber: 0,
    receivingMessageNumber: 0,
    previousChainLength: 0,
    sendingHeaderKey: null,
    receivingHeaderKey: null,
    nextSendingHeaderKey: initial.sharedNextHeaderKey,
    nextReceivingHeaderKey: initial.sharedHeaderKey,
    skippedMessageKeys: [],
    previousReceivingChains: [],
    associatedData: p.associatedData.slice(),
    version,
    pq: pqFor(version, false),
  }, 'RatchetState');
}
