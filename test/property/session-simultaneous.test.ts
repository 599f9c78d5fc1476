/**
 * Simultaneous initiation (spec/protocol.md §7.4): two devices that start a
 * session with each other at the same time, then talk in any interleaving
 * (each mailbox delivered in order, as the relay does), end on one session:
 * the same current base key on both sides; and every message decrypts once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/crypto/index.js';
import { sessionDecrypt, sessionEncrypt, startSession } from '../../src/session/index.js';
import { fetchBundle, makeDevice, recordOf, str, text, type Device } from '../unit/session/harness.js';
import { fcParams } from './fc.js';

type Op = 'aSends' | 'bSends' | 'deliverToA' | 'deliverToB';

function run(ops: readonly Op[], seed: number): { a: Device; b: Device } {
  const a = makeDevice('a', (seed % 200) + 1);
  const b = makeDevice('b', (seed % 200) + 2 + ((seed >> 8) % 40));
  a.records.set('b', startSession({ record: recordOf(a, b), identity: a.identity, bundle: fetchBundle(b), random: a.random }));
  b.records.set('a', startSession({ record: recordOf(b, a), identity: b.identity, bundle: fetchBundle(a), random: b.random }));
  const toA: { text: string; bytes: Uint8Array }[] = [];
  const toB: { text: string; bytes: Uint8Array }[] = [];
  let n = 0;
  const send = (from: Device, to: Device, queue: typeof toA) => {
    const t = `${from.name}${n++}`;
    const { record, message } = sessionEncrypt(recordOf(from, to), text(t), from.random);
    from.records.set(to.name, record);
    queue.push({ text: t, bytes: message });
  };
  const deliver = (at: Device, from: Device, queue: typeof toA) => {
    const next = queue.shift();
    if (next === undefined) return;
    const r = sessionDecrypt({
      record: recordOf(at, from), identity: at.identity, preKeys: at.preKeys, peer: from.identity.publicKey, message: next.bytes, random: at.random,
    });
    at.records.set(from.name, r.record);
    at.preKeys = r.preKeys;
    expect(str(r.plaintext)).toBe(next.text);
  };
  const step = (op: Op) => {
    if (op === 'aSends') send(a, b, toB);
    else if (op === 'bSends') send(b, a, toA);
    else if (op === 'deliverToA') deliver(a, b, toA);
    else deliver(b, a, toB);
  };
  // Both initiate before either receives: the first message of each is sent first.
  step('aSends');
  step('bSends');
  ops.forEach(step);
  while (toA.length > 0 || toB.length > 0) {
    step('deliverToA');
    step('deliverToB');
  }
  // One full round trip after the dust settles.
  step('aSends');
  step('deliverToB');
  step('bSends');
  step('deliverToA');
  return { a, b };
}

describe('simultaneous initiation', () => {
  it('converges on one session on both sides, whatever the interleaving', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Op>('aSends', 'bSends', 'deliverToA', 'deliverToB'), { maxLength: 16 }),
        fc.nat({ max: 1 << 16 }),
        (ops, seed) => {
          const { a, b } = run(ops, seed);
          const ca = recordOf(a, b).current;
          const cb = recordOf(b, a).current;
          expect(ca).not.toBeNull();
          expect(cb).not.toBeNull();
          expect(equalBytes(ca!.base, cb!.base)).toBe(true);
          // The kept session is the one with the smaller base key (§7.4), and both have heard on it.
          expect(ca!.pending).toBeNull();
          expect(cb!.pending).toBeNull();
        },
      ),
      fcParams(60),
    );
  });
});
