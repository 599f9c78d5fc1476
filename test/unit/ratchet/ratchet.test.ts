/**
 * The Double Ratchet's exact edges: roles, the MAX_SKIP boundary, the global
 * cap and its eviction order, duplicates, header privacy, size bounds and
 * state versioning.
 */
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_SIZE, MAX_SKIP, MAX_SKIPPED_KEYS } from '../../../src/constants.js';
import { toHex, utf8, type Bytes } from '../../../src/crypto/index.js';
import {
  decodeRatchetState, encodeRatchetState, initReceiver, ratchetDecrypt, ratchetEncrypt, type RatchetState,
} from '../../../src/ratchet/index.js';
import { decodeRatchetMessage, encodeMsgpack, encodeRatchetMessage } from '../../../src/wire/index.js';
import { errorCodeOf, makePair, snapshot, type Pair } from '../../property/ratchet-harness.js';

function sendMany(pair: Pair, from: 'alice' | 'bob', count: number): Bytes[] {
  const out: Bytes[] = [];
  for (let i = 0; i < count; i++) {
    const r = ratchetEncrypt(pair.states[from], utf8(`${from} ${i}`), pair.randoms[from]);
    pair.states[from] = r.state;
    out.push(r.message);
  }
  return out;
}

function receive(pair: Pair, to: 'alice' | 'bob', message: Bytes): string {
  const r = ratchetDecrypt(pair.states[to], message, pair.randoms[to]);
  pair.states[to] = r.state;
  return new TextDecoder().decode(r.plaintext);
}

describe('ratchet roles', () => {
  it('the receiver cannot send before the first message arrives (INVALID_STATE)', () => {
    const pair = makePair(1);
    expect(errorCodeOf(() => ratchetEncrypt(pair.states.bob, utf8('hi'), pair.randoms.bob))).toBe('INVALID_STATE');
  });

  it('a round trip works in both directions', () => {
    const pair = makePair(2);
    const [a0] = sendMany(pair, 'alice', 1) as [Bytes];
    expect(receive(pair, 'bob', a0)).toBe('alice 0');
    const [b0] = sendMany(pair, 'bob', 1) as [Bytes];
    expect(receive(pair, 'alice', b0)).toBe('bob 0');
  });

  it('rejects a wrong-size shared secret with INVALID_KEY', () => {
    const pair = makePair(3);
    expect(errorCodeOf(() => initReceiver({
      sharedSecret: new Uint8Array(31), ownRatchetKeyPair: pair.states.bob.sendingRatchetKey, associatedData: new Uint8Array(0),
    }))).toBe('INVALID_KEY');
  });
});

describe('MAX_SKIP', () => {
  const pair = makePair(4);
  const messages = sendMany(pair, 'alice', MAX_SKIP + 2);

  it('accepts a message exactly MAX_SKIP ahead', () => {
    const bob = pair.states.bob;
    const r = ratchetDecrypt(bob, messages[MAX_SKIP] as Bytes, pair.randoms.bob);
    expect(new TextDecoder().decode(r.plaintext)).toBe(`alice ${MAX_SKIP}`);
    expect(r.state.skippedMessageKeys.length).toBe(MAX_SKIP);
  });

  it('refuses MAX_SKIP + 1 ahead with TOO_MANY_SKIPPED and leaves the state unchanged', () => {
    const bob = pair.states.bob;
    const before = snapshot(bob);
    expect(errorCodeOf(() => ratchetDecrypt(bob, messages[MAX_SKIP + 1] as Bytes, pair.randoms.bob))).toBe('TOO_MANY_SKIPPED');
    expect(bob).toEqual(before);
  });

  // Bob's chain holds b0 (seen by Alice) and `unseen` more; then Bob ratchets and his next message carries PN.
  function previousChainCase(seed: number, unseen: number): { pair: Pair; next: Bytes } {
    const p = makePair(seed);
    receive(p, 'bob', sendMany(p, 'alice', 1)[0] as Bytes);
    receive(p, 'alice', sendMany(p, 'bob', 1)[0] as Bytes);
    sendMany(p, 'bob', unseen);
    receive(p, 'bob', sendMany(p, 'alice', 1)[0] as Bytes);
    return { pair: p, next: sendMany(p, 'bob', 1)[0] as Bytes };
  }

  it('bounds the rest of the previous chain (PN) the same way, checked before anything is derived', () => {
    const ok = previousChainCase(5, MAX_SKIP);
    expect(receive(ok.pair, 'alice', ok.next)).toBe('bob 0');
    expect(ok.pair.states.alice.skippedMessageKeys.length).toBe(MAX_SKIP);
    const tooFar = previousChainCase(5, MAX_SKIP + 1);
    const alice = tooFar.pair.states.alice;
    const before = snapshot(alice);
    expect(errorCodeOf(() => ratchetDecrypt(alice, tooFar.next, tooFar.pair.randoms.alice))).toBe('TOO_MANY_SKIPPED');
    expect(alice).toEqual(before);
  });
});

