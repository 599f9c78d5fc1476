/**
 * Scenario plumbing: a real relay process (relay/cli.ts on a free port, SQLite
 * in a temp dir) and clients on real sockets and real encrypted SQLite stores.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../src/client/client.js';
import type { Contact } from '../../src/client/contact.js';
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

/** `a` invites, `b` accepts; returns each side's contact id for the other. */
export async function befriend(a: Client, b: Client): Promise<{ bAtA: string; aAtB: string }> {
  const added = a.next('contact-added');
  const { text } = await a.createInvite();
  const aAtB: Contact = await b.acceptInvite(text);
  const { contact } = await added;
  return { bAtA: contact.id, aAtB: aAtB.id };
}

export function text(m: { content: { body: { type: string } } }): string {
  const b = m.content.body as { type: string; text?: string };
  return b.text ?? `[${b.type}]`;
}
