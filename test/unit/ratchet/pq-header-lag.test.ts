/**
 * spec/protocol.md §6.9.4: header keys follow one chain behind the mix. The
 * first chain a party sends after a PQ secret is mixed travels under the next
 * header key its peer derived before the mix, so whoever held the state before
 * the mix can open — and forge — those headers; what keeps a chunk from being
 * injected is the body, whose key depends on the PQ secret, and a block is
 * acted on only after the body authenticates (§6.9.6).
 */
import { describe, expect, it } from 'vitest';
import { generateX25519KeyPair, x25519, type Bytes } from '../../../src/crypto/index.js';
import { kdfChain } from '../../../src/ratchet/chain-key.js';
import { encryptHeader, headerAssociatedData, tryDecryptHeader } from '../../../src/ratchet/header.js';
import { ratchetDecrypt, type RatchetState } from '../../../src/ratchet/index.js';
import { sealBody } from '../../../src/ratchet/message-key.js';
import { emptyBlock } from '../../../src/ratchet/pq/block.js';
import { kdfRoot } from '../../../src/ratchet/root-key.js';
import { seededRandom } from '../../../src/testing/index.js';
import { decodeRatchetMessage, encodeRatchetMessage } from '../../../src/wire/index.js';
import { deliver, errorCodeOf, makePair, send, snapshot, type Pair, type Sent } from '../../property/ratchet-harness.js';

/** Alternates single messages until Alice (EK side of step 1) has mixed; returns her first message of the mixed chain, undelivered. */
function firstMixedMessage(pair: Pair): Sent {
  for (let id = 0; id < 200; id += 2) {
    const fromAlice = send(pair, 'alice', id);
    if (pair.states.alice.pq?.epoch === 1) return fromAlice;
    expect(deliver(pair, fromAlice)).toBeInstanceOf(Uint8Array);
    expect(deliver(pair, send(pair, 'bob', id + 1))).toBeInstanceOf(Uint8Array);
  }
  throw new Error('step 1 never mixed');
}

/** A message for Bob's next receiving chain, forged from his state before the mix, its body keyed with `pqSecret` or without one. */
function forge(bob: RatchetState, pqSecret: Bytes | null): Bytes {
  const random = seededRandom(new Uint8Array(32).fill(9));
  const adversary = generateX25519KeyPair(random);
  const header = { ratchetKey: adversary.publicKey, previousChainLength: 0, messageNumber: 0, pq: emptyBlock(1) };
  const encryptedHeader = encryptHeader(bob.nextReceivingHeaderKey, header, headerAssociatedData(3, bob.associatedData), random);
  const chain = kdfRoot(bob.rootKey, x25519(adversary.privateKey, bob.sendingRatchetKey.publicKey), pqSecret);
  const body = sealBody(kdfChain(chain.chainKey).messageKey, new Uint8Array(4), 3, bob.associatedData, encryptedHeader);
  return encodeRatchetMessage({ version: 3, header: encryptedHeader, ciphertext: body });
}

describe('PQ ratchet: the header key of the first chain after a mix', () => {
  it('is the next header key from before the mix: the header opens under it', () => {
    const pair = makePair(17, 3);
    const mixed = firstMixedMessage(pair);
    const bob = pair.states.bob;
    expect(bob.pq).toMatchObject({ epoch: 0, phase: { kind: 'ct-send' } });
    const opened = tryDecryptHeader(bob.nextReceivingHeaderKey, decodeRatchetMessage(mixed.message).header, headerAssociatedData(3, bob.associatedData), 3);
    expect(opened?.pq?.epoch).toBe(1);
    expect(deliver(pair, mixed)).toBeInstanceOf(Uint8Array);
    expect(pair.states.bob.pq?.epoch).toBe(1);
  });

  it('a message forged under it without the PQ secret is refused and changes nothing; with the secret it is accepted', () => {
    const pair = makePair(18, 3);
    firstMixedMessage(pair);
    const bob = pair.states.bob;
    const before = snapshot(bob);
    expect(errorCodeOf(() => ratchetDecrypt(bob, forge(bob, null), pair.randoms.bob))).toBe('DECRYPT_FAILED');
    expect(bob).toEqual(before);
    // Control: the only thing the forger lacked is the step's PQ secret.
    const secret = bob.pq?.phase.kind === 'ct-send' ? bob.pq.phase.secret : null;
    expect(secret).not.toBeNull();
    expect(ratchetDecrypt(bob, forge(bob, secret), pair.randoms.bob).state.pq?.epoch).toBe(1);
  });
});
