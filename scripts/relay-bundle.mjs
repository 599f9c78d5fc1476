// The relay as packages/parley-relay ships it: relay/cli.ts and the threads it starts — SQLite storage
// (relay/store/sqlite-thread.ts finds sqlite-worker.js beside relay.js) and blob hashing (relay/blobs/hash-thread.ts
// finds blob-hash-worker.js) — each bundled by esbuild with our own code inlined, npm dependencies left as imports
// (resolved from the node_modules above `outdir`). Used by `npm run build` and by the tests' global setup
// (test/global-setup.ts), so the relay processes the tests start run what the package ships, without tsx.
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** Writes relay.js, sqlite-worker.js and blob-hash-worker.js (with source maps) to `outdir`. */
export async function bundleRelay(outdir, { sourcesContent = false, banner } = {}) {
  await build({
    entryPoints: {
      relay: join(root, 'relay/cli.ts'),
      'sqlite-worker': join(root, 'relay/store/sqlite-worker.ts'),
      'blob-hash-worker': join(root, 'relay/blobs/hash-worker.ts'),
    },
    outdir,
    bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', sourcemap: true, sourcesContent, logLevel: 'warning',
    ...(banner !== undefined && { banner: { js: banner } }),
  });
}
