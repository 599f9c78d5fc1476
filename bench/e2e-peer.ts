/**
 * A client process of the end-to-end bench (bench/e2e.ts): it opens Parley
 * clients through the public entry points only, on one crypto provider, and
 * runs the parent's commands (bench/e2e-protocol.ts) over IPC. Every client
 * of the process records the stamped messages it receives in one arrival log
 * (bench/e2e-inbox.ts); sends are in bench/e2e-sender.ts.
 *
 * argv: <noble|node> <relay url> <data dir>. The process exits when the
 * parent disconnects (or dies), closing its clients first, within a bound.
 */
import { inspect } from 'node:util';
import { Client, nobleProvider, useCryptoProvider, type ClientEvents } from '../src/index.js';
import { nodeCryptoProvider, nodeWebSocketFactory } from '../src/node/index.js';
import { Inbox } from './e2e-inbox.js';
import { stampText, wallClock, type CatchUp, type Command, type Reply, type Request, type SendOutcome, type Stats, type StoreKind } from './e2e-protocol.js';
import { openLoop, outcomesBy, sendMany, sendStamped, settle } from './e2e-sender.js';
import { BenchStores } from './e2e-store.js';

/** A single send (unpipelined, group, first contact) still unsettled after this is reported 'unsettled'. */
const SEND_TIMEOUT_MS = 10_000;
/** A window of send-many still unsettled after this is given up. */
const WINDOW_TIMEOUT_MS = 30_000;
const GROUP_POLL_MS = 20;
const EXIT_BOUND_MS = 3_000;
/** Client events that mean something went wrong, counted for the parent. */
const TROUBLE: readonly (keyof ClientEvents)[] = ['error', 'tampered', 'message-lost', 'group-message-refused'];

const [providerName, relayUrl, dataDir] = process.argv.slice(2);
if (relayUrl === undefined || dataDir === undefined) throw new Error('usage: e2e-peer.ts <noble|node> <relay url> <data dir>');
useCryptoProvider(providerName === 'node' ? nodeCryptoProvider : nobleProvider);

interface Hosted {
  readonly client: Client;
  /** By invitation text: the contact id of whoever accepts it. */
  readonly invitees: Map<string, Promise<string>>;
}

const inbox = new Inbox();
const stores = new BenchStores(dataDir);
const clients = new Map<string, Hosted>();
const troubleCounts = new Map<string, number>();

/** Counts a trouble event; PARLEY_E2E_DEBUG=1 also prints it. */
function trouble(client: string, kind: string, detail: unknown): void {
  troubleCounts.set(kind, (troubleCounts.get(kind) ?? 0) + 1);
  if (process.env['PARLEY_E2E_DEBUG'] === '1') process.stderr.write(`${client} ${kind}: ${inspect(detail)}\n`);
}

async function openClient(name: string, kind: StoreKind): Promise<Client> {
  if (clients.has(name)) throw new Error(`client ${name} is already open`);
  const client = await Client.open({ relay: relayUrl as string, store: stores.open(name, kind), webSocket: nodeWebSocketFactory, displayName: name });
  client.on('message', (e) => { if (e.content.body.type === 'text') inbox.record(e.content.body.text); });
  for (const kind of TROUBLE) client.on(kind, (e) => trouble(name, kind, e));
  clients.set(name, { client, invitees: new Map() });
  return client;
}

function hosted(name: string): Hosted {
  const h = clients.get(name);
  if (h === undefined) throw new Error(`no open client ${name}`);
  return h;
}

async function closeClient(name: string): Promise<void> {
  const h = clients.get(name);
  clients.delete(name);
  await h?.client.close();
}

/** A send's outcome, 'unsettled' after SEND_TIMEOUT_MS. */
const within = (outcome: Promise<SendOutcome>): Promise<SendOutcome> =>
  outcomesBy([outcome], wallClock() + SEND_TIMEOUT_MS).then((o) => o[0] as SendOutcome);

