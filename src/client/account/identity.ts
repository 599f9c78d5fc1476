/**
 * This device's identity (spec/client.md §5.1, namespaces `identity` and
 * `prekeys`): loaded from the store, or created and committed together with
 * its first prekey state before anything else can use it.
 */
import type { Bytes, RandomSource } from '../../crypto/index.js';
import { decodeIdentityKeyPair, encodeIdentityKeyPair, generateIdentityKeyPair, type IdentityKeyPair } from '../../identity/identity-key.js';
import { decodePreKeyState, encodePreKeyState } from '../../identity/prekey-state-codec.js';
import type { PreKeyState } from '../../identity/prekeys.js';
import { put, type Store } from '../../store/index.js';
import { newPreKeyState } from './prekeys.js';

export interface Account {
  readonly identity: IdentityKeyPair;
  readonly preKeys: PreKeyState;
  /** Our mailbox id at the relay, once the relay has told us. */
  readonly mailbox: Bytes | undefined;
}

export async function loadOrCreateAccount(store: Store, random: RandomSource, now: number): Promise<Account> {
  const storedIdentity = await store.get('identity', 'self');
  const storedPreKeys = await store.get('prekeys', 'state');
  const mailbox = await store.get('identity', 'mailbox');
  if (storedIdentity !== undefined && storedPreKeys !== undefined) {
    return { identity: decodeIdentityKeyPair(storedIdentity), preKeys: decodePreKeyState(storedPreKeys), mailbox };
  }
  const identity = storedIdentity !== undefined ? decodeIdentityKeyPair(storedIdentity) : generateIdentityKeyPair(random);
  const preKeys = newPreKeyState(identity, random, now);
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity)), put('prekeys', 'state', encodePreKeyState(preKeys))]);
  return { identity, preKeys, mailbox };
}
