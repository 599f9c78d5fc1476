/**
 * The packages as users install them (README §Packages): `npm run build` (its JS), `npm pack`
 * both packages, and install the tarballs into fresh folders — offline from npm's
 * cache (`npm ci` filled it), scripts off. The one native addon, better-sqlite3
 * (an operator's and a Node app's choice, never the client's), is copied from the
 * repository's own install instead of being compiled again by node-gyp.
 *
 * Then, from those folders only: the client imports in plain Node with nothing but
 * pure JavaScript installed; `parley-relay` and `parley chat` run compiled
 * JavaScript (no tsx is installed); the README's Node examples run as written
 * against that relay; SIGTERM drains the relay and exits 0.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../scenario/helpers.js';
import { readmeBlocks } from './readme.js';

const root = new URL('../..', import.meta.url).pathname;
const tmp = tempDir('parley-pack-');
const tarballs: Record<string, string> = {};
const app = join(tmp.dir, 'app');
const ops = join(tmp.dir, 'ops');
let installs: { app: Promise<void>; ops: Promise<void> };

function run(command: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** `npm install` into a fresh folder; the two folders install at the same time. */
async function npmInstall(dir: string, specs: readonly string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const r = await runIn(dir, 'npm', ['install', ...specs, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { npm_config_update_notifier: 'false' });
  if (r.code !== 0) throw new Error(`npm install failed in ${dir} (${r.code}):\n${r.out}\n${r.err}`);
}

/** The npm packages the .ts files under `dir` import (builtins left out), by package name. */
function bareImports(dir: string, keep: (file: string) => boolean): Set<string> {
  const out = new Set<string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, name.name);
      if (name.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && keep(p)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^'.][^']*)'/g)) {
          const spec = m[1]!;
          if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
          out.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
        }
      }
    }
  };
  walk(dir);
  return out;
}

/** Every installed package (scoped ones as @scope/name). */
function installed(dir: string): string[] {
  const nm = join(dir, 'node_modules');
  return readdirSync(nm).filter((n) => !n.startsWith('.')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(nm, n)).map((m) => `${n}/${m}`) : [n])).sort();
}

/** The copy of better-sqlite3's compiled addon: same pinned version, built once by the repository's `npm ci`. */
function linkNativeAddon(dir: string): void {
  const from = join(root, 'node_modules/better-sqlite3');
  const to = join(dir, 'node_modules/better-sqlite3');
  const version = (d: string): string => (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { version: string }).version;
  expect(version(to)).toBe(version(from));
  mkdirSync(join(to, 'build/Release'), { recursive: true });
  copyFileSync(join(from, 'build/Release/better_sqlite3.node'), join(to, 'build/Release/better_sqlite3.node'));
}

interface Relay { readonly child: ChildProcess; readonly url: string; readonly log: Array<{ msg?: string }> }

async function startRelay(dir: string): Promise<Relay> {
  // --sqlite-thread on: the bundled storage thread (dist/sqlite-worker.js) must be found and run from the installed package.
  const args = ['--port', '0', '--metrics-port', 'off', '--data', join(dir, 'data'), '--sqlite-thread', 'on'];
  const child = spawn(join(dir, 'node_modules/.bin/parley-relay'), args, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const log: Array<{ msg?: string; port?: number }> = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        log.push(entry);
        if (entry.msg === 'listening' && typeof entry.port === 'number') resolve(entry.port);
      } catch { /* not a log line */ }
    });
    child.once('exit', () => reject(new Error('parley-relay exited before listening')));
  });
  return { child, url: `ws://127.0.0.1:${port}`, log };
}

