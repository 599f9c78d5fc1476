/**
 * The post-quantum ratchet's figures (issue 17, spec/protocol.md §6.9), a
 * section of `npm run bench`; `npx tsx bench/pq-ratchet.ts` runs it alone and
 * prints the section.
 *
 * 1. Bytes per message for three conversation shapes with the content mix,
 *    version 2 vs version 3 sessions, before and after padding; libsignal-client
 *    beside it (its SPQR field, measured on the same script).
 * 2. Messages and round trips to each completed PQ step, both implementations.
 * 3. One-way and ping-pong msgs/s, version 2 vs 3, noble and node providers,
 *    with libsignal-client; the KEM and erasure-code cost of a step.
 */
import { loadavg } from 'node:os';
import {
  checkMlKem768PublicKey, cryptoProvider, mlKem768Decapsulate, mlKem768Encapsulate, mlKem768PublicKey, nobleProvider, systemRandom, useCryptoProvider,
} from '../src/crypto/index.js';
import { PQ_CHUNK_SIZE } from '../src/constants.js';
import { nodeCryptoProvider } from '../src/node/index.js';
import { decodeChunks, encodeChunk } from '../src/ratchet/pq/erasure-code.js';
import { derivePqSecret } from '../src/ratchet/pq/secret.js';
import { measureInterleaved, type Prepare, type Rate } from './harness.js';
import { machine } from './machine.js';
import { MESSAGE_SIZE, type Peer } from './peer.js';
import { libsignalClientPeer } from './peers/libsignal-client.js';
import { parleyPeer } from './peers/parley.js';
import { loop } from './provider.js';
import { shapes, type Shape, type ShapeSizes } from './pq-conversation.js';
import { libsignalTrace, parleyTrace, type LibsignalMessage, type ParleyMessage } from './pq-sizes.js';
import { pqRatchetSection, THROUGHPUT_COLUMNS } from './pq-report.js';
import type { Row } from './report.js';

const PQ_SHAPE_SIZES: ShapeSizes = { balancedRoundTrips: 200, oneSidedCycles: 40, burstyTurns: 120 };
const PQ_REPS = 5;

/** Messages per repetition: ping-pong under noble is slow (an X25519 step per message), and the section has a 60 s budget. */
const THROUGHPUT = { oneWay: 1_000, pingPongNoble: 160, pingPong: 400 } as const;

export interface ShapeResult {
  readonly shape: Shape;
  readonly v2: readonly ParleyMessage[];
  readonly v3: readonly ParleyMessage[];
  readonly libsignal: readonly LibsignalMessage[];
}

export interface CostRow {
  readonly op: string;
  /** Times per PQ step, per party that does it. */
  readonly perStep: number;
  readonly rate: Rate;
}

export interface PqRatchetResults {
  readonly shapes: readonly ShapeResult[];
  readonly throughput: readonly Row[];
  readonly costs: readonly CostRow[];
  readonly reps: number;
  readonly seconds: number;
}

async function sizeResults(log: (line: string) => void): Promise<ShapeResult[]> {
  useCryptoProvider(nodeCryptoProvider); // sizes do not depend on the provider; the faster one keeps the section short
  const out: ShapeResult[] = [];
  for (const shape of shapes(PQ_SHAPE_SIZES)) {
    log(`  bytes per message, ${shape.name} (${shape.script.length.toLocaleString('en-US')} messages)`);
    out.push({ shape, v2: parleyTrace(shape.script, 2), v3: parleyTrace(shape.script, 3), libsignal: await libsignalTrace(shape.script) });
  }
  return out;
}

function throughputPeers(): Map<string, Peer> {
  const sizes = { sessions: 0, oneWay: THROUGHPUT.oneWay, pingPong: THROUGHPUT.pingPong, group: 0 };
  return new Map<string, Peer>([
    ['v2 (noble)', parleyPeer('v2 (noble)', nobleProvider, { ...sizes, pingPong: THROUGHPUT.pingPongNoble }, 2)],
    ['v3 (noble)', parleyPeer('v3 (noble)', nobleProvider, { ...sizes, pingPong: THROUGHPUT.pingPongNoble }, 3)],
    ['v2 (node)', parleyPeer('v2 (node)', nodeCryptoProvider, sizes, 2)],
    ['v3 (node)', parleyPeer('v3 (node)', nodeCryptoProvider, sizes, 3)],
    ['libsignal-client (SPQR)', { ...libsignalClientPeer(), sizes }],
  ]);
}

