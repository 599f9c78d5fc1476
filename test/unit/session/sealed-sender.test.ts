import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair, toHex, utf8 } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { isProtocolError } from '../../../src/errors.js';
import { seal, unseal } from '../../../src/session/sealed-sender.js';
import { StaticSecretCache } from '../../../src/session/static-secrets.js';
import { fcParams } from '../../property/fc.js';

const random = seededRandom(new Uint8Array(32).fill(9));
const alice = generateEd25519KeyPair(random);
const bob = generateEd25519KeyPair(random);
const carol = generateEd25519KeyPair(random);
const content = utf8('a session message, opaque to the relay');

describe('sealed sender', () => {
  it('opens for the recipient and names the sender', () => {
    const envelope = seal({ identity: alice, recipientIdentityKey: bob.publicKey, content, random });
    const opened = unseal({ identity: bob, envelope });
    expect(opened.senderIdentityKey).toEqual(alice.publicKey);
    expect(opened.content).toEqual(content);
  });

  it('shows the relay neither the sender identity key nor the content', () => {
    const envelope = seal({ identity: alice, recipientIdentityKey: bob.publicKey, content, random });
    expect(toHex(envelope)).not.toContain(toHex(alice.publicKey));
    expect(toHex(envelope)).not.toContain(toHex(content));
  });

  it('does not open for anyone else', () => {
    const envelope = seal({ identity: alice, recipientIdentityKey: bob.publicKey, content, random });
    expect(() => unseal({ identity: carol, envelope })).toThrowError(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
  });

  it('rejects every single-bit change with a ProtocolError', () => {
    const envelope = seal({ identity: alice, recipientIdentityKey: bob.publicKey, content, random });
    fc.assert(
      fc.property(fc.nat({ max: envelope.length * 8 - 1 }), (bit) => {
        const tampered = envelope.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        try {
          unseal({ identity: bob, envelope: tampered });
          return false;
        } catch (e) {
          return isProtocolError(e);
        }
      }),
      fcParams(300),
    );
  });

  it('throws only ProtocolError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          unseal({ identity: bob, envelope: bytes });
          return false;
        } catch (e) {
          return isProtocolError(e);
        }
      }),
      fcParams(300),
    );
  });

  it('binds the sender: a re-sealed sender field under another identity fails', () => {
    // Carol takes Alice's envelope to Bob and cannot make it open as hers or anyone's.
    const fromAlice = seal({ identity: alice, recipientIdentityKey: bob.publicKey, content, random });
    const fromCarol = seal({ identity: carol, recipientIdentityKey: bob.publicKey, content, random });
    const mixed = fromCarol.slice();
    mixed.set(fromAlice.subarray(fromAlice.length - content.length - 16), mixed.length - content.length - 16);
    expect(() => unseal({ identity: bob, envelope: mixed })).toThrowError(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
  });
});

describe('sealed sender with a static-secret cache', () => {
  it('produces the same bytes and opens the same way, computing each static secret once', () => {
    const seedA = seededRandom(new Uint8Array(32).fill(3));
    const seedB = seededRandom(new Uint8Array(32).fill(3));
    const senderCache = new StaticSecretCache();
    const recipientCache = new StaticSecretCache();
    for (let i = 0; i < 3; i++) {
      const plain = seal({ identity: alice, recipientIdentityKey: bob.publicKey, content, random: seedA });
      const cached = seal({ identity: alice, recipientIdentityKey: bob.publicKey, content, random: seedB, staticSecrets: senderCache });
      expect(toHex(cached)).toBe(toHex(plain));
      const opened = unseal({ identity: bob, envelope: cached, staticSecrets: recipientCache });
      expect(opened.senderIdentityKey).toEqual(alice.publicKey);
      expect(opened.content).toEqual(content);
    }
    expect(JSON.stringify(senderCache)).toContain('1 entries');
    expect(JSON.stringify(recipientCache)).toContain('1 entries');
    // A cache belongs to one identity: Carol's envelope to Bob still opens through Bob's cache.
    const fromCarol = seal({ identity: carol, recipientIdentityKey: bob.publicKey, content, random });
    expect(unseal({ identity: bob, envelope: fromCarol, staticSecrets: recipientCache }).senderIdentityKey).toEqual(carol.publicKey);
  });

  it('derives its own X25519 key once, wipes it on clear, and starts over when shown another identity', () => {
    const cache = new StaticSecretCache();
    let derivations = 0;
    const derive = () => { derivations++; return new Uint8Array(32).fill(7); };
    const own = cache.ownSecret(bob.publicKey, derive);
    expect(cache.ownSecret(bob.publicKey, derive)).toBe(own); // one stable array: the node provider's import cache hits
    expect(derivations).toBe(1);
    cache.get(bob.publicKey, alice.publicKey, () => new Uint8Array(32).fill(1));
    // Alice's secrets never come from Bob's: the cache wipes Bob's and derives afresh.
    expect(cache.ownSecret(alice.publicKey, derive)).not.toBe(own);
    expect(own).toEqual(new Uint8Array(32));
    expect(derivations).toBe(2);
    expect(JSON.stringify(cache)).toContain('0 entries');
    const mine = cache.ownSecret(alice.publicKey, derive);
    cache.clear();
    expect(mine).toEqual(new Uint8Array(32));
    // Misused across identities, it still seals and opens correctly.
    const sealed = seal({ identity: alice, recipientIdentityKey: bob.publicKey, content, random, staticSecrets: cache });
    expect(unseal({ identity: bob, envelope: sealed, staticSecrets: cache }).content).toEqual(content);
    expect(unseal({ identity: bob, envelope: sealed, staticSecrets: cache }).senderIdentityKey).toEqual(alice.publicKey);
  });
});