async function runIn(dir: string, command: string, args: readonly string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(command, args, { cwd: dir, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(input);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

beforeAll(() => {
  // The JS is what runs; the declarations (tsc, the slow half of the build) are checked by `npm run typecheck`.
  run(process.execPath, [join(root, 'scripts/build-packages.mjs'), '--no-types'], root);
  const packed = JSON.parse(run('npm', ['pack', './packages/parley', './packages/parley-relay', '--pack-destination', tmp.dir, '--json', '--loglevel=error'], root)) as Array<{ name: string; filename: string }>;
  for (const p of packed) tarballs[p.name] = join(tmp.dir, p.filename);
  const wsRange = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['ws']!;
  installs = {
    app: npmInstall(app, [tarballs['parley']!]),
    ops: npmInstall(ops, [tarballs['parley-relay']!, tarballs['parley']!, `ws@${wsRange}`]),
  };
  // Awaited by the tests; a failure is reported there, not as an unhandled rejection.
  for (const p of Object.values(installs)) p.catch(() => undefined);
}, 120_000);

afterAll(() => tmp.remove());

describe('the packages, installed from their tarballs in fresh folders', () => {
  it('declare every package their code imports, and nothing else (peers only for src/node)', () => {
    const manifest = (name: string): { dependencies: Record<string, string>; peerDependencies?: Record<string, string> } =>
      JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    const client = manifest('parley');
    const relayPkg = manifest('parley-relay');
    const portable = bareImports(join(root, 'src'), (f) => !f.includes('/src/node/'));
    const nodeOnly = bareImports(join(root, 'src/node'), () => true);
    expect([...portable].sort()).toEqual(Object.keys(client.dependencies).sort());
    expect([...nodeOnly].filter((d) => !(d in client.dependencies)).sort()).toEqual(Object.keys(client.peerDependencies ?? {}).sort());
    const relayImports = new Set([...bareImports(join(root, 'relay'), () => true), ...portable]);
    expect([...relayImports].sort()).toEqual(Object.keys(relayPkg.dependencies).sort());
  });

  it('declare the same dependency ranges as the repository that tests them', () => {
    const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of ['parley', 'parley-relay']) {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependencies?: Record<string, string> };
      for (const [dep, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies })) expect(`${dep}@${range}`).toBe(`${dep}@${rootPkg.dependencies[dep]}`);
    }
  });

  it('an app embedding the client installs parley and its four pure-JavaScript dependencies, nothing else, and imports it from plain Node; the CLI names the peers it lacks', async () => {
    await installs.app;
    expect(installed(app)).toEqual(['@noble/ciphers', '@noble/curves', '@noble/hashes', '@noble/post-quantum', 'parley']);
    for (const name of installed(app)) {
      const pkg = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
      expect(Object.keys(pkg.scripts ?? {}).filter((s) => /install/.test(s)), name).toEqual([]);
      expect(existsSync(join(app, 'node_modules', name, 'binding.gyp')), name).toBe(false);
    }
    writeFileSync(join(app, 'check.js'), "import { Client, MemoryStore } from 'parley';\nimport { IndexedDbStore } from 'parley/browser';\nconsole.log(typeof Client.open, typeof MemoryStore, typeof IndexedDbStore);\n");
    const map = JSON.parse(readFileSync(join(app, 'node_modules/parley/dist/client/client.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    expect(map.sourcesContent?.[0], 'source maps carry the sources they point to (src/ is not shipped)').toContain('export class Client');
    const r = await runIn(app, process.execPath, ['check.js'], {});
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe('function function function');

    const chat = await runIn(app, 'npx', ['--offline', 'parley', 'chat', '--relay', 'ws://127.0.0.1:1', '--profile', 'x', '--dir', join(app, 'x')], {});
    expect(chat.code, 'without the optional peers the CLI says what to install').toBe(1);
    expect(chat.err).toContain('npm install ws better-sqlite3');
  });

  it('parley-relay and `npx parley chat` run compiled JavaScript; the README examples run against that relay; SIGTERM drains the relay', async () => {
    await installs.ops;
    linkNativeAddon(ops);
    expect(installed(ops)).not.toContain('tsx');
    expect(installed(ops)).not.toContain('esbuild');

    const relay = await startRelay(ops);
    try {
      // The README's js blocks read as one program (each continues the one before): run them so, in order.
      const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'), 'js');
      expect(blocks.length).toBeGreaterThan(0);
      writeFileSync(join(ops, 'readme.js'), blocks.join('\n'));
      const readme = await runIn(ops, process.execPath, ['readme.js'], { PARLEY_RELAY: relay.url });
      expect({ code: readme.code, err: readme.err }, 'the README js blocks').toEqual({ code: 0, err: '' });
      expect(readme.out, 'the embedding example delivers its message').toMatch(/Alice: hi!/);

      const chat = await runIn(ops, 'npx', ['--offline', 'parley', 'chat', '--relay', relay.url, '--profile', 'carol', '--dir', join(ops, 'carol')], {}, '/invite\n/quit\n');
      expect(chat.code).toBe(0);
      expect(chat.out).toMatch(/\* ready as carol/);
      expect(chat.out).toMatch(/parley:[A-Za-z0-9_-]{40,}/);
    } finally {
      relay.child.kill('SIGTERM');
      const [code] = (await once(relay.child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(relay.log.map((l) => l.msg)).toContain('closed');
    }
  });
});
