/**
 * A channel with many readers, written into an account's store as the client
 * would have written it (its sender key made and counted as distributed), for
 * tests and benchmarks that need thousands of subscribers without thousands
 * of clients and pairwise handshakes. The readers are any (identity key,
 * mailbox, token) the caller registered at the relay. Also the channel
 * tests' wait for a condition.
 */
import { loadOrCreateAccount } from '../../src/client/account/identity.js';
import { toHex, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import { createGroup, encodeGroupSession, prepareSend } from '../../src/group/index.js';
import { put, type Store } from '../../src/store/index.js';
import { encodeGroupRecord, type RosterEntry } from '../../src/wire/client/group-control.js';

export interface ChannelReader {
  readonly identityKey: Bytes;
  readonly mailbox: Bytes;
  readonly token: Bytes;
}

/**
 * Writes a channel named `name` with `readers` into the (closed client's) store; returns the channel id. With
 * mode 'group', a group whose other members are `readers` (role member), for the group benchmarks.
 */
export async function writeChannelFixture(store: Store, readers: readonly ChannelReader[], random: RandomSource, name = 'channel', mode: 'channel' | 'group' = 'channel'): Promise<string> {
  const { identity, mailbox } = await loadOrCreateAccount(store, random, Date.now());
  const role = mode === 'channel' ? 'reader' as const : 'member' as const;
  const created = createGroup({ identity, mode, members: readers.map((r) => ({ identityKey: r.identityKey, role })), random });
  const session = prepareSend(created.session, random).session; // the distributions count as delivered
  const token = random(32);
  const self: RosterEntry = { identityKey: identity.publicKey, mailbox: mailbox ?? new Uint8Array(16), token, epoch: 0 };
  const roster: RosterEntry[] = [self, ...readers.map((r) => ({ identityKey: r.identityKey, mailbox: r.mailbox, token: r.token, epoch: 0 }))];
  const id = toHex(session.group.groupId);
  await store.write([put('groups', id, encodeGroupRecord({ session: encodeGroupSession(session), name, roster, token, owed: [], rotation: 0 }))]);
  return id;
}

