/**
 * Per-operation speed of each CryptoProvider (the measurement behind the
 * choice of which operations src/node/crypto-provider.ts takes to node:crypto).
 */
import { createHash } from 'node:crypto';
import { nobleProvider, type CryptoProvider } from '../src/crypto/index.js';
import { nodeCryptoProvider } from '../src/node/index.js';
import { measureInterleaved, type Prepare, type Rate } from './harness.js';
import { payload } from './peer.js';

export interface ProviderRow {
  readonly op: string;
  readonly noble: Rate;
  readonly node: Rate;
}

type Op = (p: CryptoProvider) => () => unknown;

const k = payload(32, 1);
const nonce = payload(12, 2);
const ad = payload(40, 3);
const m100 = payload(100, 4);
const m1k = payload(1024, 5);
const peer = nobleProvider.x25519PublicKey(payload(32, 6));
const edPub = nobleProvider.ed25519PublicKey(k);
const sig = nobleProvider.ed25519Sign(k, m100);
const sealed100 = nobleProvider.aeadSeal(k, nonce, m100, ad);

const OPS: readonly (readonly [string, Op])[] = [
  // A fresh array per call: the node provider must import the key each time.
  ['X25519 public key', (p) => () => p.x25519PublicKey(k.slice())],
  ['X25519 DH', (p) => () => p.x25519(k.slice(), peer)],
  ['X25519 DH, same key array (import cached)', (p) => () => p.x25519(k, peer)],
  ['Ed25519 public key', (p) => () => p.ed25519PublicKey(k.slice())],
  ['Ed25519 sign (100 B)', (p) => () => p.ed25519Sign(k.slice(), m100)],
  ['Ed25519 sign, same key array (import cached)', (p) => () => p.ed25519Sign(k, m100)],
  ['Ed25519 verify (100 B)', (p) => () => p.ed25519Verify(edPub, m100, sig)],
  ['ChaCha20-Poly1305 seal 100 B', (p) => () => p.aeadSeal(k, nonce, m100, ad)],
  ['ChaCha20-Poly1305 open 100 B', (p) => () => p.aeadOpen(k, nonce, sealed100, ad)],
  ['ChaCha20-Poly1305 seal 1 KiB', (p) => () => p.aeadSeal(k, nonce, m1k, ad)],
  ['HMAC-SHA-256 (100 B)', (p) => () => p.hmacSha256(k, m100)],
  ['HKDF-SHA-256 (64 B out)', (p) => () => p.hkdfSha256(k, k, ad, 64)],
  ['SHA-256 (32 B: noble in both)', (p) => () => p.sha256(k)],
  ['SHA-256 (100 B)', (p) => () => p.sha256(m100)],
  ['SHA-512 (100 B)', (p) => () => p.sha512(m100)],
];

/** Runs `f` for about `ms` milliseconds to size a repetition. */
function calibrate(f: () => unknown, ms: number): number {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 30) {
    f();
    n++;
  }
  return Math.max(1, Math.round((n * ms) / 30));
}

/** A repetition of about 60 ms of calls to `f`. */
export function loop(f: () => unknown): Prepare {
  const n = calibrate(f, 60);
  return async () => () => {
    for (let i = 0; i < n; i++) f();
    return n;
  };
}

/** Both providers' repetitions interleaved, so load changes touch both alike. */
async function pair(noble: () => unknown, node: () => unknown): Promise<{ noble: Rate; node: Rate }> {
  const rates = await measureInterleaved(new Map([['noble', loop(noble)], ['node', loop(node)]]), { warmups: 1, reps: 5 });
  return { noble: rates.get('noble') as Rate, node: rates.get('node') as Rate };
}

export async function runProviderBench(): Promise<ProviderRow[]> {
  const rows: ProviderRow[] = [];
  for (const [op, make] of OPS) rows.push({ op, ...(await pair(make(nobleProvider), make(nodeCryptoProvider))) });
  // The candidate the node provider does not take, measured directly (its HKDF is hkdfSync since f104f2a: the row above).
  const k32 = Buffer.from(k);
  rows.push({
    op: 'SHA-256 (32 B) via node:crypto createHash (not taken)',
    ...(await pair(() => nobleProvider.sha256(k), () => new Uint8Array(createHash('sha256').update(k32).digest()))),
  });
  return rows;
}
