/**
 * Properties 3 and 4 (issue 2), with the attacker modelled as running
 * ratchetDecrypt on a stolen state snapshot.
 *   3. Forward secrecy: a snapshot of the receiver taken after it received
 *      some messages decrypts none of them (and does decrypt the ones still
 *      in flight, so the test can fail).
 *   4. Post-compromise security: a snapshot of one side decrypts the peer's
 *      next message, but none of the peer's messages sent after one full round
 *      trip that follows the snapshot.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { ratchetDecrypt, type RatchetState } from '../../src/ratchet/index.js';
import { deliver, errorCodeOf, opArb, peerOf, runSchedule, send, snapshot, type Party, type Sent } from './ratchet-harness.js';
import { fcParams } from './fc.js';

const attackerRandom = seededRandom(new Uint8Array(32).fill(0xee));

describe('ratchet property 3: forward secrecy', () => {
  it('a receiver snapshot decrypts none of the messages received before it', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.constantFrom<Party>('alice', 'bob'), (seed, ops, victim) => {
        const net = runSchedule(seed, [{ kind: 'send', from: 'alice' }, { kind: 'deliver', pick: 0 }, ...ops]);
        const stolen = snapshot(net.pair.states[victim]);
        const received = net.delivered.filter((m) => peerOf(m.from) === victim);
        const inFlight = net.pending.filter((m) => peerOf(m.from) === victim);
        for (const m of received) {
          expect(['DUPLICATE_MESSAGE', 'DECRYPT_FAILED']).toContain(errorCodeOf(() => ratchetDecrypt(stolen, m.message, attackerRandom)));
        }
        for (const m of inFlight) {
          expect(toHex(ratchetDecrypt(stolen, m.message, attackerRandom).plaintext)).toBe(toHex(m.plaintext));
        }
      }),
      fcParams(100),
    );
  });
});

/** The attacker decrypts what it can, in order, carrying its own state forward. */
function attackerTries(start: RatchetState, message: Bytes): { state: RatchetState; plaintext: Bytes } | null {
  try {
    return ratchetDecrypt(start, message, attackerRandom);
  } catch {
    return null;
  }
}

describe('ratchet property 4: post-compromise security', () => {
  it('a snapshot stops decrypting the peer after one full round trip', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.array(opArb, { maxLength: 30 }), fc.constantFrom<Party>('alice', 'bob'), (seed, ops, victim) => {
        const net = runSchedule(seed, [{ kind: 'send', from: 'alice' }, { kind: 'deliver', pick: 0 }, ...ops]);
        const peer = peerOf(victim);
        const stolen = snapshot(net.pair.states[victim]);
        const stolenKey = toHex(stolen.sendingRatchetKey.publicKey);
        const exchange = (from: Party): Sent => {
          const m = send(net.pair, from, net.nextId++);
          expect(deliver(net.pair, m) instanceof Uint8Array).toBe(true);
          return m;
        };

        // Before the round trip: the snapshot reads the peer's next message.
        const first = exchange(peer);
        const early = attackerTries(stolen, first.message);
        expect(early !== null && toHex(early.plaintext) === toHex(first.plaintext)).toBe(true);

        // The round trip: victim → peer, peer → victim, victim → peer (in-order ping-pong).
        const toVictim: Sent[] = [first];
        exchange(victim);
        toVictim.push(exchange(peer));
        exchange(victim);
        // The peer now ratchets against a key of the victim's generated after the snapshot.
        expect(toHex(net.pair.states[peer].receivingRatchetKey as Bytes)).not.toBe(stolenKey);

        let attacker: RatchetState = stolen;
        for (const m of toVictim) attacker = attackerTries(attacker, m.message)?.state ?? attacker;
        for (let i = 0; i < 3; i++) {
          const later = send(net.pair, peer, net.nextId++);
          expect(attackerTries(stolen, later.message)).toBeNull();
          expect(attackerTries(attacker, later.message)).toBeNull();
        }
      }),
      fcParams(100),
    );
  });
});
