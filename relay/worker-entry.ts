/**
 * Where a relay thread's code is. Bundled (packages/parley-relay/dist/relay.js), each thread is a
 * bundle of its own beside it (scripts/build-packages.mjs). From source (npm start, tsx, vitest),
 * Node 20 does not carry the parent's `--import tsx` into a worker, so a small bootstrap .mjs
 * registers tsx and then imports the thread's TypeScript entry.
 *
 * `bootstrap` is relative to relay/, `bundle` to dist/; both resolve from this module, which from
 * source is relay/worker-entry.ts and bundled is inlined into dist/relay.js.
 */
export function workerEntry(bootstrap: string, bundle: string): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL(bootstrap, here) : new URL(bundle, here);
}
