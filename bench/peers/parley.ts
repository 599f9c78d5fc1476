/**
 * Parley under the benchmark, once with the pure @noble provider and once
 * with the node:crypto provider. Until the core modules exist the peers are
 * reported as "not yet available" (never with made-up figures).
 */
import type { Peer } from '../peer.js';

export interface ParleyPeers {
  readonly peers: readonly Peer[];
  /** Why some Parley workloads are missing, if they are. */
  readonly missing?: string;
}

export async function parleyPeers(): Promise<ParleyPeers> {
  return { peers: [], missing: 'src/handshake, src/ratchet and src/group are not yet implemented' };
}
