/**
 * The browser entry's size (issue 13 budget: ≤ 60 KB gzip): what a web app
 * ships when it imports Client from 'parley' and IndexedDbStore from
 * 'parley/browser' — bundled and minified by esbuild for browsers with code
 * splitting on (as Vite, webpack and esbuild --splitting do), gzip level 9.
 * The client imports some features on first use (src/client/features.ts:
 * groups and channels, files and stickers, invitations): each becomes a chunk.
 * The budget is on the entry — the entry file and every chunk it imports
 * statically, each gzipped on its own as a browser fetches it; the total of
 * every chunk is printed beside it.
 * Each part of the tree gets the bytes it contributes to the entry's minified
 * files and its gzip share: what leaving its bytes out of those files saves
 * (found through the source maps). Gzip shares context across parts, so the
 * shares do not add up exactly to the total.
 * A second build with the post-quantum modules stubbed out gives their share
 * of the entry (the goal was set before the PQ ratchet; see RESULTS.md).
 * `npm run size` prints it; `npm run bench` records it in bench/RESULTS.md.
 */
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';

export const BUNDLE_GOAL_GZIP = 60 * 1024;

export interface BundlePart {
  /** A src/ directory or an npm package. */
  readonly name: string;
  readonly minified: number;
  /** Gzip bytes saved if the part's minified bytes were left out. */
  readonly gzip: number;
}

/** One output file of the build. */
export interface BundleChunk {
  /** The largest parts it holds, largest first. */
  readonly holds: string;
  readonly minified: number;
  readonly gzip: number;
}

export interface BundleSize {
  /** The entry: the entry file and the chunks it imports statically (each gzipped on its own, summed). */
  readonly minified: number;
  readonly gzip: number;
  /** The entry's parts, largest gzip share first. */
  readonly parts: readonly BundlePart[];
  /** The chunks loaded on first use of a feature (dynamic imports), largest first. */
  readonly lazy: readonly BundleChunk[];
  /** Every file of the build, eager and lazy. */
  readonly total: { readonly minified: number; readonly gzip: number };
  /** The source files whose code is in the entry (paths from the repository root). */
  readonly entryInputs: readonly string[];
  /** The entry's gzip size with the post-quantum code stubbed out (withoutPostQuantum). */
  readonly withoutPq: number;
}

const ENTRY = "export { Client } from './src/index.ts';\nexport { IndexedDbStore } from './src/browser/index.ts';\n";

function partOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m !== null) return m[1]!;
  const [top, sub] = path.replace(/^(\.\.\/)+/, '').split('/');
  return sub === undefined || !sub.includes('.') ? `${top}/${sub ?? ''}`.replace(/\/$/, '') : top!;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The source map's segments as [offset in the output, source index], in output order (source map v3, base64 VLQ). */
function segments(code: string, mappings: string): [number, number][] {
  const out: [number, number][] = [];
  let lineStart = 0;
  let source = 0;
  for (const line of mappings.split(';')) {
    let column = 0;
    for (const segment of line.split(',').filter((x) => x !== '')) {
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const digit = BASE64.indexOf(ch);
        value += (digit & 31) << shift;
        if ((digit & 32) !== 0) shift += 5;
        else {
          fields.push((value & 1) === 1 ? -(value >>> 1) : value >>> 1);
          value = shift = 0;
        }
      }
      column += fields[0]!;
      if (fields.length > 1) source += fields[1]!;
      out.push([lineStart + column, source]);
    }
    lineStart = code.indexOf('\n', lineStart) + 1;
  }
  return out;
}

/** Each part's minified bytes, and its gzip share: gzip(all) − gzip(all but the part's bytes). */
function partsOf(code: string, map: { sources: string[]; mappings: string }, gzip: number): BundlePart[] {
  const owner = new Array<string>(code.length).fill('(esbuild glue)');
  const segs = segments(code, map.mappings);
  segs.forEach(([start, source], i) => owner.fill(partOf(map.sources[source]!), start, segs[i + 1]?.[0] ?? code.length));
  return [...new Set(owner)].map((name) => {
    let rest = '';
    for (let i = 0; i < code.length; i++) if (owner[i] !== name) rest += code[i];
    return { name, minified: Buffer.byteLength(code) - Buffer.byteLength(rest), gzip: gzip - gzipSync(rest, { level: 9 }).length };
  }).sort((a, b) => b.gzip - a.gzip);
}

interface Output { readonly code: string; readonly map: { sources: string[]; mappings: string }; readonly gzip: number; readonly inputs: Record<string, { bytesInOutput: number }> }

/** The entry's files: the entry and, transitively, what it imports statically (esbuild's metafile). */
function eagerFiles(outputs: Metafile['outputs']): Set<string> {
  const entry = Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined)!;
  const eager = new Set<string>([entry]);
  for (const file of eager) for (const i of outputs[file]!.imports) if (i.kind === 'import-statement') eager.add(i.path);
  return eager;
}

function holdsOf(o: Output): string {
  const bytes = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(o.inputs)) bytes.set(partOf(path), (bytes.get(partOf(path)) ?? 0) + bytesInOutput);
  return [...bytes].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([name]) => name).join(', ');
}

function sum(parts: readonly BundlePart[][]): BundlePart[] {
  const by = new Map<string, { minified: number; gzip: number }>();
  for (const p of parts.flat()) {
    const s = by.get(p.name) ?? { minified: 0, gzip: 0 };
    by.set(p.name, { minified: s.minified + p.minified, gzip: s.gzip + p.gzip });
  }
  return [...by].map(([name, s]) => ({ name, ...s })).sort((a, b) => b.gzip - a.gzip);
}

