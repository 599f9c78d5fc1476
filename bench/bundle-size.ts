/**
 * The browser entry's size (issue 13 budget: ≤ 60 KB gzip): what a web app
 * ships when it imports Client from 'parley' and IndexedDbStore from
 * 'parley/browser' — bundled and minified by esbuild for browsers, gzip level
 * 9 — with the bytes each part of the tree contributes to the minified file.
 * `npm run size` prints it; `npm run bench` records it in bench/RESULTS.md.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const BUNDLE_GOAL_GZIP = 60 * 1024;

export interface BundleSize {
  readonly minified: number;
  readonly gzip: number;
  /** [part, minified bytes], largest first: a src/ directory or an npm package. */
  readonly parts: ReadonlyArray<readonly [string, number]>;
}

const ENTRY = "export { Client } from './src/index.ts';\nexport { IndexedDbStore } from './src/browser/index.ts';\n";

function partOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m !== null) return m[1]!;
  const [top, sub] = path.split('/');
  return sub === undefined || !sub.includes('.') ? `${top}/${sub ?? ''}`.replace(/\/$/, '') : top!;
}

export async function measureBundle(): Promise<BundleSize> {
  const root = new URL('..', import.meta.url).pathname;
  const out = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, metafile: true, legalComments: 'none', logLevel: 'silent',
  });
  const bytes = out.outputFiles[0]!.contents;
  const parts = new Map<string, number>();
  for (const [path, input] of Object.entries(Object.values(out.metafile.outputs)[0]!.inputs)) {
    parts.set(partOf(path), (parts.get(partOf(path)) ?? 0) + input.bytesInOutput);
  }
  return { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, parts: [...parts].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]) };
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

export function bundleSection(s: BundleSize): string {
  const verdict = s.gzip <= BUNDLE_GOAL_GZIP ? 'within' : 'over';
  return `**${kb(s.gzip)} gzip** (${kb(s.minified)} minified): ${verdict} the ${kb(BUNDLE_GOAL_GZIP)} goal.

| part | minified |
|---|---|
${s.parts.map(([p, n]) => `| ${p} | ${kb(n)} |`).join('\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(bundleSection(await measureBundle()));
}
