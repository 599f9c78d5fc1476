/** Operating the relay (relay.md §9–§10): /healthz, /metrics without identities, CLI flags and env. */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { parseCli, usage } from '../../relay/cli.js';
import { DEFAULT_LIMITS } from '../../relay/config.js';
import { bytesOf, connect, login, relay } from './harness.js';

describe('relay operations', () => {
  it('serves /healthz and 404 elsewhere', async () => {
    const r = await relay();
    const health = await fetch(`http://127.0.0.1:${r.port}/healthz`);
    expect(health.status).toBe(200);
    await expect(health.json()).resolves.toEqual({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${r.port}/nope`)).status).toBe(404);
  });

  it('exposes Prometheus metrics that carry no identity, mailbox id or content', async () => {
    const r = await relay({ sqlite: true });
    const bob = await login(r.url);
    const ref = await bob.invite();
    const alice = await connect(r.url);
    await alice.request({ type: 'send', ...ref, data: bytesOf('secret-content-marker') });
    await expect(alice.request({ type: 'send', mailbox: ref.mailbox, token: new Uint8Array(16), data: bytesOf('x') })).rejects.toMatchObject({ code: 'TOKEN_REFUSED' });
    await bob.waitFor('deliver');
    expect((await fetch(`http://127.0.0.1:${r.port}/metrics`)).status).toBe(404); // not on the client port
    const text = await (await fetch(r.metricsUrl!)).text();
    for (const line of [
      'parley_relay_connections 2', 'parley_relay_envelopes_stored 1', 'parley_relay_bytes_stored 21',
      'parley_relay_frames_in_total{type="send"} 2', 'parley_relay_frames_out_total{type="deliver"} 1',
      'parley_relay_deliveries_total 1', 'parley_relay_refusals_total{code="TOKEN_REFUSED"} 1',
    ]) expect(text).toContain(line);
    expect(text).toMatch(/parley_relay_request_seconds_bucket\{le="0.005",type="send"\} \d+/);
    for (const secret of [toHex(ref.mailbox), toHex(bob.identity.publicKey), toHex(ref.token), 'secret-content-marker']) {
      expect(text.toLowerCase()).not.toContain(secret);
    }
  });

  it('serves /metrics on its own loopback listener, behind a bearer token when one is set', async () => {
    const r = await relay({ metrics: { host: '127.0.0.1', port: 0, token: 'operator-secret' } });
    expect(r.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(r.metricsUrl!)).status).toBe(401);
    expect((await fetch(r.metricsUrl!, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(r.metricsUrl!, { headers: { authorization: 'Bearer operator-secret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('parley_relay_connections');
    const off = await relay({ metrics: false });
    expect(off.metricsUrl).toBeUndefined();
  });

  it('the CLI binds to loopback by default, with /metrics on 127.0.0.1:9788', () => {
    expect(parseCli([], {})).toMatchObject({ host: '127.0.0.1', port: 8787, metrics: { host: '127.0.0.1', port: 9788 } });
    expect(parseCli(['--metrics-port', 'off'], {})).toMatchObject({ metrics: false });
    expect(parseCli([], { PARLEY_RELAY_METRICS_TOKEN: 't' })).toMatchObject({ metrics: { token: 't' } });
    expect(parseCli(['--log-addresses'], {})).toMatchObject({ logAddresses: true });
  });

  it('parses flags over environment variables over defaults, and --help lists every option', () => {
    const o = parseCli(['--port', '9000', '--ttl', '3600', '--max-connections', '7'], { PARLEY_RELAY_HOST: '::1', PARLEY_RELAY_PORT: '1', PARLEY_RELAY_MAILBOX_RATE: '3' });
    expect(o).toMatchObject({ host: '::1', port: 9000, ttlSeconds: 3600, dataDir: './data', sqliteSync: 'full', sqliteThread: false });
    expect(parseCli([], { PARLEY_RELAY_SQLITE_THREAD: 'on' })).toMatchObject({ sqliteThread: true });
    expect(() => parseCli(['--sqlite-thread', 'yes'], {})).toThrow(/--sqlite-thread/);
    expect(o !== 'help' && o.limits).toMatchObject({ maxConnections: 7, mailboxRate: 3, maxFrameSize: DEFAULT_LIMITS.maxFrameSize });
    expect(parseCli(['--memory'], {})).toMatchObject({ dataDir: undefined });
    expect(parseCli(['--help'], {})).toBe('help');
    expect(() => parseCli(['--port', 'x'], {})).toThrow(/--port/);
    expect(() => parseCli(['--sync', 'off'], {})).toThrow(/--sync/);
    expect(() => parseCli(['--bogus'], {})).toThrow();
    for (const flag of ['--host', '--port', '--data', '--sync', '--sqlite-thread', '--ttl', '--max-frame-size', '--max-connections', '--ping-interval-ms',
      '--connection-rate', '--mailbox-rate', '--mailbox-max-envelopes', '--mailbox-max-bytes', '--log-level', 'PARLEY_RELAY_MAILBOX_MAX_BYTES']) {
      expect(usage()).toContain(flag);
    }
  });

  it('reports draining on /healthz and refuses new requests with SHUTTING_DOWN while closing', async () => {
    const r = await relay();
    const c = await connect(r.url);
    r.context.draining = true;
    await expect(c.request({ type: 'counts' })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect((await fetch(`http://127.0.0.1:${r.port}/healthz`)).status).toBe(503);
    r.context.draining = false;
  });
});
