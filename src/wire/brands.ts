/**
 * Roles that share a representation (house guide, "newtypes for roles"):
 * three prekey id spaces that are all uint32 (spec/protocol.md §4.2), the
 * Ed25519 identity key and X25519 public keys that are all 32 bytes (§2.1,
 * §4.1), and a relay mailbox id (relay.md §4).
 *
 * The brands are soft: the marker is optional, so a plain number or
 * Uint8Array (from a decoder, a literal in a test) is accepted where a role is
 * expected, but a value already typed as one role does not type-check as
 * another — a KemPreKeyId passed where a SignedPreKeyId belongs, or an
 * identity key where its X25519 form belongs, fails to compile.
 */
import type { Bytes } from '../crypto/index.js';

export type SignedPreKeyId = number & { readonly __role?: 'SignedPreKeyId' };
export type KemPreKeyId = number & { readonly __role?: 'KemPreKeyId' };
export type OneTimePreKeyId = number & { readonly __role?: 'OneTimePreKeyId' };

/** An Ed25519 identity public key (§4.1). */
export type IdentityKey = Bytes & { readonly __role?: 'IdentityKey' };
/** An X25519 public key: a prekey, an ephemeral or ratchet key, or an identity key's X25519 form (§2.1). */
export type X25519PublicKey = Bytes & { readonly __role?: 'X25519PublicKey' };
/** A mailbox id at a relay (relay.md §4). */
export type MailboxId = Bytes & { readonly __role?: 'MailboxId' };
