/**
 * The blob store's hashing thread (spec/relay.md §12.4): the SHA-256 of each
 * pending upload, updated as its bytes arrive, so that the relay's event loop
 * never spends its time hashing (noble's SHA-256 runs at ~190 MB/s, about half
 * of what an upload costs the relay). Calls come in batches, one message per
 * turn of the relay's loop; only digests are answered.
 */
import { parentPort } from 'node:worker_threads';
import { createSha256, type Sha256Hasher } from '../../src/crypto/index.js';
import type { HashCall, HashDigest } from './hash-protocol.js';

const port = parentPort;
if (port === null) throw new Error('hash-worker.ts runs as a worker thread');
const hashers = new Map<string, Sha256Hasher>();

port.on('message', (calls: readonly HashCall[]) => {
  const digests: HashDigest[] = [];
  const buffers: ArrayBuffer[] = [];
  let hashed = 0;
  for (const call of calls) {
    if (call.op === 'start') hashers.set(call.id, createSha256());
    else if (call.op === 'update') {
      hashers.get(call.id)?.update(new Uint8Array(call.bytes, 0, call.length));
      hashed += call.length;
      buffers.push(call.bytes);
    } else if (call.op === 'drop') hashers.delete(call.id);
    else {
      const hasher = hashers.get(call.id);
      hashers.delete(call.id);
      digests.push({ req: call.req, digest: hasher === undefined ? null : hasher.digest() });
    }
  }
  port.postMessage({ digests, hashed, buffers }, buffers);
});