async function throughputRows(log: (line: string) => void): Promise<Row[]> {
  const peers = throughputPeers();
  const workloads: readonly [string, (p: Peer) => Prepare | undefined][] = [
    [`1:1 one-way msgs/s (${MESSAGE_SIZE} B)`, (p) => p.oneWay?.(p.sizes.oneWay, MESSAGE_SIZE)],
    [`1:1 ping-pong msgs/s (${MESSAGE_SIZE} B)`, (p) => p.pingPong?.(p.sizes.pingPong, MESSAGE_SIZE)],
  ];
  const rows: Row[] = [];
  for (const [label, prepareOf] of workloads) {
    log(`  ${label}`);
    const prepares = new Map<string, Prepare>();
    for (const column of THROUGHPUT_COLUMNS) {
      const prepare = prepareOf(peers.get(column) as Peer);
      if (prepare !== undefined) prepares.set(column, prepare);
    }
    rows.push({ label, kind: 'rate', cells: await measureInterleaved(prepares, { warmups: 1, reps: PQ_REPS }) });
  }
  return rows;
}

/** The KEM and erasure-code operations of one step (§6.9.5, §6.9.6); ML-KEM is @noble under either provider. */
async function costRows(log: (line: string) => void): Promise<CostRow[]> {
  log('  KEM and chunk costs per step');
  useCryptoProvider(nobleProvider); // ML-KEM and the erasure code are ours or @noble's anyway; the PQ secret's HKDF is not
  const seed = systemRandom(64);
  const ek = mlKem768PublicKey(seed);
  const m = systemRandom(32);
  const { ciphertext, sharedSecret } = mlKem768Encapsulate(ek, m);
  const parity = Array.from({ length: 10 }, (_, i) => ({ index: 10 + i, data: encodeChunk(ek, PQ_CHUNK_SIZE, 10 + i) }));
  const ops: readonly [string, number, () => unknown][] = [
    ['ML-KEM-768 key generation from the seed (EK side)', 1, () => mlKem768PublicKey(seed)],
    ['encapsulation key check once rebuilt, FIPS 203 §7.2 (CT side)', 1, () => checkMlKem768PublicKey(ek)],
    ['encapsulation, key check included (CT side)', 1, () => mlKem768Encapsulate(ek, m)],
    ['decapsulation, key pair re-derived from the seed (EK side)', 1, () => mlKem768Decapsulate(ciphertext, seed)],
    ['PQ secret, HKDF over SHA-256(ek) and SHA-256(ct), noble provider (each side)', 2, () => derivePqSecret(sharedSecret, 1, ek, ciphertext)],
    ['a data chunk, index < K (a message carrying the key or the ciphertext)', 19, () => encodeChunk(ek, PQ_CHUNK_SIZE, 3)],
    ['a parity chunk, index ≥ K (each chunk-carrying message past the K-th)', 0, () => encodeChunk(ek, PQ_CHUNK_SIZE, 12)],
    ['rebuilding the key from 10 parity chunks (worst case; the ciphertext takes 9)', 2, () => decodeChunks(parity, ek.length, PQ_CHUNK_SIZE)],
  ];
  const out: CostRow[] = [];
  for (const [op, perStep, f] of ops) {
    const rates = await measureInterleaved(new Map([[op, loop(f)]]), { warmups: 1, reps: PQ_REPS });
    out.push({ op, perStep, rate: rates.get(op) as Rate });
  }
  return out;
}

/** Runs the section; the crypto provider in effect before is in effect after (the sections that follow rely on it). */
export async function runPqRatchetBench(log: (line: string) => void): Promise<PqRatchetResults> {
  const started = performance.now();
  const callers = cryptoProvider();
  try {
    const sizes = await sizeResults(log);
    const throughput = await throughputRows(log);
    const costs = await costRows(log);
    return { shapes: sizes, throughput, costs, reps: PQ_REPS, seconds: (performance.now() - started) / 1000 };
  } finally {
    useCryptoProvider(callers);
  }
}

export { pqRatchetSection };

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = machine();
  const results = await runPqRatchetBench((l) => process.stderr.write(`${l}\n`));
  const load = `1-minute load average ${m.loadAverage.toFixed(2)} at the start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end on ${m.cores} cores`;
  console.log(`Measured alone with \`npx tsx bench/pq-ratchet.ts\` (${m.date}, ${m.cpu}, Node ${m.node}; ${load}).\n\n${pqRatchetSection(results)}`);
}
