import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/crypto/index.js';
import {
  decodeSessionRecord, encodeSessionRecord, sessionDecrypt, sessionEncrypt, startSession,
} from '../../../src/session/index.js';
import { decodeSessionMessage } from '../../../src/wire/index.js';
import { fetchBundle, makeDevice, recordOf, str, text, type Device } from './harness.js';

function send(from: Device, to: Device, plaintext: string): Uint8Array {
  const { record, message } = sessionEncrypt(recordOf(from, to), text(plaintext), from.random);
  from.records.set(to.name, record);
  return message;
}

function receive(at: Device, from: Device, message: Uint8Array): string {
  const r = sessionDecrypt({
    record: recordOf(at, from), identity: at.identity, preKeys: at.preKeys, peer: from.identity.publicKey, message, random: at.random,
  });
  at.records.set(from.name, r.record);
  at.preKeys = r.preKeys;
  return str(r.plaintext);
}

function start(from: Device, to: Device): void {
  from.records.set(to.name, startSession({ record: recordOf(from, to), identity: from.identity, bundle: fetchBundle(to), random: from.random }));
}

describe('session cipher', () => {
  it('runs a conversation: initial messages until the first reply, ratchet messages after', () => {
    const alice = makeDevice('alice', 1);
    const bob = makeDevice('bob', 2);
    start(alice, bob);
    const m1 = send(alice, bob, 'one');
    const m2 = send(alice, bob, 'two');
    expect(decodeSessionMessage(m1).kind).toBe('initial');
    expect(decodeSessionMessage(m2).kind).toBe('initial');
    expect(receive(bob, alice, m1)).toBe('one');
    // The repeated header names the same session: no second prekey consumption.
    expect(receive(bob, alice, m2)).toBe('two');
    const r1 = send(bob, alice, 'reply');
    expect(decodeSessionMessage(r1).kind).toBe('ratchet');
    expect(receive(alice, bob, r1)).toBe('reply');
    const m3 = send(alice, bob, 'three');
    expect(decodeSessionMessage(m3).kind).toBe('ratchet');
    expect(receive(bob, alice, m3)).toBe('three');
  });

  it('consumes the one-time prekeys once: a different session naming them fails with PREKEY_CONSUMED', () => {
    const alice = makeDevice('alice', 3);
    const bob = makeDevice('bob', 4);
    const bundle = fetchBundle(bob);
    alice.records.set('bob', startSession({ record: recordOf(alice, bob), identity: alice.identity, bundle, random: alice.random }));
    expect(receive(bob, alice, send(alice, bob, 'hi'))).toBe('hi');
    // Alice (or anyone holding the same stale bundle) starts a second session from it.
    const again = makeDevice('alice', 3);
    again.records.set('bob', startSession({ record: recordOf(again, bob), identity: again.identity, bundle, random: bob.random }));
    const replay = send(again, bob, 'again');
    const before = { record: toHex(encodeSessionRecord(recordOf(bob, alice))), preKeys: bob.preKeys };
    expect(() => receive(bob, again, replay)).toThrowError(expect.objectContaining({ code: 'PREKEY_CONSUMED' }));
    expect(toHex(encodeSessionRecord(recordOf(bob, alice)))).toBe(before.record);
    expect(bob.preKeys).toBe(before.preKeys);
  });

  it('refuses an initial message whose initiator is not the authenticated sender', () => {
    const alice = makeDevice('alice', 5);
    const bob = makeDevice('bob', 6);
    const mallory = makeDevice('mallory', 7);
    start(alice, bob);
    const m = send(alice, bob, 'hi');
    expect(() => receive(bob, mallory, m)).toThrowError(expect.objectContaining({ code: 'UNTRUSTED_IDENTITY' }));
  });

  it('leaves record and prekeys untouched when a message fails', () => {
    const alice = makeDevice('alice', 8);
    const bob = makeDevice('bob', 9);
    start(alice, bob);
    const m = send(alice, bob, 'hi');
    const tampered = m.slice();
    tampered[tampered.length - 3] = (tampered[tampered.length - 3] as number) ^ 1;
    const preKeys = bob.preKeys;
    expect(() => receive(bob, alice, tampered)).toThrowError(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
    expect(bob.records.get('alice')).toBeUndefined();
    expect(bob.preKeys).toBe(preKeys);
    expect(receive(bob, alice, m)).toBe('hi');
  });

  it('reports NO_SESSION for a ratchet message with no session, and for sending without one', () => {
    const alice = makeDevice('alice', 10);
    const bob = makeDevice('bob', 11);
    start(alice, bob);
    receive(bob, alice, send(alice, bob, 'hi'));
    const reply = send(bob, alice, 'r');
    const stranger = makeDevice('carol', 12);
    expect(() => receive(stranger, bob, reply)).toThrowError(expect.objectContaining({ code: 'NO_SESSION' }));
    expect(() => send(stranger, bob, 'x')).toThrowError(expect.objectContaining({ code: 'NO_SESSION' }));
  });

  it('serializes records and restores them with identical behaviour', () => {
    const alice = makeDevice('alice', 13);
    const bob = makeDevice('bob', 14);
    start(alice, bob);
    receive(bob, alice, send(alice, bob, 'a'));
    const restored = decodeSessionRecord(encodeSessionRecord(recordOf(alice, bob)));
    expect(toHex(encodeSessionRecord(restored))).toBe(toHex(encodeSessionRecord(recordOf(alice, bob))));
    alice.records.set('bob', restored);
    receive(alice, bob, send(bob, alice, 'b'));
    expect(receive(bob, alice, send(alice, bob, 'c'))).toBe('c');
  });

  it('refuses the replay of an initial message whose session was dropped (no one-time prekeys to consume)', () => {
    const alice = makeDevice('alice', 17);
    const bob = makeDevice('bob', 18, 0); // last-resort keys only: nothing is consumed
    start(alice, bob);
    const first = send(alice, bob, 'first');
    expect(receive(bob, alice, first)).toBe('first');
    for (let i = 0; i < 6; i++) {
      start(alice, bob);
      expect(receive(bob, alice, send(alice, bob, `again ${i}`))).toBe(`again ${i}`);
    }
    expect(recordOf(bob, alice).retired.length).toBe(1);
    expect(() => receive(bob, alice, first)).toThrowError(expect.objectContaining({ code: 'DUPLICATE_MESSAGE' }));
  });

  it('refuses unknown record versions and kinds with typed errors', () => {
    const alice = makeDevice('alice', 15);
    const bob = makeDevice('bob', 16);
    start(alice, bob);
    const bytes = encodeSessionRecord(recordOf(alice, bob));
    const wrongVersion = bytes.slice();
    wrongVersion[1] = 9; // fixarray(3), then the version as a positive fixint
    expect(() => decodeSessionRecord(wrongVersion)).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
  });
});
