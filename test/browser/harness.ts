/**
 * Browser-test plumbing: esbuild bundles a test entry for platform "browser"
 * (a Node-only import fails the build), a loopback HTTP server serves it, and
 * Debian's Chromium runs it through playwright-core. Locally the tests skip
 * when /usr/bin/chromium is absent; in CI (CI=true) they always run (.ci/run
 * installs chromium). Never downloads a browser.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Run the browser tests here? Always in CI; locally when Chromium is installed. */
export const browserAvailable = existsSync(CHROMIUM) || process.env['CI'] === 'true';

export async function bundle(entry: string, options: { minify?: boolean } = {}): Promise<string> {
  const out = await build({
    entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, logLevel: 'silent',
    minify: options.minify === true,
  });
  return out.outputFiles[0]!.text;
}

const root = new URL('../..', import.meta.url).pathname;
const PACKAGE_ENTRIES: Record<string, string> = { parley: 'src/index.ts', 'parley/browser': 'src/browser/index.ts' };

/** Bundles module source that imports 'parley' and 'parley/browser' as an app would (resolved to src/). */
export async function bundleAppSource(contents: string): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: root, loader: 'js' }, bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, logLevel: 'silent',
    plugins: [{
      name: 'parley-package',
      setup: (b) => b.onResolve({ filter: /^parley(\/|$)/ }, (args) => {
        const entry = PACKAGE_ENTRIES[args.path];
        return entry === undefined ? { errors: [{ text: `${args.path} is not an entry point of parley` }] } : { path: `${root}${entry}` };
      }),
    }],
  });
  return out.outputFiles[0]!.text;
}

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `files` (path → [content type, body]) on 127.0.0.1 (a secure context: Web Locks and WebCrypto work); anything else gets `/`. */
export async function serve(files: Record<string, readonly [string, string]>): Promise<Served> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split(/[?#]/)[0]!;
    const [type, body] = files[path] ?? files['/']!;
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A page that loads one module script. */
export const modulePage = (script: string): readonly [string, string] => [
  'text/html', `<!doctype html><meta charset="utf-8"><title>parley test</title><script type="module" src="${script}"></script>`,
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
