/**
 * The relay's load generator, shared by the single-node load (relay-load.ts)
 * and the cluster load (relay-cluster.ts): a lean client on the wire API
 * (auth, token, pipelined sends, batched acks) and the two workloads —
 * pipelined throughput over sender→receiver pairs and unpipelined round trips
 * — each taking the ports its clients connect to, so that a pair may span
 * two relay nodes.
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { generateEd25519KeyPair, sign, systemRandom, type Bytes } from '../src/crypto/index.js';
import {
  decodeRelayServerFrame, encodeRelayRequest, type RelayRecipientRef, type RelayRequest, type RelayServerFrame,
} from '../src/wire/index.js';
import { authPayload } from '../relay/auth.js';
import { percentile } from './forwarder-load.js';

/** Lifts every rate limit and admission cap: all load comes from one loopback address (spec/relay.md §7.3). */
export const UNTHROTTLED = {
  connectionRate: 1e9, connectionBurst: 1e9, addressRate: 1e9, addressBurst: 1e9, mailboxRate: 1e9, mailboxBurst: 1e9,
  mailboxMaxEnvelopes: 1e9, mailboxMaxBytes: 2 ** 50, maxConnectionsPerAddress: 1e9, unauthenticatedIdleMs: 1e9,
};

type Body = RelayRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

export class LoadClient {
  private nextId = 1;
  private readonly pending = new Map<number, (f: RelayServerFrame) => void>();
  onDeliver: (eid: number, data: Bytes) => void = () => undefined;
  mailbox: Bytes = new Uint8Array();

  private constructor(readonly ws: WebSocket, readonly challenge: Extract<RelayServerFrame, { type: 'challenge' }>) {
    ws.on('message', (data: Buffer) => {
      const f = decodeRelayServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.length));
      if (f.type === 'deliver') this.onDeliver(f.eid, f.data);
      else if (f.type === 'ok' || f.type === 'error') {
        const w = this.pending.get(f.id);
        this.pending.delete(f.id);
        w?.(f);
      }
    });
  }

  static async connect(port: number): Promise<LoadClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const [data] = (await once(ws, 'message')) as [Buffer];
    const f = decodeRelayServerFrame(new Uint8Array(data));
    if (f.type !== 'challenge') throw new Error('expected a challenge');
    return new LoadClient(ws, f);
  }

  /** Sends without waiting; `done` runs on the answer. */
  fire(body: Body, done?: (f: RelayServerFrame) => void): void {
    const id = this.nextId++;
    if (done !== undefined) this.pending.set(id, done);
    this.ws.send(encodeRelayRequest({ ...body, id } as RelayRequest));
  }

  request(body: Body): Promise<RelayServerFrame> {
    return new Promise((resolve, reject) => this.fire(body, (f) => (f.type === 'ok' ? resolve(f) : reject(new Error(f.type === 'error' ? f.code : f.type)))));
  }

  /** Authenticates and registers a token; acks every delivery in batches. */
  async login(): Promise<RelayRecipientRef> {
    const id = generateEd25519KeyPair(systemRandom);
    const ok = await this.request({ type: 'auth', identityKey: id.publicKey, signature: sign(id.privateKey, authPayload(this.challenge.relayId, this.challenge.nonce, id.publicKey)) });
    if (ok.type === 'ok' && ok.result.re === 'auth') this.mailbox = ok.result.mailbox;
    const token = systemRandom(32);
    await this.request({ type: 'token_add', token });
    return { mailbox: this.mailbox, token };
  }

  private acks: number[] = [];
  ack(eid: number): void {
    this.acks.push(eid);
    if (this.acks.length === 1) setImmediate(() => { const ids = this.acks.splice(0, 1000); this.fire({ type: 'ack', ids }); });
  }
}

/** Where the clients of a workload connect: pair i's sender to senderPort(i), its receiver to receiverPort(i). */
export interface Placement {
  readonly senderPort: (pair: number) => number;
  readonly receiverPort: (pair: number) => number;
}

/** Every client on one port. */
export function onePort(port: number): Placement {
  return { senderPort: () => port, receiverPort: () => port };
}

/** Messages per second for `messages` messages of `size` bytes over `pairs` pairs (send → stored → pushed → acked). */
export async function pipelined(at: Placement, pairs: number, messages: number, size: number): Promise<number> {
  const perPair = Math.floor(messages / pairs);
  const senders: LoadClient[] = [];
  const receivers: LoadClient[] = [];
  const refs: RelayRecipientRef[] = [];
  for (let i = 0; i < pairs; i++) {
    senders.push(await LoadClient.connect(at.senderPort(i)));
    const r = await LoadClient.connect(at.receiverPort(i));
    refs.push(await r.login());
    receivers.push(r);
  }
  const done = receivers.map((r) => new Promise<void>((resolve) => {
    let received = 0;
    r.onDeliver = (eid) => {
      r.ack(eid);
      if (++received === perPair) resolve();
    };
  }));
  const data = systemRandom(size);
  const start = process.hrtime.bigint();
  senders.forEach((s, i) => {
    for (let j = 0; j < perPair; j++) s.fire({ type: 'send', ...refs[i]!, data });
  });
  await Promise.all(done);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const c of [...senders, ...receivers]) c.ws.terminate();
  return (perPair * pairs) / seconds;
}

/** Unpipelined round trips in ms, A (on portA) → B (on portB), B answers → A. */
export async function roundTrips(portA: number, portB: number, count: number): Promise<{ p50: number; p99: number }> {
  const a = await LoadClient.connect(portA);
  const b = await LoadClient.connect(portB);
  const toA = await a.login();
  const toB = await b.login();
  const payload = systemRandom(100);
  b.onDeliver = (eid) => { b.ack(eid); b.fire({ type: 'send', ...toA, data: payload }); };
  let arrived: () => void = () => undefined;
  a.onDeliver = (eid) => { a.ack(eid); arrived(); };
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const back = new Promise<void>((resolve) => { arrived = resolve; });
    const start = process.hrtime.bigint();
    a.fire({ type: 'send', ...toB, data: payload });
    await back;
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  a.ws.terminate();
  b.ws.terminate();
  samples.sort((x, y) => x - y);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}
