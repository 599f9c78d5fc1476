/**
 * Scenario plumbing: a real relay process (relay/cli.ts on a free port, SQLite
 * in a temp dir) and clients on real sockets and real encrypted SQLite stores.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Client, type ClientOptions } from '../../src/client/client.js';
import type { Contact } from '../../src/wire/client/contact.js';
import type { WebSocketFactory } from '../../src/client/transport/websocket.js';
import { decodeRelayRequest, type RelayRequest } from '../../src/wire/relay-frames.js';
import { loadOrCreateKeyFile, nodeWebSocketFactory, SqliteStore } from '../../src/node/index.js';
import { startRelayProcess, type RelayProcess } from '../../demo/harness.js';

export { startRelayProcess, type RelayProcess };

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens (or reopens) the client whose durable state lives in `dir`; `listen` subscribes before the backlog arrives. */
export async function openClient(dir: string, relayUrl: string, name: string, listen?: (c: Client) => void): Promise<Client> {
  mkdirSync(dir, { recursive: true });
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const client = await Client.open({
    relay: relayUrl, store, webSocket: nodeWebSocketFactory, displayName: name, backoff: { baseMs: 20, maxMs: 300 }, requestTimeoutMs: 10_000,
  });
  listen?.(client); // before any delivery of the backlog can be processed
  await client.ready();
  return client;
}

/** Opens client `name` (as openClient) over sockets that show every relay request it writes to `onRequest`. */
export async function openRecordingClient(
  dir: string, relayUrl: string, name: string, onRequest: (r: RelayRequest) => void, options: Partial<ClientOptions> = {},
): Promise<Client> {
  mkdirSync(dir, { recursive: true });
  const webSocket: WebSocketFactory = (url) => {
    const ws = nodeWebSocketFactory(url);
    const send = ws.send.bind(ws);
    ws.send = (data: Uint8Array) => {
      onRequest(decodeRelayRequest(data));
      send(data);
    };
    return ws;
  };
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const client = await Client.open({ relay: relayUrl, store, webSocket, displayName: name, backoff: { baseMs: 20, maxMs: 300 }, ...options });
  await client.ready();
  return client;
}

/** `a` invites, `b` accepts; returns each side's contact id for the other. */
export async function befriend(a: Client, b: Client): Promise<{ bAtA: string; aAtB: string }> {
  const added = a.next('contact-added');
  const { text } = await a.createInvite();
  const aAtB: Contact = await b.acceptInvite(text);
  const { contact } = await added;
  return { bAtA: contact.id, aAtB: aAtB.id };
}

/** Makes every client a contact of every other; each person's `ids` maps the others' indexes to contact ids. */
export async function befriendAll(people: ReadonlyArray<{ readonly client: Client | undefined; readonly ids: Map<number, string> }>): Promise<void> {
  for (let i = 0; i < people.length; i++) {
    for (let j = i + 1; j < people.length; j++) {
      const { bAtA, aAtB } = await befriend(people[i]!.client!, people[j]!.client!);
      people[i]!.ids.set(j, bAtA);
      people[j]!.ids.set(i, aAtB);
    }
  }
}

export function text(m: { content: { body: { type: string } } }): string {
  const b = m.content.body as { type: string; text?: string };
  return b.text ?? `[${b.type}]`;
}

/** A client in a random-operations run, with what it has received so far. */
export interface MarkedPeer {
  readonly client: Client | undefined;
  /** Contact id at this peer for each other peer (by index). */
  readonly ids: ReadonlyMap<number, string>;
  readonly received: string[];
}

/**
 * Sends a marker from everyone to everyone and waits for all of them. A
 * mailbox is delivered in order, so once every marker is in, everything sent
 * before it (1:1 or group, which went to the same mailboxes first) has been
 * processed. Every peer must be online.
 */
export async function exchangeMarkers(peers: readonly MarkedPeer[]): Promise<void> {
  const arrived = peers.map((p, i) => new Promise<void>((resolve) => {
    const want = peers.map((_, j) => `marker ${j}→${i}`).filter((_, j) => j !== i);
    const check = (): void => { if (want.every((w) => p.received.includes(w))) resolve(); };
    p.client!.on('message', check);
    check();
  }));
  for (const [i, p] of peers.entries()) {
    for (const [j, id] of p.ids) await p.client!.send(id, { type: 'text', text: `marker ${i}→${j}` });
  }
  await Promise.all(arrived);
}

/** What a peer received, markers left out. */
export function receivedWithoutMarkers(p: MarkedPeer): string[] {
  return p.received.filter((t) => !t.startsWith('marker'));
}

/** A relay process shared by one test file, and the clients the file opens on it. */
export interface FileRelay {
  readonly tmp: { readonly dir: string; readonly remove: () => void };
  /** Clients to close after the file's tests. */
  readonly open: Client[];
  /** The relay (set in beforeAll). */
  readonly relay: RelayProcess;
}

/**
 * Starts a relay process (with `flags`) before the file's tests and, after them, closes every client
 * pushed to `open`, stops the relay and removes the temp dir.
 */
export function relayPerFile(prefix: string, flags: readonly string[] = []): FileRelay {
  const state = { tmp: tempDir(prefix), open: [] as Client[], relay: undefined as unknown as RelayProcess };
  beforeAll(async () => {
    state.relay = await startRelayProcess(join(state.tmp.dir, 'relay'), undefined, flags);
  }, 30_000);
  afterAll(async () => {
    for (const c of state.open) await c.close().catch(() => undefined);
    await state.relay?.stop();
    state.tmp.remove();
  });
  return state;
}

/**
 * Opens client `name` (its store in the file's temp dir, under `dir` when one name is opened more than once) on
 * the file's relay; it is closed after the file.
 */
export async function openInFile(file: FileRelay, dir: string, name = dir): Promise<Client> {
  const c = await openClient(join(file.tmp.dir, dir), file.relay.url, name);
  file.open.push(c);
  return c;
}
