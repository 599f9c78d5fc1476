/**
 * Property 2 (issue 2): any single-bit flip anywhere in a message is rejected
 * with a ProtocolError, the receiver's state is deep-equal to before, and the
 * genuine message still decrypts afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import { ratchetDecrypt } from '../../src/ratchet/index.js';
import { deliver, opArb, peerOf, runSchedule, snapshot, type Sent } from './ratchet-harness.js';
import { fcParams } from './fc.js';

describe('ratchet property 2: tampering', () => {
  it('a single-bit flip is rejected, leaves the state unchanged, and the genuine message still decrypts', () => {
    fc.assert(
      fc.property(
        fc.nat(1000), fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.nat(), fc.nat(), fc.nat(7),
        (seed, ops, pickMessage, pickByte, bit) => {
          const net = runSchedule(seed, [{ kind: 'send', from: 'alice' }, ...ops]);
          fc.pre(net.pending.length > 0);
          const m = net.pending[pickMessage % net.pending.length] as Sent;
          const to = peerOf(m.from);
          const tampered = m.message.slice();
          const at = pickByte % tampered.length;
          tampered[at] = (tampered[at] as number) ^ (1 << bit);
          const state = net.pair.states[to];
          const before = snapshot(state);
          let error: unknown;
          try {
            ratchetDecrypt(state, tampered, net.pair.randoms[to]);
          } catch (e) {
            error = e;
          }
          expect(isProtocolError(error)).toBe(true);
          expect(state).toEqual(before);
          const out = deliver(net.pair, m);
          expect(out instanceof Uint8Array ? toHex(out) : out).toBe(toHex(m.plaintext));
        },
      ),
      fcParams(200),
    );
  });
});
