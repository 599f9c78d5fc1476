// The hashing thread's entry when the relay runs from its TypeScript sources (npm start, tsx, vitest):
// Node 20 does not apply the parent's `--import tsx` to a worker thread, so this registers tsx here,
// then loads relay/blobs/hash-worker.ts. The published package runs its bundled blob-hash-worker.js.
import { register } from 'tsx/esm/api';

register();
await import('./hash-worker.ts');
