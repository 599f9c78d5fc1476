/**
 * A channel's costs for the account (spec/client.md §6.6), protocol layer (src/group), in process: a post once
 * every subscriber holds the sender key; the first post after a subscription (one distribution); the first post
 * after an unsubscription (a fresh sender key for every subscriber); and a subscription (the signed change on the
 * full state and the subscriber's own welcome over its view). Pairwise encryption of the distributions and
 * welcomes (one 1:1 message each, "1:1 one-way" in the protocol table) is not included. Beside it, what the
 * client adds per post at that size — encoding the group record it commits with the outbox entry (session and
 * roster) — and the admin's state per subscriber, which sets MAX_CHANNEL_MEMBERS.
 * `npx tsx bench/channel.ts [subscribers…]` runs it alone (default 100 1000).
 */
import { MAX_CHANNEL_MEMBERS } from '../src/constants.js';
import { generateEd25519KeyPair, utf8, type Ed25519KeyPair } from '../src/crypto/index.js';
import { createGroup, createWelcome, encodeGroupSession, groupEncrypt, prepareSend, proposeChange, type GroupSession } from '../src/group/index.js';
import { seededRandom } from '../src/testing/index.js';
import { encodeGroupRecord, type RosterEntry } from '../src/wire/client/group-control.js';
import { medianOf } from './harness.js';


export const CHANNEL_SIZES = [1_000, 10_000] as const;
const REPS = 5;
const plaintext = utf8('x'.repeat(100));

interface ChannelRow {
  readonly subscribers: number;
  /** Median ms per operation, or why it could not run. */
  readonly post: number | string;
  readonly postAfterSubscribe: number | string;
  readonly postAfterUnsubscribe: number | string;
  readonly subscribe: number | string;
  /** Encoding the group record (session + roster) the client commits with each post, ms. */
  readonly record: number | string;
  /** The admin's encoded group record, bytes, and of it the session. */
  readonly recordBytes: number;
  readonly sessionBytes: number;
}

function time(f: () => void, n = 1): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - start) / n;
}

/** An account (admin) with `n` readers, its sender key distributed (nothing pending). */
function channel(n: number): { admin: Ed25519KeyPair; session: GroupSession; random: ReturnType<typeof seededRandom> } {
  const random = seededRandom(new Uint8Array(32).fill(0x63));
  const admin = generateEd25519KeyPair(random);
  // Readers' keys are only compared and hashed by the account: random bytes cost what keys would.
  const members = Array.from({ length: n }, () => ({ identityKey: random(32), role: 'reader' as const }));
  const { session } = createGroup({ identity: admin, mode: 'channel', members, random });
  return { admin, session: prepareSend(session, random).session, random };
}

/** The admin's group record at `session`: every reader in its roster with a mailbox and a current token. */
function recordOf(session: GroupSession, random: ReturnType<typeof seededRandom>): Uint8Array {
  const roster: RosterEntry[] = session.group.members.map((m) => ({ identityKey: m.identityKey, mailbox: random(16), token: random(32), epoch: 0 }));
  return encodeGroupRecord({ session: encodeGroupSession(session), name: 'channel', roster, token: random(32), owed: [], rotation: 0 });
}

function measureSize(n: number): ChannelRow {
  if (n + 2 > MAX_CHANNEL_MEMBERS) {
    const why = `not run: a channel holds at most MAX_CHANNEL_MEMBERS = ${MAX_CHANNEL_MEMBERS.toLocaleString('en-US')} members, the account included`;
    return { subscribers: n, post: why, postAfterSubscribe: why, postAfterUnsubscribe: why, subscribe: why, record: why, recordBytes: 0, sessionBytes: 0 };
  }
  const { admin, session, random } = channel(n);
  const newcomer = () => random(32);
  const record: number[] = [];
  let recordBytes = 0;
  const post: number[] = [];
  const afterSub: number[] = [];
  const afterUnsub: number[] = [];
  const subscribe: number[] = [];
  for (let r = 0; r < REPS; r++) {
    let s = session;
    post.push(time(() => { s = groupEncrypt(s, plaintext).session; }, 200));
    const joined = proposeChange(session, admin, { operation: 'subscribe', target: newcomer() }).session;
    afterSub.push(time(() => { groupEncrypt(prepareSend(joined, random).session, plaintext); }));
    const first = session.group.members.find((m) => m.role === 'reader')!.identityKey;
    const left = proposeChange(session, admin, { operation: 'unsubscribe', target: first }).session;
    afterUnsub.push(time(() => { groupEncrypt(prepareSend(left, random).session, plaintext); }));
    const target = newcomer();
    subscribe.push(time(() => {
      const out = proposeChange(session, admin, { operation: 'subscribe', target });
      const view = { ...out.session.group, members: out.session.group.members.filter((m) => m.role === 'admin' || m.identityKey === target) };
      createWelcome(view, admin.privateKey);
    }));
    record.push(time(() => { recordBytes = recordOf(session, random).length; }));
  }
  return {
    subscribers: n, post: medianOf(post).median, postAfterSubscribe: medianOf(afterSub).median, postAfterUnsubscribe: medianOf(afterUnsub).median, subscribe: medianOf(subscribe).median,
    record: medianOf(record).median, recordBytes, sessionBytes: encodeGroupSession(session).length,
  };
}

export function runChannelBench(log: (line: string) => void, sizes: readonly number[] = CHANNEL_SIZES): ChannelRow[] {
  return sizes.map((n) => {
    log(`  channel, ${n.toLocaleString('en-US')} subscribers`);
    return measureSize(n);
  });
}

function perSubscriber(bytes: number, n: number): string {
  return bytes === 0 ? '—' : `${(bytes / 1024).toFixed(0)} KiB (${(bytes / n).toFixed(0)} B each)`;
}

const cell = (v: number | string): string => (typeof v === 'string' ? v : `${v < 1 ? (v * 1000).toFixed(0) + ' µs' : v.toFixed(2) + ' ms'}`);

export function channelSection(rows: readonly ChannelRow[]): string {
  const lines = rows.map((r) => `| ${r.subscribers.toLocaleString('en-US')} | ${cell(r.post)} | ${cell(r.postAfterSubscribe)} | ${cell(r.postAfterUnsubscribe)} | ${cell(r.subscribe)} | ${cell(r.record)} | ${perSubscriber(r.recordBytes, r.subscribers)} | ${perSubscriber(r.sessionBytes, r.subscribers)} |`);
  return `| subscribers | post (key held by all) | first post after a subscription | first post after an unsubscription | subscription (change + the reader's welcome) | encoding the group record (client, per post) | admin's group record | of which group session |
|---|---|---|---|---|---|---|---|
${lines.join('\n')}

Median of ${REPS} repetitions, the account's side, src/group only (bench/channel.ts): the pairwise encryption of each distribution or welcome (one 1:1 message per recipient) comes on top. The client commits its group record with each post's outbox entry, so a post also pays "encoding the group record", which grows with the subscribers; the record's size per subscriber is what bounds a channel (MAX_CHANNEL_MEMBERS = ${MAX_CHANNEL_MEMBERS.toLocaleString('en-US')} keeps the session under MAX_GROUP_STATE_SIZE with every reader also waiting for the sender key). A group post costs the same whatever the number of subscribers; after an unsubscription the account draws a fresh sender key whose distribution goes to every remaining subscriber; a subscription hashes the full state and signs one change and one welcome over the reader's view (the admins and itself).`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  console.log(channelSection(runChannelBench((l) => process.stderr.write(`${l}\n`), sizes.length > 0 ? sizes : [100, 1_000])));
}
