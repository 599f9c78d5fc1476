/**
 * spec/threat-model.md names, for every property, the test that checks it.
 * This keeps those names honest: every referenced test file exists, and every
 * quoted test title (after "›") occurs in a test file referenced on its line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const model = readFileSync(join(root, 'spec/threat-model.md'), 'utf8');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? testFiles(p) : p.endsWith('.test.ts') ? [relative(root, p)] : [];
  });
}

const all = testFiles(join(root, 'test'));

function resolve(ref: string): string[] {
  return ref.startsWith('test/') ? all.filter((f) => f === ref) : all.filter((f) => basename(f) === basename(ref));
}

/** Test titles are written in the spec as prefixes, sometimes ending in "…". */
function normalise(title: string): string {
  return title.replace(/^(…|\.\.\.)|(…|\.\.\.)$/gu, '').replace(/\\"/g, '"').trim();
}

describe('spec/threat-model.md', () => {
  const lines = model.split('\n');
  const refs = [...model.matchAll(/[\w./-]+\.test\.ts/g)].map((m) => m[0]);

  it('names existing test files', () => {
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect(resolve(ref), ref).not.toEqual([]);
  });

  it('quotes test titles that exist in the files it names', () => {
    let checked = 0;
    const missing: string[] = [];
    let lastFiles: string[] = [];
    for (const line of lines) {
      const files = [...line.matchAll(/[\w./-]+\.test\.ts/g)].flatMap((m) => resolve(m[0]));
      if (files.length > 0) lastFiles = files;
      const arrow = line.indexOf('›');
      if (arrow < 0) continue;
      const titles = [...line.slice(arrow).matchAll(/"([^"]+)"/g)].map((m) => normalise(m[1] as string));
      const sources = (files.length > 0 ? files : lastFiles).map((f) => readFileSync(join(root, f), 'utf8').replace(/\\'/g, "'"));
      for (const title of titles) {
        if (!sources.some((s) => s.includes(title))) missing.push(`"${title}" in ${(files.length > 0 ? files : lastFiles).join(', ')}`);
        checked++;
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });
});
