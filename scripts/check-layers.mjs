#!/usr/bin/env node
// The layering rule of the house (README §Layering), checked on every `npm test`:
//   crypto ← wire ← identity, handshake, ratchet, group, file ← session ← store ← client (file: crypto and wire only)
//   linking (the provisioning channel, spec §12.4) sits beside handshake: crypto, wire and identity (device lists)
//   relay/ → src/wire and src/crypto only
//   only src/crypto imports @noble/*; no node:* (or Node builtin) import in src/ outside src/node/
//   src/wire (wire/client included) never imports src/client (the 'wire' row below)
//   inside src/client only index.ts imports the facade client.ts: the rooms never reach back into it
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { builtinModules } from 'node:module';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const layerOf = {
  crypto: 0, wire: 1, identity: 2, handshake: 2, ratchet: 2, group: 2, file: 2, linking: 2, session: 3, store: 4, client: 5, node: 6, browser: 6, testing: 6,
};
// Which src/ layers a given src/ layer may import (besides the root files errors.ts, constants.ts).
const allowed = {
  crypto: [],
  wire: ['crypto'],
  identity: ['crypto', 'wire'],
  handshake: ['crypto', 'wire', 'identity'],
  ratchet: ['crypto', 'wire'],
  group: ['crypto', 'wire', 'identity'],
  linking: ['crypto', 'wire', 'identity'],
  session: ['crypto', 'wire', 'identity', 'handshake', 'ratchet', 'group'],
  store: ['crypto', 'wire'],
  file: ['crypto', 'wire'],
  client: ['crypto', 'wire', 'identity', 'handshake', 'ratchet', 'group', 'session', 'store', 'file', 'linking'],
  node: ['crypto', 'wire', 'identity', 'handshake', 'ratchet', 'group', 'session', 'store', 'file', 'client', 'linking'],
  // 'parley/browser': the IndexedDB store (a Store built on src/store and src/crypto, like src/node's SQLite store).
  browser: ['crypto', 'wire', 'store'],
  // 'parley/testing': helpers over the protocol layers; nothing in the library imports it.
  testing: ['crypto', 'wire', 'identity', 'handshake', 'ratchet', 'group', 'session', 'linking'],
};
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function* files(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

function imports(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  let m;
  while ((m = re.exec(text)) !== null) out.push(m[1] ?? m[2]);
  return out;
}

const problems = [];
for (const file of files(join(root, 'src'))) {
  const rel = relative(join(root, 'src'), file);
  const layer = rel.includes('/') ? rel.split('/')[0] : null;
  for (const spec of imports(file)) {
    if (spec.startsWith('@noble/') && layer !== 'crypto' && layer !== 'node') problems.push(`${rel}: imports ${spec} (only src/crypto may)`);
    if (builtins.has(spec) && layer !== 'node') problems.push(`${rel}: imports Node builtin ${spec} (only src/node may)`);
    if (!spec.startsWith('.')) continue;
    const target = relative(join(root, 'src'), resolve(dirname(file), spec));
    if (target.startsWith('..')) { problems.push(`${rel}: imports outside src/ (${spec})`); continue; }
    if (target.startsWith('testing/') && layer !== 'testing') problems.push(`${rel}: the library imports test helpers (${spec})`);
    if (target === 'client/client.js' && layer === 'client' && rel !== 'client/index.ts') {
      problems.push(`${rel}: a client room imports the facade client.ts (${spec})`);
    }
    const targetLayer = target.includes('/') ? target.split('/')[0] : null;
    if (layer === null || targetLayer === null || targetLayer === layer) continue;
    if (!(layer in allowed)) { problems.push(`${rel}: unknown layer ${layer}`); continue; }
    if (!allowed[layer].includes(targetLayer)) problems.push(`${rel}: ${layer} may not import ${targetLayer} (${spec})`);
  }
}
for (const file of files(join(root, 'relay'))) {
  const rel = relative(root, file);
  for (const spec of imports(file)) {
    if (!spec.startsWith('.')) continue;
    const target = relative(root, resolve(dirname(file), spec));
    if (!target.startsWith('src/')) continue;
    const ok = /^src\/(wire|crypto)\//.test(target) || target === 'src/errors.js' || target === 'src/constants.js';
    if (!ok) problems.push(`${rel}: the relay is blind and may import only src/wire and src/crypto (${spec})`);
  }
}
if (problems.length > 0) {
  console.error(`Layering violations (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layering: ok');