/**
 * The published package declares `"sideEffects": false` (packages/parley/package.json), so an app's bundler
 * leaves out a module nothing uses even where its top level calls a function; the repository's own
 * package.json does not declare it for src/, so it is given here to what resolves into src/.
 */
export function asPublished(src: string): Plugin {
  return {
    name: 'as-published',
    setup(b) {
      b.onResolve({ filter: /^\./ }, async (args) => {
        if (args.pluginData === 'as-published') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'as-published' });
        return r.errors.length === 0 && r.path.startsWith(src) ? { path: r.path, sideEffects: false } : undefined;
      });
    },
  };
}

/** The modules of the post-quantum parts: ML-KEM (PQXDH's ML-KEM-1024, the PQ ratchet's ML-KEM-768) and the PQ ratchet. */
const POST_QUANTUM = /src\/(crypto\/mlkem|ratchet\/pq\/[\w-]+)\.ts$/;

/**
 * Replaces each post-quantum module by functions that throw, under the same export names, so the bundle holds
 * neither them nor the @noble code only they reach: what the entry would weigh without post-quantum protection.
 * A measurement only (the result runs no session).
 */
function withoutPostQuantum(): Plugin {
  return {
    name: 'without-post-quantum',
    setup(b) {
      b.onLoad({ filter: POST_QUANTUM }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const names = [...source.matchAll(/^export (?:const|function|class) (\w+)/gm)].map((m) => m[1]!);
        return { contents: names.map((n) => `export const ${n} = () => { throw new Error('stub'); };`).join('\n'), loader: 'ts' };
      });
    },
  };
}

function bundleOf(root: string, plugins: Plugin[]) {
  return build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts' }, absWorkingDir: root, outdir: `${root}bundle`, sourcemap: 'external', splitting: true, metafile: true,
    plugins: [...plugins, asPublished(`${root}src/`)],
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, legalComments: 'none', logLevel: 'silent',
  });
}

/** The gzip size of the entry's files (each on its own). */
function entryGzip(out: Awaited<ReturnType<typeof bundleOf>>, root: string): number {
  const eager = eagerFiles(out.metafile.outputs);
  return out.outputFiles.filter((f) => eager.has(f.path.slice(root.length))).reduce((n, f) => n + gzipSync(f.text, { level: 9 }).length, 0);
}

export async function measureBundle(): Promise<BundleSize> {
  const root = new URL('..', import.meta.url).pathname;
  const out = await bundleOf(root, []);
  const rel = (path: string): string => path.slice(root.length);
  const files = new Map<string, Output>();
  for (const f of out.outputFiles.filter((x) => x.path.endsWith('.js'))) {
    const map = JSON.parse(out.outputFiles.find((x) => x.path === `${f.path}.map`)!.text) as Output['map'];
    files.set(rel(f.path), { code: f.text, map, gzip: gzipSync(f.text, { level: 9 }).length, inputs: out.metafile.outputs[rel(f.path)]!.inputs });
  }
  const eager = eagerFiles(out.metafile.outputs);
  const all = [...files.values()];
  const entry = [...eager].map((k) => files.get(k)!);
  const size = (list: Output[]): { minified: number; gzip: number } =>
    ({ minified: list.reduce((n, o) => n + Buffer.byteLength(o.code), 0), gzip: list.reduce((n, o) => n + o.gzip, 0) });
  return {
    ...size(entry),
    parts: sum(entry.map((o) => partsOf(o.code, o.map, o.gzip))),
    lazy: [...files].filter(([k]) => !eager.has(k)).map(([, o]) => ({ holds: holdsOf(o), ...size([o]) })).sort((a, b) => b.gzip - a.gzip),
    total: size(all),
    entryInputs: [...new Set(entry.flatMap((o) => Object.keys(o.inputs).filter((k) => o.inputs[k]!.bytesInOutput > 0)))],
    withoutPq: entryGzip(await bundleOf(root, [withoutPostQuantum()]), root),
  };
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

export function bundleSection(s: BundleSize): string {
  const verdict = s.gzip <= BUNDLE_GOAL_GZIP ? 'within' : 'over';
  const lazy = s.lazy.length === 0 ? '' : `
Loaded on first use of a feature (dynamic imports; ${kb(s.total.gzip)} gzip for every file of the build, entry included):

| chunk (largest parts) | minified | gzip |
|---|---|---|
${s.lazy.map((c) => `| ${c.holds} | ${kb(c.minified)} | ${kb(c.gzip)} |`).join('\n')}
`;
  return `**Entry ${kb(s.gzip)} gzip** (${kb(s.minified)} minified): ${verdict} the ${kb(BUNDLE_GOAL_GZIP)} goal.
Post-quantum code (src/crypto/mlkem.ts: ML-KEM-1024 for PQXDH, ML-KEM-768 for the PQ ratchet; src/ratchet/pq/) is ${kb(s.gzip - s.withoutPq)} of it: the entry with those modules stubbed out is ${kb(s.withoutPq)}.

| part (entry) | minified | gzip share |
|---|---|---|
${s.parts.map((p) => `| ${p.name} | ${kb(p.minified)} | ${kb(p.gzip)} |`).join('\n')}
${lazy}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(bundleSection(await measureBundle()));
}
