/**
 * The role brands of src/wire/brands.ts, checked by the type checker
 * (`npm run typecheck` compiles this file): each @ts-expect-error line is a
 * mix-up that must not compile; the lines without it must.
 */
import { describe, expect, it } from 'vitest';
import { findKemPreKey, findSignedPreKey, identityDhPublicKey, type PreKeyState } from '../../../src/identity/index.js';
import type { IdentityKey, KemPreKeyId, MailboxId, SignedPreKeyId, X25519PublicKey } from '../../../src/wire/index.js';

function mixUps(state: PreKeyState, signed: SignedPreKeyId, kem: KemPreKeyId, identityKey: IdentityKey, dh: X25519PublicKey, mailbox: MailboxId): void {
  findSignedPreKey(state, signed);
  findKemPreKey(state, kem);
  findSignedPreKey(state, 1); // a plain number from a decoder or a test is accepted
  // @ts-expect-error a KEM prekey id is not a signed prekey id
  findSignedPreKey(state, kem);
  // @ts-expect-error a signed prekey id is not a KEM prekey id
  findKemPreKey(state, signed);
  identityDhPublicKey(identityKey);
  // @ts-expect-error an X25519 key is not an identity key
  identityDhPublicKey(dh);
  // @ts-expect-error a mailbox id is not an identity key
  identityDhPublicKey(mailbox);
  // @ts-expect-error the X25519 form of an identity key is not an identity key
  identityDhPublicKey(identityDhPublicKey(identityKey));
}

describe('role brands', () => {
  it('exist only for the type checker (no runtime cost)', () => {
    expect(typeof mixUps).toBe('function');
  });
});
