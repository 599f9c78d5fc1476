/**
 * One demo participant in its own process (demo/run.ts forks it): a Parley
 * client on an encrypted SQLite store, driven by the parent over IPC.
 * Requests: { seq, op, ...args } → replies { seq, ok, result | error };
 * events are forwarded as { event, ... }.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../src/client/client.js';
import { loadOrCreateKeyFile, nodeWebSocketFactory, SqliteStore } from '../src/node/index.js';

interface Request { readonly seq: number; readonly op: string; readonly [k: string]: unknown }

const [name = 'anon', relay = '', dir = ''] = process.argv.slice(2);
let client: Client | undefined;

function post(message: unknown): void {
  process.send?.(message);
}

async function open(): Promise<Client> {
  mkdirSync(dir, { recursive: true });
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const c = await Client.open({ relay, store, webSocket: nodeWebSocketFactory, displayName: name });
  const nameOf = (id: string): string => c.contacts().find((x) => x.id === id)?.name ?? id.slice(0, 8);
  c.on('message', (m) => post({ event: 'message', from: m.from.name ?? m.from.id, group: m.group === undefined ? undefined : c.groups().find((g) => g.id === m.group)?.name, text: m.content.body.type === 'text' ? m.content.body.text : `[${m.content.body.type}]` }));
  c.on('contact-added', (e) => post({ event: 'contact-added', name: nameOf(e.contact.id) }));
  c.on('group-change', (e) => post({ event: 'group-change', change: e.change, group: e.group }));
  await c.ready();
  return c;
}

function contactId(c: Client, who: unknown): string {
  const found = c.contacts().find((x) => x.name === who);
  if (found === undefined) throw new Error(`${name} has no contact ${String(who)}`);
  return found.id;
}

async function run(r: Request): Promise<unknown> {
  if (r.op === 'open') {
    client = await open();
    return { identityKey: Buffer.from(client.identityKey).toString('hex') };
  }
  const c = client;
  if (c === undefined) throw new Error('not open');
  switch (r.op) {
    case 'invite': return (await c.createInvite()).text;
    case 'accept': return (await c.acceptInvite(String(r['text']))).name;
    case 'send': await c.send(contactId(c, r['to']), { type: 'text', text: String(r['text']) }); return null;
    case 'safety': return c.safetyNumber(contactId(c, r['with']));
    case 'createGroup': {
      const members = (r['members'] as string[]).map((m) => contactId(c, m));
      return (await c.createGroup(String(r['name']), members)).id;
    }
    case 'sendGroup': {
      const g = c.groups().find((x) => x.name === r['group']);
      if (g === undefined) throw new Error('no such group');
      await c.sendToGroup(g.id, { type: 'text', text: String(r['text']) });
      return null;
    }
    case 'groups': return c.groups().map((g) => ({ name: g.name, members: g.members.length, ready: g.ready }));
    case 'groupReady': {
      // The admin collects every member's group token and sends the roster: wait for it.
      while (!c.groups().some((g) => g.name === r['group'] && g.ready)) await new Promise((res) => setTimeout(res, 20));
      return null;
    }
    case 'close': await c.close(); client = undefined; return null;
    default: throw new Error(`unknown op ${r.op}`);
  }
}

process.on('message', (r: Request) => {
  run(r).then(
    (result) => post({ seq: r.seq, ok: true, result }),
    (e: unknown) => post({ seq: r.seq, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
post({ event: 'started' });
