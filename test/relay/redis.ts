/**
 * Redis for the relay tests: REDIS_URL (default 127.0.0.1:6379) with a key
 * prefix per test, deleted after it; and a private redis-server process on a
 * free port for tests that kill and restart Redis, so the shared server keeps
 * running for everyone else. Never skipped: CI runs Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createClient } from '@redis/client';
import { systemRandom, toHex } from '../../src/crypto/index.js';
import { onCleanup } from './harness.js';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (a no-op if Redis is gone). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect().catch(() => undefined);
  if (!client.isOpen) return;
  for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
  await client.close();
}

/** A key prefix of its own for one test; its keys are deleted after the test. */
export function testPrefix(url = REDIS_URL): string {
  const prefix = `parley_test_${toHex(systemRandom(6))}`;
  onCleanup(() => deleteKeys(url, prefix));
  return prefix;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PrivateRedis {
  readonly url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** A redis-server of this test's own (no persistence), killed after the test. */
export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = new Promise<void>((resolve) => child?.stdout?.on('data', (d: Buffer) => { if (/Ready to accept connections/.test(String(d))) resolve(); }));
    await ready;
  };
  const kill = async (): Promise<void> => {
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  onCleanup(kill);
  return { url: `redis://127.0.0.1:${port}`, kill, start };
}
