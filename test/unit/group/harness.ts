/** Test helpers for src/group: identities, and a pairwise channel modelled as direct authenticated delivery. */
import { expect } from 'vitest';
import { generateEd25519KeyPair, type Bytes, type Ed25519KeyPair, type RandomSource } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { isProtocolError, type ProtocolErrorCode } from '../../../src/errors.js';
import {
  createGroup, joinGroup, processDistribution, type GroupMode, type GroupRole, type GroupSession, type SenderKeyDelivery,
} from '../../../src/group/index.js';

export function seed(byte: number): Bytes {
  return new Uint8Array(32).fill(byte);
}

export function identities(n: number, random: RandomSource = seededRandom(seed(0x49))): Ed25519KeyPair[] {
  return Array.from({ length: n }, () => generateEd25519KeyPair(random));
}

export function text(s: string): Bytes {
  return new TextEncoder().encode(s);
}

export function str(b: Bytes): string {
  return new TextDecoder().decode(b);
}

export function expectCode(f: () => unknown, code: ProtocolErrorCode): void {
  try {
    f();
  } catch (e) {
    if (!isProtocolError(e, code)) throw new Error(`expected ${code}, got ${String(e)}`);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

/** A group of `ids` (ids[0] the creator and admin) where every member joined from the welcome. */
export function makeGroup(ids: readonly Ed25519KeyPair[], mode: GroupMode = 'group', roleOf: (i: number) => GroupRole = () => (mode === 'group' ? 'member' : 'reader'), random: RandomSource = seededRandom(seed(0x47))): GroupSession[] {
  const creator = ids[0] as Ed25519KeyPair;
  const { session, welcome } = createGroup({
    identity: creator, mode, random,
    members: ids.slice(1).map((id, i) => ({ identityKey: id.publicKey, role: roleOf(i + 1) })),
  });
  return [session, ...ids.slice(1).map((id) => joinGroup(id.publicKey, creator.publicKey, welcome))];
}

/** Delivers distributions from `from` over the modelled pairwise channel to the sessions of the recipients. */
export function deliverDistributions(sessions: GroupSession[], ids: readonly Ed25519KeyPair[], from: Bytes, distributions: readonly SenderKeyDelivery[]): void {
  for (const d of distributions) {
    const i = ids.findIndex((id) => Buffer.from(id.publicKey).equals(Buffer.from(d.recipient)));
    if (i < 0) throw new Error('distribution to an unknown identity');
    sessions[i] = processDistribution(sessions[i] as GroupSession, from, d.payload).session;
  }
}
