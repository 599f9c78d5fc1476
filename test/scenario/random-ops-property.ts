/**
 * The random-operations property shared by the single-relay and the
 * three-node scenarios: 3–4 clients on the relay at `relayUrl()` send, go
 * offline, come back, restart from the durable store and lose the network;
 * after each run every message has reached its intended recipient exactly
 * once and nobody else.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { scenarioParams } from '../property/fc.js';
import { befriendAll, exchangeMarkers, openClient, receivedWithoutMarkers, text } from './helpers.js';

let run = 0;

type Op =
  | { readonly kind: 'send'; readonly from: number; readonly to: number }
  | { readonly kind: 'offline'; readonly who: number }
  | { readonly kind: 'online'; readonly who: number }
  | { readonly kind: 'restart'; readonly who: number }
  | { readonly kind: 'network'; readonly who: number };

const arbOps = (n: number): fc.Arbitrary<Op[]> => {
  const who = fc.integer({ min: 0, max: n - 1 });
  return fc.array(fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('send' as const), from: who, to: who }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('offline' as const), who }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('online' as const), who }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), who }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('network' as const), who }) },
  ), { minLength: 4, maxLength: 14 });
};

interface Person {
  readonly dir: string;
  client: Client | undefined;
  /** Contact id at this person for each other person. */
  readonly ids: Map<number, string>;
  readonly received: string[];
}

async function bringUp(p: Person, name: string, relayUrl: string): Promise<Client> {
  const c = await openClient(p.dir, relayUrl, name, (x) => x.on('message', (m) => p.received.push(text(m))));
  p.client = c;
  return c;
}

/** Runs the property (6 runs) against the relay at `relayUrl()`, keeping client state under `dir`. */
export async function randomOpsProperty(relayUrl: () => string, dir: string): Promise<void> {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 3, max: 4 }).chain((n) => fc.tuple(fc.constant(n), arbOps(n))), async ([n, ops]) => {
      const r = run++;
      const people: Person[] = Array.from({ length: n }, (_, i) => ({ dir: join(dir, `r${r}-p${i}`), client: undefined, ids: new Map(), received: [] }));
      for (const [i, p] of people.entries()) await bringUp(p, `p${i}`, relayUrl());
      await befriendAll(people);
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
          } else if (op.kind === 'offline') {
            await people[op.who]!.client?.close();
            people[op.who]!.client = undefined;
          } else if (op.kind === 'online') {
            if (people[op.who]!.client === undefined) await bringUp(people[op.who]!, `p${op.who}`, relayUrl());
          } else if (op.kind === 'restart') {
            await people[op.who]!.client?.close();
            await bringUp(people[op.who]!, `p${op.who}`, relayUrl());
          } else {
            people[op.who]!.client?.interruptConnection();
          }
        }
        for (const [i, p] of people.entries()) if (p.client === undefined) await bringUp(p, `p${i}`, relayUrl());
        await exchangeMarkers(people);
        for (const [i, p] of people.entries()) {
          const got = receivedWithoutMarkers(p);
          expect([...got].sort()).toEqual([...expected[i]!].sort());
        }
      } finally {
        for (const p of people) await p.client?.close();
      }
    }), scenarioParams(6, 60_000));
}
