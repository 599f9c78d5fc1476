/**
 * The web chat's files: web/index.html with the relay's URL in a meta tag, and
 * web/app.ts bundled by esbuild for browsers. Used by `npm run web` and the
 * Playwright test.
 */
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

export type PageFiles = Record<string, readonly [contentType: string, body: string]>;

export async function buildPage(relayUrl: string, options: { minify?: boolean } = {}): Promise<PageFiles> {
  const out = await build({
    entryPoints: [new URL('./app.ts', import.meta.url).pathname],
    bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, logLevel: 'silent',
    minify: options.minify ?? true, sourcemap: 'inline', sourcesContent: true,
  });
  const escaped = relayUrl.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8').replace('RELAY_URL', escaped);
  return { '/': ['text/html; charset=utf-8', html], '/app.js': ['text/javascript', out.outputFiles[0]!.text] };
}
