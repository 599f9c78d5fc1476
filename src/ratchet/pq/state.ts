/**
 * State of the post-quantum ratchet (spec/protocol.md §6.9.1): which KEM step
 * the session is building and how far it got. Plain readonly data, like the
 * ratchet state that holds it.
 *
 * Epoch `e` counts the PQ secrets mixed into the root chain so far; the step
 * being built produces epoch `e + 1`. In step `s` one party sends an ML-KEM-768
 * encapsulation key (the *EK side*) and the other answers with a ciphertext
 * (the *CT side*); the PQXDH initiator is the EK side of odd steps, so the
 * roles alternate and each party's fresh key pairs heal the other's compromise.
 */
import type { Bytes } from '../../crypto/index.js';

/** One received coded chunk (§6.9.3). */
export interface PqChunk {
  readonly index: number;
  readonly data: Bytes;
}

export type PqPhase =
  /** EK side, nothing sent yet: the next encrypt draws a key pair. */
  | { readonly kind: 'ek-keygen' }
  /** EK side: our messages carry chunks of `encapsulationKey` until a ciphertext chunk arrives; `received` collects those. */
  | {
    readonly kind: 'ek-send'; readonly seed: Bytes; readonly encapsulationKey: Bytes;
    readonly nextIndex: number; readonly received: readonly PqChunk[];
  }
  /** EK side: the ciphertext decapsulated to `secret`; our next sending chain mixes it. */
  | { readonly kind: 'ek-mix'; readonly secret: Bytes }
  /** CT side: collecting the peer's encapsulation key. */
  | { readonly kind: 'ct-collect'; readonly received: readonly PqChunk[] }
  /** CT side: the key is complete and checked; the next encrypt encapsulates to it. */
  | { readonly kind: 'ct-encaps'; readonly encapsulationKey: Bytes }
  /** CT side: our messages carry chunks of `ciphertext` until the peer's chain shows it mixed `secret`. */
  | { readonly kind: 'ct-send'; readonly ciphertext: Bytes; readonly secret: Bytes; readonly nextIndex: number };

export interface PqState {
  /** PQ secrets mixed into the root key so far. */
  readonly epoch: number;
  /** We initiated the session (PQXDH): the EK side of odd steps. */
  readonly initiator: boolean;
  readonly phase: PqPhase;
}

/** Whether we send the encapsulation key of step `step` (§6.9.1). */
export function isEkSide(initiator: boolean, step: number): boolean {
  return initiator === (step % 2 === 1);
}

/** The phase a party starts step `step` in. */
export function startPhase(initiator: boolean, step: number): PqPhase {
  return isEkSide(initiator, step) ? { kind: 'ek-keygen' } : { kind: 'ct-collect', received: [] };
}

/** Epoch 0: the session's first step is being built, the initiator sends the first key. */
export function initialPqState(initiator: boolean): PqState {
  return { epoch: 0, initiator, phase: startPhase(initiator, 1) };
}
