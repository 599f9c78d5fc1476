/**
 * Runs one workload of one implementation for profiling:
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.ts "Parley (noble)" one-way
 *   npx tsx bench/profile-summary.ts /tmp/prof/<file>.cpuprofile
 * Workloads: setup, one-way, ping-pong, group, sender-100.
 */
import { measure, formatRate, type Prepare } from './harness.js';
import { MESSAGE_SIZE, type Peer } from './peer.js';
import { libsignalClientPeer } from './peers/libsignal-client.js';
import { lspTsPeer } from './peers/lsp-ts.js';
import { parleyPeers } from './peers/parley.js';

const [name, workload] = process.argv.slice(2);
const peers: Peer[] = [...(await parleyPeers()).peers, libsignalClientPeer(), lspTsPeer()];
const peer = peers.find((p) => p.name === name);
if (peer === undefined) throw new Error(`unknown implementation ${name}; one of: ${peers.map((p) => p.name).join(', ')}`);

const s = peer.sizes;
const prepares: Record<string, Prepare | undefined> = {
  setup: peer.sessionSetup?.(s.sessions),
  'one-way': peer.oneWay?.(s.oneWay, MESSAGE_SIZE),
  'ping-pong': peer.pingPong?.(s.pingPong, MESSAGE_SIZE),
  group: peer.groupMessages?.(s.group, MESSAGE_SIZE),
  'sender-100': peer.groupSenderCost?.(100, 2),
};
const prepare = prepares[workload ?? ''];
if (prepare === undefined) throw new Error(`${peer.name} has no workload ${workload}`);
process.stdout.write(`${peer.name} ${workload}: ${formatRate(await measure(prepare, { warmups: 1, reps: 8 }))}\n`);
