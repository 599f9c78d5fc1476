/**
 * Group token rotation over the real relay: after a member is removed, every
 * remaining member has replaced its group token, so the removed member's old
 * copies of those tokens are refused by the relay (TOKEN_REFUSED).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import type { RelayApi, RelayRecipient } from '../../src/client/transport/relay-api.js';
import { connectRelay } from '../../src/client/transport/relay-connection.js';
import { loadOrCreateKeyFile, nodeWebSocketFactory, SqliteStore } from '../../src/node/index.js';
import { systemRandom } from '../../src/crypto/index.js';
import { encodeIdentityKeyPair, generateIdentityKeyPair } from '../../src/identity/index.js';
import { put } from '../../src/store/index.js';
import { befriend, openClient, startRelayProcess, tempDir, type RelayProcess } from './helpers.js';
import { until } from '../until.js';

const tmp = tempDir('parley-rotation-');
let relay: RelayProcess;

beforeAll(async () => {
  relay = await startRelayProcess(join(tmp.dir, 'relay'));
}, 30_000);

afterAll(async () => {
  await relay?.stop();
  tmp.remove();
});

/** A client whose relay connection records the recipients (mailbox, token) of every fan-out it uploads. */
async function recordingClient(dir: string, name: string): Promise<{ client: Client; relayApi: () => RelayApi; fanouts: RelayRecipient[][] }> {
  mkdirSync(dir, { recursive: true });
  const fanouts: RelayRecipient[][] = [];
  let api: RelayApi | undefined;
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const identity = generateIdentityKeyPair(systemRandom);
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity))]);
  const client = await Client.open({
    relay: relay.url, store, displayName: name,
    transport: (handlers) => {
      const inner = connectRelay({ url: relay.url, identity, random: systemRandom, handlers, webSocket: nodeWebSocketFactory, backoff: { baseMs: 20, maxMs: 300 } });
      api = inner;
      return new Proxy(inner, {
        get(target, prop) {
          if (prop === 'fanout') return (to: readonly RelayRecipient[], data: Uint8Array) => { fanouts.push([...to]); return target.fanout(to, data); };
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  });
  await client.ready();
  return { client, relayApi: () => api as RelayApi, fanouts };
}

const settled = (clients: Client[], id: string, members: number, epoch: number) => () => clients.every((c) => {
  const g = c.groups().find((x) => x.id === id);
  return g !== undefined && g.ready && g.members.length === members && g.epoch === epoch;
});

describe('group token rotation (real relay)', () => {
  it('after a removal, the removed member\'s copies of the others\' group tokens are refused (TOKEN_REFUSED)', async () => {
    const alice = await openClient(join(tmp.dir, 'alice'), relay.url, 'Alice');
    const bob = await openClient(join(tmp.dir, 'bob'), relay.url, 'Bob');
    const carol = await recordingClient(join(tmp.dir, 'carol'), 'Carol');
    try {
      const { bAtA: bobId } = await befriend(alice, bob);
      const { bAtA: carolId } = await befriend(alice, carol.client);
      const group = await alice.createGroup('rotation', [bobId, carolId]);
      await until(settled([alice, bob, carol.client], group.id, 3, 0));

      // Carol posts once: her fan-out names Alice's and Bob's group tokens, and the relay admits both.
      await carol.client.sendToGroup(group.id, { type: 'text', text: 'from carol' });
      const old = carol.fanouts.at(-1) ?? [];
      expect(old.length).toBe(2);
      const probe = Uint8Array.of(1, 2, 3);
      expect((await carol.relayApi().fanout(old, probe)).every((r) => r.ok)).toBe(true);

      const removed = carol.client.next('group-change', (e) => e.group === group.id && e.change === 'removed');
      await alice.removeMember(group.id, carolId);
      await removed;
      await until(settled([alice, bob], group.id, 2, 1));

      // The same tokens are now refused, by fan-out and by a direct send.
      const results = await carol.relayApi().fanout(old, probe);
      expect(results).toEqual([{ ok: false, code: 'TOKEN_REFUSED' }, { ok: false, code: 'TOKEN_REFUSED' }]);
      for (const r of old) {
        await expect(carol.relayApi().send(r, probe)).rejects.toMatchObject({ code: 'RELAY_ERROR', details: { relayCode: 'TOKEN_REFUSED' } });
      }
      // The remaining members still reach each other.
      const got = bob.next('message', (m) => m.group === group.id);
      await alice.sendToGroup(group.id, { type: 'text', text: 'after carol' });
      expect((await got).content.body).toMatchObject({ type: 'text', text: 'after carol' });
    } finally {
      await Promise.all([alice.close(), bob.close(), carol.client.close()]);
    }
  }, 30_000);
});
