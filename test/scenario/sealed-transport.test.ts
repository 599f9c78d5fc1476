/**
 * Sealed sending as the relay sees it (spec/client.md §6.4, threat-model.md
 * sender anonymity): the real Client against a real relay process, through a
 * proxy that decodes every frame each client connection sends and notes
 * whether that connection authenticated. Requests that name a recipient
 * (send, fanout, ephemeral, bundle) must arrive only on connections that
 * never sent `auth`: invitations, 1:1 messages both ways, typing, a group
 * post and a heal after lost sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { decodeRelayRequest } from '../../src/wire/relay-frames.js';
import type { Client } from '../../src/client/client.js';
import { freePort } from '../../demo/harness.js';
import { join } from 'node:path';
import { loadOrCreateKeyFile, SqliteStore } from '../../src/node/index.js';
import { befriend, openClient, startRelayProcess, tempDir, text, type RelayProcess } from './helpers.js';
import { until } from '../until.js';

interface Recorded { authenticated: boolean; readonly types: string[] }

/** A WebSocket proxy in front of `target` that records each client connection's request types. */
async function recordingProxy(target: string): Promise<{ url: string; connections: Recorded[]; close: () => Promise<void> }> {
  const port = await freePort();
  const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
  const connections: Recorded[] = [];
  server.on('connection', (client) => {
    const rec: Recorded = { authenticated: false, types: [] };
    connections.push(rec);
    const upstream = new WebSocket(target, { perMessageDeflate: false });
    const queued: RawData[] = [];
    upstream.on('open', () => { for (const d of queued.splice(0)) upstream.send(d); });
    upstream.on('message', (d) => client.send(d));
    upstream.on('close', (code) => client.close(code === 1005 || code === 1006 ? 1000 : code));
    upstream.on('error', () => client.terminate());
    client.on('message', (d) => {
      const r = decodeRelayRequest(new Uint8Array(d as Buffer));
      if (r.type === 'auth') rec.authenticated = true;
      rec.types.push(r.type);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(d);
      else queued.push(d);
    });
    client.on('close', () => upstream.close());
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    close: () => new Promise<void>((resolve) => {
      for (const c of server.clients) c.terminate();
      server.close(() => resolve());
    }),
  };
}

const SEALED = new Set(['send', 'fanout', 'ephemeral', 'bundle']);

describe('sealed transport', () => {
  const tmp = tempDir('parley-sealed-');
  let relay: RelayProcess;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  const clients: Client[] = [];

  beforeAll(async () => {
    relay = await startRelayProcess(`${tmp.dir}/relay`);
    proxy = await recordingProxy(relay.url);
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await proxy.close();
    await relay.stop();
    tmp.remove();
  });

  it('sends no send, fanout, ephemeral or bundle frame on a connection that authenticated', async () => {
    const open = async (name: string): Promise<Client> => {
      const c = await openClient(`${tmp.dir}/${name}`, proxy.url, name);
      clients.push(c);
      return c;
    };
    const [alice, bob, carol] = [await open('alice'), await open('bob'), await open('carol')];
    const { bAtA, aAtB } = await befriend(alice, bob); // bundle fetch, session start, hello
    const { bAtA: cAtA } = await befriend(alice, carol);

    const atBob = bob.next('message');
    await alice.send(bAtA, { type: 'text', text: 'to bob' });
    expect(text(await atBob)).toBe('to bob');
    const atAlice = alice.next('message');
    await bob.send(aAtB, { type: 'text', text: 'to alice' });
    expect(text(await atAlice)).toBe('to alice');

    const typing = bob.next('typing');
    await alice.sendTyping(bAtA, true);
    expect((await typing).active).toBe(true);

    const g = await alice.createGroup('sealed', [bAtA, cAtA]);
    for (const c of [alice, bob, carol]) await until(() => c.groups().some((x) => x.id === g.id && x.ready));
    const inGroup = carol.next('message', (m) => m.group === g.id);
    await alice.sendToGroup(g.id, { type: 'text', text: 'to the group' });
    expect(text(await inGroup)).toBe('to the group');

    // A heal: Bob loses his sessions; Alice's next message cannot be read, Bob re-establishes the session (bundle, new session start).
    await bob.close();
    clients.splice(clients.indexOf(bob), 1);
    const bobDir = `${tmp.dir}/bob`;
    const store = SqliteStore.open({ path: join(bobDir, 'store.db'), key: loadOrCreateKeyFile(join(bobDir, 'store.key')) });
    await store.write((await store.list('sessions')).map((e) => ({ op: 'delete' as const, namespace: 'sessions' as const, key: e.key })));
    await store.close();
    const bundlesBefore = proxy.connections.flatMap((c) => c.types).filter((t) => t === 'bundle').length;
    const bob2 = await open('bob');
    const lost = bob2.next('message-lost');
    await alice.send(bAtA, { type: 'text', text: 'lost' });
    await lost;
    await until(() => proxy.connections.flatMap((c) => c.types).filter((t) => t === 'bundle').length > bundlesBefore);
    const back = alice.next('message', (m) => text(m) === 'healed');
    await bob2.send(aAtB, { type: 'text', text: 'healed' }); // on the new session, after the heal payload
    await back;
    const healed = bob2.next('message', (m) => text(m) === 'after the heal');
    await alice.send(bAtA, { type: 'text', text: 'after the heal' });
    await healed;

    const authenticated = proxy.connections.filter((c) => c.authenticated);
    const sealed = proxy.connections.filter((c) => !c.authenticated);
    expect(authenticated.length).toBeGreaterThanOrEqual(3);
    expect(authenticated.flatMap((c) => c.types).filter((t) => SEALED.has(t))).toEqual([]);
    const sealedTypes = new Set(sealed.flatMap((c) => c.types));
    for (const t of SEALED) expect(sealedTypes).toContain(t);
    expect(authenticated.flatMap((c) => c.types)).toContain('ack'); // deliveries still come on the authenticated one
  }, 60_000);
});
