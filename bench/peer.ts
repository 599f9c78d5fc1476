/** What every implementation under test offers the benchmark: each workload is optional (a peer may lack it). */
import type { Prepare } from './harness.js';

export interface WorkloadSizes {
  /** Sessions built per repetition in the session-setup workload. */
  readonly sessions: number;
  /** Messages per repetition in the one-way stream. */
  readonly oneWay: number;
  /** Messages per repetition in the ping-pong (each one turns the direction). */
  readonly pingPong: number;
  /** Group messages per repetition (encrypted by the sender, decrypted by one member). */
  readonly group: number;
}

export interface Peer {
  readonly name: string;
  /** Version string printed in RESULTS.md (from the package's package.json). */
  readonly version: string;
  /** What the session setup includes (e.g. whether a PQ KEM is part of it). */
  readonly setupNote: string;
  readonly sizes: WorkloadSizes;
  sessionSetup?(count: number): Prepare;
  oneWay?(messages: number, size: number): Prepare;
  pingPong?(messages: number, size: number): Prepare;
  groupMessages?(messages: number, size: number): Prepare;
  /**
   * The sender's cost of one group message in a group of `members` (the
   * sender included): a fresh sender key whose distribution message is
   * encrypted 1:1 to each of the other members - 1, then one group message.
   * `rotations` such operations per repetition.
   */
  groupSenderCost?(members: number, rotations: number): Prepare;
}

export const MESSAGE_SIZE = 100;

export function payload(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}
