/** Bounds (relay.md §7): frame size, connection cap, rate limits, strikes, heartbeat, backpressure. */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { systemRandom } from '../../src/crypto/index.js';
import { encodeMsgpack } from '../../src/wire/index.js';
import {
  CLOSE_PROTOCOL_VIOLATIONS, CLOSE_RATE_LIMIT_ABUSE, CLOSE_TOO_BIG,
} from '../../relay/close-codes.js';
import { TestClient, type RelayRefusal } from './client.js';
import { bytesOf, connect, login, relay, until } from './harness.js';

const refusalCode = (e: unknown): string => (e as RelayRefusal).code;

describe('relay limits', () => {
  it('closes with 1009 on a frame above maxFrameSize', async () => {
    const r = await relay({ limits: { maxFrameSize: 1024 } });
    const c = await connect(r.url);
    c.ws.send(new Uint8Array(2000));
    await expect(c.closed).resolves.toMatchObject({ code: CLOSE_TOO_BIG });
  });

  it('closes a connection beyond maxConnections with 1013 and keeps serving the others', async () => {
    const r = await relay({ limits: { maxConnections: 2 } });
    const a = await login(r.url);
    await connect(r.url);
    await expect(TestClient.connect(r.url)).rejects.toThrow(/closed 1013/);
    await expect(a.request({ type: 'counts' })).resolves.toMatchObject({ re: 'counts' });
  });

  it('a flood hits the per-connection rate limit (RATE_LIMITED with retryAfter) while other clients keep being served', async () => {
    const r = await relay({ limits: { connectionRate: 20, connectionBurst: 20 } });
    const flooder = await login(r.url);
    const bob = await login(r.url);
    const ref = await bob.invite();
    const alice = await connect(r.url);
    const flood = await Promise.allSettled(Array.from({ length: 150 }, () => flooder.request({ type: 'counts' })));
    const refused = flood.filter((s) => s.status === 'rejected');
    expect(refused.length).toBeGreaterThan(100);
    expect(refused.every((s) => refusalCode((s as PromiseRejectedResult).reason) === 'RATE_LIMITED')).toBe(true);
    expect(((refused[0] as PromiseRejectedResult).reason as RelayRefusal).retryAfter).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) await alice.request({ type: 'send', ...ref, data: bytesOf(`m${i}`) });
    expect(await bob.waitFor('deliver', 10)).toHaveLength(10);
  });

  it('closes a connection that keeps flooding past maxRateLimited with 4008', async () => {
    const r = await relay({ limits: { connectionRate: 1, connectionBurst: 1, maxRateLimited: 20 } });
    const c = await connect(r.url);
    for (let i = 0; i < 30; i++) void c.raw({ type: 'counts' });
    await expect(c.closed).resolves.toMatchObject({ code: CLOSE_RATE_LIMIT_ABUSE });
  });

  it('rate-limits sends to one mailbox per mailbox, not per sender', async () => {
    const r = await relay({ limits: { mailboxRate: 1, mailboxBurst: 5 } });
    const bob = await login(r.url);
    const carol = await login(r.url);
    const toBob = await bob.invite();
    const toCarol = await carol.invite();
    const senders = await Promise.all(Array.from({ length: 10 }, () => connect(r.url)));
    const results = await Promise.allSettled(senders.map((s) => s.request({ type: 'send', ...toBob, data: bytesOf('x') })));
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((x) => x.status === 'rejected').map((x) => refusalCode((x as PromiseRejectedResult).reason))).toEqual(Array(5).fill('RATE_LIMITED'));
    await expect(senders[0]!.request({ type: 'send', ...toCarol, data: bytesOf('x') })).resolves.toEqual({ re: 'send' });
  });

  it('answers malformed frames with BAD_FRAME (under their id when readable) and closes with 4000 after maxStrikes', async () => {
    const r = await relay({ limits: { maxStrikes: 4 } });
    const c = await connect(r.url);
    await expect(c.rawBytes(encodeMsgpack({ v: 1, t: 'send', id: 7, mailbox: 1 }), 7)).resolves.toMatchObject({ type: 'error', id: 7, code: 'BAD_FRAME' });
    await expect(c.rawBytes(encodeMsgpack({ v: 9, t: 'counts', id: 8 }), 8)).resolves.toMatchObject({ code: 'UNSUPPORTED_VERSION' });
    c.ws.send(new Uint8Array([0xc1, 0xff]));
    c.ws.send('text frames are not relay frames');
    await expect(c.closed).resolves.toMatchObject({ code: CLOSE_PROTOCOL_VIOLATIONS });
    expect(c.orphanErrors.map((e) => [e.id, e.type === 'error' ? e.code : ''])).toEqual([[0, 'BAD_FRAME'], [0, 'BAD_FRAME']]);
  });

  it('keeps a responsive idle connection and terminates one that stops answering pings', async () => {
    const r = await relay({ limits: { pingIntervalMs: 40 } });
    const live = await connect(r.url);
    const dead = await connect(r.url);
    (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await until(() => r.connections() === 1);
    await expect(live.request({ type: 'ephemeral', mailbox: systemRandom(16), token: systemRandom(16), data: bytesOf('x') }))
      .rejects.toMatchObject({ code: 'TOKEN_REFUSED' });
  });

  it('stops pushing to a slow reader above the high-water mark and resumes when it drains', async () => {
    const r = await relay({ limits: { highWaterMark: 64 * 1024, maxUnacked: 10_000, mailboxMaxBytes: 1 << 30, mailboxRate: 1e6, mailboxBurst: 1e6 } });
    const bob = await login(r.url);
    const ref = await bob.invite();
    const socket = (bob.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const alice = await connect(r.url);
    const count = 100;
    const data = new Uint8Array(200 * 1024);
    for (let i = 0; i < count; i++) await alice.request({ type: 'send', ...ref, data });
    const metrics = await r.context.metrics.deliveries.get();
    const pushed = metrics.values[0]?.value ?? 0;
    expect(pushed).toBeLessThan(count); // 20 MB held back in the store, not in memory
    socket.resume();
    expect(await bob.waitFor('deliver', count)).toHaveLength(count);
  });
});

describe('relay connection survives a closed peer', () => {
  it('tolerates a client that vanishes mid-request', async () => {
    const r = await relay({ sqlite: true });
    const bob = await login(r.url);
    const ref = await bob.invite();
    const ws = new WebSocket(r.url);
    await new Promise((resolve) => ws.once('message', resolve));
    ws.terminate();
    await expect((await connect(r.url)).request({ type: 'send', ...ref, data: bytesOf('x') })).resolves.toEqual({ re: 'send' });
  });
});