/** An invitation; the contact it makes is the one whose `ourToken` is the invitation's token. */
async function invite(h: Hosted): Promise<string> {
  const { text, token } = await h.client.createInvite();
  const mine = Buffer.from(token);
  h.invitees.set(text, h.client.next('contact-added', (e) => e.contact.ourToken !== undefined && mine.equals(e.contact.ourToken)).then((e) => e.contact.id));
  return text;
}

async function invited(h: Hosted, text: string): Promise<string> {
  const contact = h.invitees.get(text);
  if (contact === undefined) throw new Error('no such invitation');
  h.invitees.delete(text);
  return contact;
}

async function catchUp(c: Extract<Command, { op: 'catch-up' }>): Promise<CatchUp> {
  const start = wallClock();
  await openClient(c.name, c.store);
  await inbox.until(() => inbox.complete(c.tag, 1) >= c.count, start + c.timeoutMs);
  return { elapsedMs: wallClock() - start, received: inbox.complete(c.tag, 1) };
}

async function firstContact(c: Extract<Command, { op: 'first-contact' }>): Promise<SendOutcome> {
  const client = hosted(c.name).client;
  const start = wallClock();
  const contact = await client.acceptInvite(c.text);
  return within(settle(client.send(contact.id, { type: 'text', text: stampText(c.tag, 0, start) })));
}

async function groupReady(c: Extract<Command, { op: 'group-ready' }>): Promise<boolean> {
  const ready = (): boolean => c.names.every((n) => hosted(n).client.groups().some((g) => g.id === c.group && g.ready));
  const deadline = performance.now() + c.timeoutMs;
  while (!ready() && performance.now() < deadline) await new Promise((r) => setTimeout(r, GROUP_POLL_MS));
  return ready();
}

async function handle(c: Command): Promise<unknown> {
  switch (c.op) {
    case 'open': {
      await (await openClient(c.name, c.store)).ready();
      return undefined;
    }
    case 'close': return closeClient(c.name);
    case 'close-all': {
      for (const name of [...clients.keys()]) await closeClient(name);
      stores.removeAll();
      return undefined;
    }
    case 'invite': return invite(hosted(c.name));
    case 'invited': return invited(hosted(c.name), c.text);
    case 'accept': return (await hosted(c.name).client.acceptInvite(c.text)).id;
    case 'first-contact': return firstContact(c);
    case 'send': return within(sendStamped(hosted(c.name).client, c.to, c.tag, c.seq));
    case 'send-group': return within(settle(hosted(c.name).client.sendToGroup(c.group, { type: 'text', text: stampText(c.tag, c.seq) })));
    case 'open-loop': return openLoop(hosted(c.name).client, c.to, c.tag, c.rate, c.durationMs, c.drainMs);
    case 'send-many': return sendMany(hosted(c.name).client, c.to, c.tag, c.count, c.window, WINDOW_TIMEOUT_MS);
    case 'expect': return inbox.expect(c.tag, c.seq, c.members, c.timeoutMs);
    case 'collect': return inbox.collect(c.tag, c.count, c.members, c.until);
    case 'catch-up': return catchUp(c);
    case 'create-group': return (await hosted(c.name).client.createGroup('bench', c.members)).id;
    case 'group-ready': return groupReady(c);
    case 'stats': {
      const { user, system } = process.cpuUsage();
      const stats: Stats = { cpuMicros: user + system, trouble: Object.fromEntries(troubleCounts) };
      return stats;
    }
  }
}

function reply(r: Reply): void {
  if (process.connected) process.send?.(r);
}

process.on('message', ({ call, command }: Request) => {
  handle(command).then(
    (result) => reply({ call, ok: true, result: result ?? null }),
    (e: unknown) => reply({ call, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('unhandledRejection', (reason) => trouble('process', 'unhandled-rejection', reason));
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), EXIT_BOUND_MS).unref();
  void Promise.allSettled([...clients.keys()].map(closeClient)).then(() => process.exit(0));
});
reply({ ready: true });
