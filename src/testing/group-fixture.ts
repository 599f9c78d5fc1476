/**
 * A ready-made group for benchmarks (no timing here): a sender whose sender
 * key has been prepared and distributed to `members − 1` others, and one
 * receiver that holds it. Measure `groupEncrypt(sender, …)` (and
 * `groupDecrypt(receiver, …)`) at several sizes: the per-message cost must not
 * grow with `members`.
 */
import { generateEd25519KeyPair, type Bytes, type RandomSource } from '../crypto/index.js';
import { createGroup, joinGroup, prepareSend, processDistribution, type GroupSession, type SenderKeyDelivery } from '../group/index.js';
import type { GroupMode } from '../wire/index.js';

export interface GroupBenchmarkFixture {
  /** The creator and only writer, ready to `groupEncrypt` (its sender key is distributed). */
  readonly sender: GroupSession;
  /** One member holding the sender's key, ready to `groupDecrypt`. */
  readonly receiver: GroupSession;
  /** The distributions `prepareSend` produced: one per other member, all the same payload. */
  readonly distributions: readonly SenderKeyDelivery[];
}

/** Members other than the creator get random 32-byte identity keys (the sender never checks them as points). */
export function createGroupBenchmarkFixture(p: { readonly members: number; readonly random: RandomSource; readonly mode?: GroupMode }): GroupBenchmarkFixture {
  const creator = generateEd25519KeyPair(p.random);
  const others: Bytes[] = Array.from({ length: Math.max(1, p.members - 1) }, () => p.random(32));
  const mode = p.mode ?? 'group';
  const role = mode === 'group' ? 'member' as const : 'reader' as const;
  const { session, welcome } = createGroup({ identity: creator, mode, random: p.random, members: others.map((identityKey) => ({ identityKey, role })) });
  const prepared = prepareSend(session, p.random);
  const receiverKey = others[0] as Bytes;
  const joined = joinGroup(receiverKey, creator.publicKey, welcome);
  const payload = (prepared.distributions[0] as SenderKeyDelivery).payload;
  const receiver = processDistribution(joined, creator.publicKey, payload).session;
  return { sender: prepared.session, receiver, distributions: prepared.distributions };
}
