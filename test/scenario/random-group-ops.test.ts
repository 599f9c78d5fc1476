/**
 * Random operations with a group, across 3–4 clients on a real relay process:
 * 1:1 sends, group sends, add member, remove member, leave, go offline, come
 * back, restart from the durable store, lose the network. Every message
 * reaches exactly its intended recipients, exactly once, and nobody else: a
 * 1:1 message its addressee; a group message the members at send time other
 * than the sender (not removed members, not members added later).
 *
 * Readiness: membership spreads asynchronously (the roster after
 * ROSTER_DELAY_MS, token rotation after a removal, pairwise distributions), so
 * after each membership operation the test brings every client online and
 * waits — bounded by SETTLE_MS, or the run fails — until every member's
 * client reports the new epoch, the expected member list and `ready` (every
 * other member's current group token is known), and no former member's
 * client still lists the group. Sends between membership operations are
 * intended for the members of the last settled epoch. Before a membership
 * operation the test also waits until everything sent so far has arrived:
 * a member's message that its admin only processes after removing it is
 * refused by design (protocol.md §8.5, NOT_A_MEMBER, reported as `tampered`).
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { toHex } from '../../src/crypto/index.js';
import { scenarioParams } from '../property/fc.js';
import {
  befriendAll, exchangeMarkers, openClient, receivedWithoutMarkers, type RelayProcess, startRelayProcess, tempDir, text,
} from './helpers.js';

const tmp = tempDir('parley-random-group-');
let relay: RelayProcess;
let run = 0;
const SETTLE_MS = 15_000;

beforeAll(async () => {
  relay = await startRelayProcess(join(tmp.dir, 'relay'));
}, 30_000);

afterAll(async () => {
  await relay?.stop();
  tmp.remove();
});

type Op =
  | { readonly kind: 'send'; readonly from: number; readonly to: number }
  | { readonly kind: 'group-send' | 'add' | 'remove' | 'leave' | 'offline' | 'online' | 'restart' | 'network'; readonly who: number };

const arbOps = (n: number): fc.Arbitrary<Op[]> => {
  const who = fc.integer({ min: 0, max: n - 1 });
  const one = (kind: Exclude<Op['kind'], 'send'>, weight: number) => ({ weight, arbitrary: fc.record({ kind: fc.constant(kind), who }) });
  return fc.array(fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('send' as const), from: who, to: who }) },
    one('group-send', 4), one('add', 2), one('remove', 2), one('leave', 1),
    one('offline', 1), one('online', 1), one('restart', 1), one('network', 1),
  ), { minLength: 4, maxLength: 12 });
};

interface Person {
  readonly dir: string;
  readonly name: string;
  client: Client | undefined;
  key: string;
  /** Contact id at this person for each other person. */
  readonly ids: Map<number, string>;
  readonly received: string[];
}

async function bringUp(p: Person): Promise<Client> {
  const c = await openClient(p.dir, relay.url, p.name, (x) => x.on('message', (m) => p.received.push(text(m))));
  p.client = c;
  p.key = toHex(c.identityKey);
  return c;
}

async function within(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${SETTLE_MS} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Everyone online and every message sent so far received (before a membership operation). */
async function caughtUp(people: Person[], expected: readonly string[][]): Promise<void> {
  for (const p of people) if (p.client === undefined) await bringUp(p);
  await within('catching up', () => people.every((p, i) => expected[i]!.every((t) => p.received.includes(t))));
}

/** The readiness point: see the file comment. */
async function settle(people: Person[], gid: string, members: ReadonlySet<number>, epoch: number): Promise<void> {
  for (const p of people) if (p.client === undefined) await bringUp(p);
  const want = [...members].map((i) => people[i]!.key).sort();
  const settled = (): boolean => people.every((p, i) => {
    const g = p.client!.groups().find((x) => x.id === gid);
    if (!members.has(i)) return g === undefined;
    return g !== undefined && g.ready && g.epoch === epoch && [...g.members].sort().join() === want.join();
  });
  await within(`group settling at epoch ${epoch}`, settled);
}

describe('random operations with a group (property)', () => {
  it('every 1:1 and group message reaches exactly its intended recipients, once', async () => {
    const arb = fc.integer({ min: 3, max: 4 }).chain((n) => fc.tuple(
      fc.constant(n), fc.subarray(Array.from({ length: n - 1 }, (_, i) => i + 1), { minLength: 1 }), arbOps(n),
    ));
    await fc.assert(fc.asyncProperty(arb, async ([n, initial, ops]) => {
      const r = run++;
      const people: Person[] = Array.from({ length: n }, (_, i) => ({ dir: join(tmp.dir, `r${r}-p${i}`), name: `p${i}`, client: undefined, key: '', ids: new Map(), received: [] }));
      for (const p of people) await bringUp(p);
      await befriendAll(people);
      const admin = people[0]!;
      const members = new Set([0, ...initial]);
      const gid = (await admin.client!.createGroup('g', initial.map((i) => admin.ids.get(i)!))).id;
      let epoch = 0;
      await settle(people, gid, members, epoch);
      const expected: string[][] = people.map(() => []);
      let k = 0;
      try {
        for (const op of ops) {
          if (op.kind === 'send') {
            const from = people[op.from]!;
            if (op.from === op.to || from.client === undefined) continue;
            const t = `m${k++} ${op.from}→${op.to}`;
            await from.client.send(from.ids.get(op.to)!, { type: 'text', text: t });
            expected[op.to]!.push(t);
            continue;
          }
          const p = people[op.who]!;
          switch (op.kind) {
            case 'group-send': {
              if (!members.has(op.who) || p.client === undefined) break;
              const t = `g${k++} ${op.who}→group`;
              await p.client.sendToGroup(gid, { type: 'text', text: t });
              for (const m of members) if (m !== op.who) expected[m]!.push(t);
              break;
            }
            case 'add':
            case 'remove':
            case 'leave': {
              const isMember = members.has(op.who);
              if (op.who === 0 || isMember === (op.kind === 'add')) break;
              await caughtUp(people, expected);
              if (op.kind === 'add') await admin.client!.addMember(gid, admin.ids.get(op.who)!);
              else if (op.kind === 'remove') await admin.client!.removeMember(gid, admin.ids.get(op.who)!);
              else await p.client!.leaveGroup(gid);
              if (op.kind === 'add') members.add(op.who);
              else members.delete(op.who);
              await settle(people, gid, members, ++epoch);
              break;
            }
            case 'offline':
              await p.client?.close();
              p.client = undefined;
              break;
            case 'online':
              if (p.client === undefined) await bringUp(p);
              break;
            case 'restart':
              await p.client?.close();
              await bringUp(p);
              break;
            case 'network':
              p.client?.interruptConnection();
              break;
          }
        }
        for (const p of people) if (p.client === undefined) await bringUp(p);
        await exchangeMarkers(people);
        for (const [i, p] of people.entries()) {
          const got = receivedWithoutMarkers(p);
          expect([...got].sort()).toEqual([...expected[i]!].sort());
        }
      } finally {
        for (const p of people) await p.client?.close();
      }
    }), scenarioParams(12, 40_000));
  }, 120_000);
});
