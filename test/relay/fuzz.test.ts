/**
 * Malformed-frame fuzzing against a live relay (fast-check): every frame gets
 * exactly one answer (or the connection closes), the relay never crashes, and
 * other clients keep being served.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { systemRandom, type Bytes } from '../../src/crypto/index.js';
import { encode } from '@msgpack/msgpack';
import { decodeRelayServerFrame, encodeRelayRequest } from '../../src/wire/index.js';
import { fcParams } from '../property/fc.js';
import { SAMPLE_REQUESTS } from './samples.js';
import { bytesOf, connect, login, relay } from './harness.js';

class RawClient {
  answers = 0;
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const f = decodeRelayServerFrame(new Uint8Array(data)); // the relay only ever emits valid frames
      if (f.type === 'ok' || f.type === 'error') this.answers++;
      this.wake();
    });
    ws.on('close', () => { this.closed = true; this.wake(); });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async waitAnswers(n: number): Promise<void> {
    while (this.answers < n && !this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

const probe = (id: number): Bytes => encodeRelayRequest({ type: 'counts', id });

describe('relay under malformed input', () => {
  it('answers every fuzzed frame exactly once, never crashes, and keeps serving others', async () => {
    const r = await relay({ sqlite: true, limits: { maxStrikes: 1e9, maxRateLimited: 1e9, connectionRate: 1e6, connectionBurst: 1e6 } });
    const bob = await login(r.url);
    const ref = await bob.invite();
    const ws = new WebSocket(r.url, { perMessageDeflate: false });
    const raw = new RawClient(ws);
    await new Promise((resolve) => ws.once('message', resolve));
    const valid = [...SAMPLE_REQUESTS.map(encodeRelayRequest), encodeRelayRequest({ type: 'send', id: 99, ...ref, data: bytesOf('fuzz') })];
    const mutated = fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([b, at, byte]) => { const out = b.slice(); out[at % out.length] = byte; return out; });
    const structured = fc.dictionary(fc.constantFrom('v', 't', 'id', 'mailbox', 'token', 'data', 'ids', 'to', 'ttl', 'x'),
      fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.uint8Array({ maxLength: 40 }), fc.constant(null), fc.double(),
        fc.array(fc.integer(), { maxLength: 3 })))
      // A general encoder (a devDependency): hostile frames include floats, which Parley's own writer refuses to write.
      .map((m) => encode(m));
    const frames = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 200 }), mutated, structured);
    let expected = 0;
    await fc.assert(fc.asyncProperty(frames, async (bytes) => {
      ws.send(bytes);
      ws.send(probe(0xfffffff0));
      expected += 2;
      await raw.waitAnswers(expected);
      expect(raw.closed).toBe(false);
      expect(raw.answers).toBe(expected);
    }), fcParams(150));
    // A last probe: no extra answers were pending.
    ws.send(probe(0xfffffff1));
    await raw.waitAnswers(expected + 1);
    expect(raw.answers).toBe(expected + 1);
    ws.terminate();
    // Others are still served.
    const alice = await connect(r.url);
    const marker = systemRandom(8);
    await alice.request({ type: 'send', ...ref, data: marker });
    const got = await bob.waitFor('deliver');
    expect(got.some((d) => d.data.length === 8 && d.data.every((b, i) => b === marker[i]))).toBe(true);
  });
});
