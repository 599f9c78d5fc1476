/**
 * The browser entry's size (issue 13 budget: ≤ 60 KB gzip): what a web app
 * ships when it imports Client from 'parley' and IndexedDbStore from
 * 'parley/browser' — bundled and minified by esbuild for browsers, gzip level
 * 9 — with the bytes each part of the tree contributes to the minified file
 * and to the gzip file. A part's gzip share is what leaving its bytes out of
 * the minified file saves (found through the source map): gzip shares context
 * across parts, so the shares do not add up exactly to the total.
 * `npm run size` prints it; `npm run bench` records it in bench/RESULTS.md.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const BUNDLE_GOAL_GZIP = 60 * 1024;

export interface BundlePart {
  /** A src/ directory or an npm package. */
  readonly name: string;
  readonly minified: number;
  /** Gzip bytes saved if the part's minified bytes were left out. */
  readonly gzip: number;
}

export interface BundleSize {
  readonly minified: number;
  readonly gzip: number;
  /** Largest gzip share first. */
  readonly parts: readonly BundlePart[];
}

const ENTRY = "export { Client } from './src/index.ts';\nexport { IndexedDbStore } from './src/browser/index.ts';\n";

function partOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m !== null) return m[1]!;
  const [top, sub] = path.split('/');
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

export async function measureBundle(): Promise<BundleSize> {
  const root = new URL('..', import.meta.url).pathname;
  const out = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts' }, outfile: `${root}bundle.js`, sourcemap: 'external',
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, legalComments: 'none', logLevel: 'silent',
  });
  const code = out.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const map = JSON.parse(out.outputFiles.find((f) => f.path.endsWith('.map'))!.text) as { sources: string[]; mappings: string };
  const gzip = gzipSync(code, { level: 9 }).length;
  return { minified: Buffer.byteLength(code), gzip, parts: partsOf(code, map, gzip) };
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

export function bundleSection(s: BundleSize): string {
  const verdict = s.gzip <= BUNDLE_GOAL_GZIP ? 'within' : 'over';
  return `**${kb(s.gzip)} gzip** (${kb(s.minified)} minified): ${verdict} the ${kb(BUNDLE_GOAL_GZIP)} goal.

| part | minified | gzip share |
|---|---|---|
${s.parts.map((p) => `| ${p.name} | ${kb(p.minified)} | ${kb(p.gzip)} |`).join('\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(bundleSection(await measureBundle()));
}
