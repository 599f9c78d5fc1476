/**
 * The 1:1 one-way hot path alone, for profiling and A/B runs of ratchet and
 * crypto changes (issue 6): an established session, then N encryptions of
 * 100 bytes followed by their N decryptions, per provider; median and range
 * of 5 repetitions after 2 warm-ups.
 *   npx tsx bench/hot-path.ts                      (both providers, N = 10,000)
 *   P=noble N=5000 npx tsx bench/hot-path.ts
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/hot-path.ts
 */
import { generateX25519KeyPair, nobleProvider, systemRandom, useCryptoProvider, type Bytes, type CryptoProvider } from '../src/crypto/index.js';
import { nodeCryptoProvider } from '../src/node/index.js';
import { initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetState } from '../src/ratchet/index.js';

const MESSAGES = Number(process.env['N'] ?? 10_000);
const PROVIDERS: Readonly<Record<string, CryptoProvider>> = { noble: nobleProvider, node: nodeCryptoProvider };
const WARMUPS = 2;
const REPS = 5;

/** Alice and Bob after one round trip, as PQXDH would leave them. */
function pair(): { alice: RatchetState; bob: RatchetState } {
  const sharedSecret = systemRandom(32);
  const associatedData = systemRandom(64);
  const bobKey = generateX25519KeyPair(systemRandom);
  let alice = initSender({ sharedSecret, peerRatchetKey: bobKey.publicKey, associatedData, random: systemRandom });
  let bob = initReceiver({ sharedSecret, ownRatchetKeyPair: bobKey, associatedData });
  const first = ratchetEncrypt(alice, new Uint8Array(10), systemRandom);
  alice = first.state;
  bob = ratchetDecrypt(bob, first.message, systemRandom).state;
  const reply = ratchetEncrypt(bob, new Uint8Array(10), systemRandom);
  bob = reply.state;
  alice = ratchetDecrypt(alice, reply.message, systemRandom).state;
  return { alice, bob };
}

/** Messages per second for one repetition. */
function oneWay(): number {
  let { alice, bob } = pair();
  const plaintext = Uint8Array.from({ length: 100 }, (_, i) => i);
  const start = performance.now();
  const sent: Bytes[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const r = ratchetEncrypt(alice, plaintext, systemRandom);
    alice = r.state;
    sent.push(r.message);
  }
  for (const m of sent) bob = ratchetDecrypt(bob, m, systemRandom).state;
  return MESSAGES / ((performance.now() - start) / 1000);
}

const names = (process.env['P'] ?? 'noble,node').split(',');
const rates = new Map<string, number[]>(names.map((n) => [n, []]));
for (let rep = 0; rep < WARMUPS + REPS; rep++) {
  for (const name of names) {
    const provider = PROVIDERS[name];
    if (provider === undefined) throw new Error(`unknown provider ${name}`);
    useCryptoProvider(provider);
    const rate = oneWay();
    if (rep >= WARMUPS) rates.get(name)?.push(rate);
  }
}
for (const [name, r] of rates) {
  r.sort((a, b) => a - b);
  const f = (x: number | undefined): string => Math.round(x ?? 0).toLocaleString('en-US');
  process.stdout.write(`${name}: ${f(r[REPS >> 1])} msgs/s (min ${f(r[0])}, max ${f(r[REPS - 1])})\n`);
}
