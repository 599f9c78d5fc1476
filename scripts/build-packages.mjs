#!/usr/bin/env node
// `npm run build`: the publishable packages, built from the top-level sources.
//   packages/parley        the client library and the `parley` CLI: src/ transpiled file by file by esbuild
//                          (JS and source maps carrying their sources), declarations by tsc
//   packages/parley-relay  the relay: relay/cli.ts and its storage thread (relay/store/sqlite-worker.ts) bundled by esbuild
//                          with our own code inlined; npm dependencies stay imports
// `npm run packages` packs both into dist/. `--no-types` skips the declarations (the package test, which runs the JS only).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bundleRelay } from './relay-bundle.mjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const client = join(root, 'packages/parley');
const relay = join(root, 'packages/parley-relay');
const types = !process.argv.includes('--no-types');

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

rmSync(join(client, 'dist'), { recursive: true, force: true });
rmSync(join(relay, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true }); // where `npm run packages` puts the tarballs

await build({
  entryPoints: sources(join(root, 'src')), outdir: join(client, 'dist'), outbase: join(root, 'src'),
  format: 'esm', platform: 'neutral', target: 'es2022', sourcemap: true, sourcesContent: true, logLevel: 'warning',
});
chmodSync(join(client, 'dist/node/cli/main.js'), 0o755);
copyFileSync(join(root, 'README.md'), join(client, 'README.md'));
if (types) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const declared = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (declared.status !== 0) process.exit(declared.status ?? 1);
}

await bundleRelay(join(relay, 'dist'), { sourcesContent: true, banner: '#!/usr/bin/env node' });
chmodSync(join(relay, 'dist/relay.js'), 0o755);