describe('MAX_SKIPPED_KEYS: global cap, oldest first', () => {
  it('evicts the oldest skipped keys and reports them as DUPLICATE_MESSAGE', () => {
    const pair = makePair(6);
    const chain1 = sendMany(pair, 'alice', MAX_SKIP + 1);
    receive(pair, 'bob', chain1[MAX_SKIP] as Bytes); // skips chain1[0..MAX_SKIP-1]
    receive(pair, 'alice', sendMany(pair, 'bob', 1)[0] as Bytes);
    const chain2 = sendMany(pair, 'alice', MAX_SKIP + 1);
    receive(pair, 'bob', chain2[MAX_SKIP] as Bytes);
    expect(pair.states.bob.skippedMessageKeys.length).toBe(MAX_SKIPPED_KEYS);
    receive(pair, 'alice', sendMany(pair, 'bob', 1)[0] as Bytes);
    const chain3 = sendMany(pair, 'alice', 11);
    receive(pair, 'bob', chain3[10] as Bytes); // 10 more: the 10 oldest (chain1[0..9]) go
    expect(pair.states.bob.skippedMessageKeys.length).toBe(MAX_SKIPPED_KEYS);
    for (let i = 0; i < 10; i++) expect(errorCodeOf(() => receive(pair, 'bob', chain1[i] as Bytes))).toBe('DUPLICATE_MESSAGE');
    expect(receive(pair, 'bob', chain1[10] as Bytes)).toBe('alice 10');
    expect(receive(pair, 'bob', chain2[0] as Bytes)).toBe('alice 0');
    expect(receive(pair, 'bob', chain3[0] as Bytes)).toBe('alice 0');
  });
});

describe('duplicates and garbage', () => {
  it('a replay is DUPLICATE_MESSAGE on the current chain, on a skipped chain and on an old chain', () => {
    const pair = makePair(7);
    const [a0, a1, a2] = sendMany(pair, 'alice', 3) as [Bytes, Bytes, Bytes];
    receive(pair, 'bob', a1);
    expect(errorCodeOf(() => receive(pair, 'bob', a1))).toBe('DUPLICATE_MESSAGE');
    receive(pair, 'alice', sendMany(pair, 'bob', 1)[0] as Bytes);
    receive(pair, 'bob', sendMany(pair, 'alice', 1)[0] as Bytes); // Alice's chain 1 is now a previous chain
    expect(errorCodeOf(() => receive(pair, 'bob', a1))).toBe('DUPLICATE_MESSAGE');
    expect(receive(pair, 'bob', a0)).toBe('alice 0');
    expect(errorCodeOf(() => receive(pair, 'bob', a0))).toBe('DUPLICATE_MESSAGE');
    expect(receive(pair, 'bob', a2)).toBe('alice 2');
  });

  it('a message from another session is DECRYPT_FAILED', () => {
    const one = makePair(8);
    const other = makePair(9);
    const [m] = sendMany(other, 'alice', 1) as [Bytes];
    expect(errorCodeOf(() => receive(one, 'bob', m))).toBe('DECRYPT_FAILED');
  });

  it('an unsupported message version is UNSUPPORTED_VERSION', () => {
    const pair = makePair(10);
    const { header, ciphertext } = decodeRatchetMessage(sendMany(pair, 'alice', 1)[0] as Bytes);
    expect(errorCodeOf(() => receive(pair, 'bob', encodeMsgpack({ v: 1, h: header, c: ciphertext })))).toBe('UNSUPPORTED_VERSION');
    expect(receive(pair, 'bob', encodeRatchetMessage({ version: 2, header, ciphertext }))).toBe('alice 0');
  });
});

describe('header encryption and sizes', () => {
  it('the relay sees neither ratchet keys nor counters', () => {
    const pair = makePair(11);
    const before = pair.states.alice;
    const [m] = sendMany(pair, 'alice', 1) as [Bytes];
    expect(toHex(m)).not.toContain(toHex(before.sendingRatchetKey.publicKey));
    expect(decodeRatchetMessage(m).header.length).toBe(80);
  });

  it('refuses a plaintext that would exceed MAX_MESSAGE_SIZE (OVERSIZE), state unchanged', () => {
    const pair = makePair(12);
    const before = snapshot(pair.states.alice);
    expect(errorCodeOf(() => ratchetEncrypt(pair.states.alice, new Uint8Array(MAX_MESSAGE_SIZE), pair.randoms.alice))).toBe('OVERSIZE');
    expect(pair.states.alice).toEqual(before);
  });
});

describe('state serialization', () => {
  const pair = makePair(13);
  receive(pair, 'bob', sendMany(pair, 'alice', 3)[2] as Bytes);
  const bytes = encodeRatchetState(pair.states.bob);

  it('round-trips', () => {
    const restored: RatchetState = decodeRatchetState(bytes);
    expect(restored).toEqual(pair.states.bob);
  });

  it('an unknown version is UNSUPPORTED_VERSION; a wrong kind is INVALID_STATE', () => {
    const value = [2, 'ratchet', {}];
    expect(errorCodeOf(() => decodeRatchetState(encodeMsgpack(value)))).toBe('UNSUPPORTED_VERSION');
    const wrongVersion = bytes.slice();
    expect(wrongVersion[1]).toBe(1); // fixarray(3), then the version
    wrongVersion[1] = 9;
    expect(errorCodeOf(() => decodeRatchetState(wrongVersion))).toBe('UNSUPPORTED_VERSION');
    expect(errorCodeOf(() => decodeRatchetState(encodeMsgpack([1, 'sender-key', {}])))).toBe('INVALID_STATE');
  });

  it('rejects a state that breaks an invariant with INVALID_STATE', () => {
    const s = pair.states.bob;
    const orphan = { ...s, skippedMessageKeys: [{ headerKey: new Uint8Array(32).fill(7), messageNumber: 0, messageKey: new Uint8Array(32) }] };
    expect(errorCodeOf(() => decodeRatchetState(encodeRatchetState(orphan)))).toBe('INVALID_STATE');
    const half = { ...s, sendingHeaderKey: null };
    expect(errorCodeOf(() => decodeRatchetState(encodeRatchetState(half)))).toBe('INVALID_STATE');
  });
});
