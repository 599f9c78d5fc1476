/**
 * The measured devices of the linked-devices bench (bench/linked-devices.ts), in a process of their own so that
 * their CPU (process.cpuUsage) is theirs alone: the sending primary of the 1:1 and group workloads and the
 * primary that links a device. Real Clients on the node provider and a MemoryStore, through the public API; the
 * parent's commands arrive over IPC. Every client's socket counts the bytes it uploads, and the bytes of the
 * link messages it sends towards a new device (`link_send` to side n).
 *
 * argv: <relay url>. Exits when the parent disconnects, closing its clients first, within a bound.
 */
import { Client, MemoryStore, useCryptoProvider } from '../src/index.js';
import { nodeCryptoProvider, nodeWebSocketFactory } from '../src/node/index.js';
import type { WebSocketFactory } from '../src/client/transport/websocket.js';
import { decodeRelayRequest } from '../src/wire/relay-frames.js';

const EXIT_BOUND_MS = 3_000;
const POLL_MS = 10;

const [relayUrl] = process.argv.slice(2);
if (relayUrl === undefined) throw new Error('usage: linked-devices-child.ts <relay url>');
useCryptoProvider(nodeCryptoProvider);

export type ChildCommand =
  | { op: 'open'; name: string }
  | { op: 'invite'; name: string }
  | { op: 'invited'; name: string; text: string }
  | { op: 'link'; name: string; offer: string }
  | { op: 'send'; name: string; to: string; text: string }
  | { op: 'create-group'; name: string; members: string[] }
  | { op: 'group-ready'; name: string; group: string; timeoutMs: number }
  | { op: 'send-group'; name: string; group: string; text: string }
  | { op: 'stats' };

export interface ChildStats {
  /** The process's user + system CPU so far, µs. */
  readonly cpuMicros: number;
  /** Bytes every socket of the process wrote so far. */
  readonly uploaded: number;
  /** The size of every `link_send` data towards a new device so far, in order (a link's hello, then its payload chunks). */
  readonly linkSizes: readonly number[];
  /** Client error events so far (a figure with errors is not a clean one). */
  readonly errors: number;
}

let uploaded = 0;
const linkSizes: number[] = [];
let errors = 0;

/** The node socket, counting what it writes. */
const countingSocket: WebSocketFactory = (url) => {
  const ws = nodeWebSocketFactory(url);
  const send = ws.send.bind(ws);
  ws.send = (data: Uint8Array) => {
    uploaded += data.byteLength;
    const r = decodeRelayRequest(data);
    if (r.type === 'link_send' && r.to === 'n') linkSizes.push(r.data.byteLength);
    send(data);
  };
  return ws;
};

const clients = new Map<string, Client>();
const invitees = new Map<string, Promise<string>>();

function client(name: string): Client {
  const c = clients.get(name);
  if (c === undefined) throw new Error(`no open client ${name}`);
  return c;
}

async function open(name: string): Promise<string> {
  const c = await Client.open({ relay: relayUrl as string, store: new MemoryStore(), webSocket: countingSocket, displayName: name, backoff: { baseMs: 20, maxMs: 300 } });
  c.on('error', () => void errors++);
  clients.set(name, c);
  await c.ready();
  return Buffer.from(c.identityKey).toString('hex');
}

/** An invitation; `invited` later resolves with the contact id of whoever accepted it. */
async function invite(name: string): Promise<string> {
  const c = client(name);
  const { text, token } = await c.createInvite();
  const mine = Buffer.from(token);
  invitees.set(text, c.next('contact-added', (e) => e.contact.ourToken !== undefined && mine.equals(e.contact.ourToken)).then((e) => e.contact.id));
  return text;
}

/** The primary's side of a link: hello, then the user's confirmation at once (the parent confirms on the new device). */
async function link(name: string, offer: string): Promise<{ id: number }> {
  const linking = await client(name).linkDevice(offer);
  return { id: (await linking.confirm()).id };
}

async function groupReady(name: string, group: string, timeoutMs: number): Promise<boolean> {
  const ready = (): boolean => client(name).groups().some((g) => g.id === group && g.ready);
  const deadline = performance.now() + timeoutMs;
  while (!ready() && performance.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
  return ready();
}

async function handle(c: ChildCommand): Promise<unknown> {
  switch (c.op) {
    case 'open': return open(c.name);
    case 'invite': return invite(c.name);
    case 'invited': return invitees.get(c.text) ?? Promise.reject(new Error('no such invitation'));
    case 'link': return link(c.name, c.offer);
    case 'send': return void await client(c.name).send(c.to, { type: 'text', text: c.text });
    case 'create-group': return (await client(c.name).createGroup('bench', c.members)).id;
    case 'group-ready': return groupReady(c.name, c.group, c.timeoutMs);
    case 'send-group': return void await client(c.name).sendToGroup(c.group, { type: 'text', text: c.text });
    case 'stats': {
      const { user, system } = process.cpuUsage();
      const stats: ChildStats = { cpuMicros: user + system, uploaded, linkSizes, errors };
      return stats;
    }
  }
}

process.on('message', ({ call, command }: { call: number; command: ChildCommand }) => {
  handle(command).then(
    (result) => process.send?.({ call, ok: true, result: result ?? null }),
    (e: unknown) => process.send?.({ call, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), EXIT_BOUND_MS).unref();
  void Promise.allSettled([...clients.values()].map((c) => c.close())).then(() => process.exit(0));
});
process.send?.({ ready: true });
