/**
 * Starting a session (spec/client.md §5.1): two sends that find no session
 * with a device at once share one bundle fetch, so a race (a post and owed
 * group work after a reconnection, say) never takes a second one-time prekey
 * of the peer for a session that is never used. On the relay double. Fails
 * on a client that fetched once per caller.
 */
import { describe, expect, it } from 'vitest';
import { contextOf } from '../../src/client/internals.js';
import { peerIn } from '../../src/client/groups/reach.js';
import { ensureSession } from '../../src/client/messaging/sessions.js';
import { until } from '../relay/harness.js';
import { befriend } from '../scenario/helpers.js';
import { hubDevice } from './devices-helpers.js';
import { MemoryRelayHub } from './memory-relay.js';

describe('starting a session', () => {
  it('two callers that find no session with a device at once make one bundle fetch and one session', async () => {
    const hub = new MemoryRelayHub();
    const [alice, bob, carol] = [await hubDevice(hub, 'Alice'), await hubDevice(hub, 'Bob'), await hubDevice(hub, 'Carol')];
    const { bAtA: bobId } = await befriend(alice, bob);
    const { bAtA: carolId } = await befriend(alice, carol);
    const { id } = await alice.createGroup('lunch', [bobId, carolId]);
    await until(() => [alice, bob, carol].every((c) => c.group(id).ready));

    // Bob and Carol are no contacts: Bob has no session with Carol yet.
    const ctx = contextOf(bob);
    const carolPeer = peerIn(ctx, ctx.groups.get(id), contextOf(carol).identity.publicKey)!;
    const relay = ctx.relay;
    const real = relay.fetchBundle.bind(relay);
    let fetches = 0;
    relay.fetchBundle = async (to) => {
      fetches++;
      return real(to);
    };
    await Promise.all([ensureSession(ctx, carolPeer), ensureSession(ctx, carolPeer)]);
    expect(fetches).toBe(1);
    await bob.sendToGroup(id, { type: 'text', text: 'one session' });
    await Promise.all([alice.close(), bob.close(), carol.close()]);
  });
});
