/** Shared setup of the relay tests: relays on port 0, temp dirs, public prekeys built with the wire codecs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { sign, systemRandom, type Bytes, type Ed25519KeyPair } from '../../src/crypto/index.js';
import {
  encodeKemPreKey, encodeOneTimePreKey, encodeSignedPreKey, kemPreKeySignaturePayload, signedPreKeySignaturePayload,
} from '../../src/wire/index.js';
import { startRelay, type RelayHandle, type StartRelayOptions } from '../../relay/server.js';
import { TestClient } from './client.js';

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `cleanup` after the current test (in reverse order of registration). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-relay-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A relay for one test (memory store unless `dataDir` or `sqlite` is given), closed after it. */
export async function relay(options: StartRelayOptions & { sqlite?: boolean } = {}): Promise<RelayHandle> {
  const { sqlite, ...rest } = options;
  const r = await startRelay({ logLevel: 'silent', ...(sqlite === true ? { dataDir: tempDir() } : {}), ...rest });
  cleanups.push(() => r.close());
  return r;
}

export async function login(url: string, identity?: Ed25519KeyPair): Promise<TestClient> {
  const c = await TestClient.login(url, identity);
  cleanups.push(() => c.close());
  return c;
}

export async function connect(url: string): Promise<TestClient> {
  const c = await TestClient.connect(url);
  cleanups.push(() => c.close());
  return c;
}

export function signedPreKey(identity: Ed25519KeyPair, id: number): Bytes {
  const k = { id, createdAt: 1_700_000_000_000, publicKey: systemRandom(32) };
  return encodeSignedPreKey({ ...k, signature: sign(identity.privateKey, signedPreKeySignaturePayload(identity.publicKey, k)) });
}

/** A KEM prekey with a random 1568-byte key (the relay checks its signature, not the key's structure). */
export function kemPreKey(identity: Ed25519KeyPair, id: number, lastResort: boolean): Bytes {
  const k = { id, createdAt: 1_700_000_000_000, publicKey: systemRandom(1568), lastResort };
  return encodeKemPreKey({ ...k, signature: sign(identity.privateKey, kemPreKeySignaturePayload(identity.publicKey, k)) });
}

export function oneTimePreKey(id: number): Bytes {
  return encodeOneTimePreKey({ id, publicKey: systemRandom(32) });
}

/** Publishes a full set: signed prekey, last-resort KEM prekey, `n` classic and `m` KEM one-time prekeys (ids from 1). */
export async function publishAll(c: TestClient, n: number, m: number): Promise<void> {
  await c.request({
    type: 'publish', signedPreKey: signedPreKey(c.identity, 1), kemPreKey: kemPreKey(c.identity, 1000, true),
    oneTime: Array.from({ length: n }, (_, i) => oneTimePreKey(i + 1)),
    kemOneTime: Array.from({ length: m }, (_, i) => kemPreKey(c.identity, i + 1, false)),
  });
}

export const bytesOf = (text: string): Bytes => new TextEncoder().encode(text);
export const textOf = (b: Bytes): string => new TextDecoder().decode(b);

export { until } from '../until.js';
