/**
 * Child of store-thread.test.ts: opens the SQLite store at argv[2], issues
 * `count` single-put batches without waiting, and kills itself (SIGKILL: no
 * close, no exit handlers) the moment batch `killAt` resolves.
 */
import { SqliteStore } from '../../src/node/index.js';
import { put } from '../../src/store/index.js';

const [path, count, killAt] = [process.argv[2] as string, Number(process.argv[3]), Number(process.argv[4])];
const store = SqliteStore.open({ path, key: new Uint8Array(32).fill(9) });
for (let i = 0; i < count; i++) {
  const written = store.write([put('messages', `m${String(i).padStart(4, '0')}`, Uint8Array.of(i & 255))]);
  if (i === killAt) void written.then(() => process.kill(process.pid, 'SIGKILL'));
}
