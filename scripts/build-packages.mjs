#!/usr/bin/env node
// `npm run build`: the publishable packages, built from the top-level sources.
//   packages/parley        the client library (src/ compiled by tsc: JS, .d.ts, maps with sources) and the `parley` CLI
//   packages/parley-relay  the relay (relay/cli.ts bundled by esbuild with our own code inlined; npm dependencies stay imports)
// `npm run packages` packs both into dist/.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const client = join(root, 'packages/parley');
const relay = join(root, 'packages/parley-relay');

rmSync(join(client, 'dist'), { recursive: true, force: true });
rmSync(join(relay, 'dist'), { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
chmodSync(join(client, 'dist/node/cli/main.js'), 0o755);
copyFileSync(join(root, 'README.md'), join(client, 'README.md'));

await build({
  entryPoints: [join(root, 'relay/cli.ts')],
  outfile: join(relay, 'dist/relay.js'),
  bundle: true, platform: 'node', format: 'esm', target: 'node20',
  packages: 'external', sourcemap: true, sourcesContent: true, logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync(join(relay, 'dist/relay.js'), 0o755);
