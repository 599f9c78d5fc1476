/**
 * The member bound of each mode (protocol.md §8.1): a group holds MAX_GROUP_MEMBERS, a channel
 * MAX_CHANNEL_MEMBERS of which at most MAX_GROUP_MEMBERS admins; a full channel's session still encodes and
 * decodes (under MAX_GROUP_STATE_SIZE, every reader waiting for the sender key) and refuses one more reader.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CHANNEL_MEMBERS, MAX_GROUP_MEMBERS, MAX_GROUP_STATE_SIZE } from '../../../src/constants.js';
import { generateEd25519KeyPair } from '../../../src/crypto/index.js';
import { createGroup, decodeGroupSession, encodeGroupSession, prepareSend, proposeChange } from '../../../src/group/index.js';
import type { GroupRole } from '../../../src/group/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { expectCode, seed } from './harness.js';

const random = seededRandom(seed(0x4d));
const admin = generateEd25519KeyPair(random);
const others = (n: number, role: GroupRole) => Array.from({ length: n }, () => ({ identityKey: random(32), role }));

describe('member bounds per mode (§8.1)', () => {
  it('a group refuses its 1,001st member; a channel takes more readers than that', () => {
    expectCode(() => createGroup({ identity: admin, mode: 'group', members: others(MAX_GROUP_MEMBERS, 'member'), random }), 'INVALID_STATE');
    const { session } = createGroup({ identity: admin, mode: 'channel', members: others(MAX_GROUP_MEMBERS, 'reader'), random });
    expect(session.group.members).toHaveLength(MAX_GROUP_MEMBERS + 1);
  });

  it('a full channel encodes under MAX_GROUP_STATE_SIZE with every reader pending, decodes, and refuses one more reader', () => {
    expectCode(() => createGroup({ identity: admin, mode: 'channel', members: others(MAX_CHANNEL_MEMBERS, 'reader'), random }), 'INVALID_STATE');
    const created = createGroup({ identity: admin, mode: 'channel', members: others(MAX_CHANNEL_MEMBERS - 1, 'reader'), random }).session;
    // Every reader waiting for the sender key: the largest this session gets.
    const full = { ...prepareSend(created, random).session, pendingRecipients: created.group.members.filter((m) => m.role === 'reader').map((m) => m.identityKey) };
    const bytes = encodeGroupSession(full);
    expect(bytes.length).toBeLessThanOrEqual(MAX_GROUP_STATE_SIZE);
    expect(decodeGroupSession(bytes).group.members).toHaveLength(MAX_CHANNEL_MEMBERS);
    expectCode(() => proposeChange(full, admin, { operation: 'subscribe', target: random(32) }), 'INVALID_STATE');
  });

  it('a channel holds at most MAX_GROUP_MEMBERS admins', () => {
    expectCode(() => createGroup({ identity: admin, mode: 'channel', members: others(MAX_GROUP_MEMBERS, 'admin'), random }), 'INVALID_STATE');
    const { session } = createGroup({ identity: admin, mode: 'channel', members: [...others(MAX_GROUP_MEMBERS - 1, 'admin'), ...others(1, 'reader')], random });
    const reader = session.group.members.find((m) => m.role === 'reader')!.identityKey;
    expectCode(() => proposeChange(session, admin, { operation: 'promote', target: reader }), 'INVALID_STATE');
    expectCode(() => proposeChange(session, admin, { operation: 'add', target: random(32), role: 'admin' }), 'INVALID_STATE');
  });
});
