/**
 * Every `§n` / `§n.m` cited in a comment of src/ or relay/ names a section
 * that exists, in the spec file it means: the file named just before it on
 * the same line (protocol.md, relay.md, client.md, test-vectors.md,
 * threat-model.md), else the spec file the module first names (its header),
 * else spec/protocol.md. Citations of an RFC are not ours to check.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const SPEC_FILES = ['protocol', 'relay', 'client', 'test-vectors', 'threat-model'] as const;
type Spec = (typeof SPEC_FILES)[number];

function sections(spec: Spec): Set<string> {
  const text = readFileSync(join(root, 'spec', `${spec}.md`), 'utf8');
  return new Set([...text.matchAll(/^#{1,6} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1] as string));
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

/** [file:line, spec, section] for every citation in the file. */
function citations(file: string): [string, Spec, string][] {
  const text = readFileSync(file, 'utf8');
  const named = /(protocol|relay|client|test-vectors|threat-model)\.md/.exec(text);
  const fallback: Spec = (named?.[1] as Spec | undefined) ?? 'protocol';
  const out: [string, Spec, string][] = [];
  text.split('\n').forEach((line, i) => {
    let current: Spec | 'external' = fallback;
    for (const m of line.matchAll(/(RFC ?\d+)|(protocol|relay|client|test-vectors|threat-model)\.md|§(\d+(?:\.\d+)*)/g)) {
      if (m[1] !== undefined) current = 'external';
      else if (m[2] !== undefined) current = m[2] as Spec;
      else if (current !== 'external') out.push([`${file.slice(root.length)}:${i + 1}`, current, m[3] as string]);
    }
  });
  return out;
}

describe('section references in comments', () => {
  const known = new Map(SPEC_FILES.map((s) => [s, sections(s)]));
  const all = [...sources(join(root, 'src')), ...sources(join(root, 'relay'))].flatMap(citations);

  it('finds the citations (the scan works)', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  it('every cited section exists in the spec file it names', () => {
    const missing = all.filter(([, spec, section]) => !known.get(spec)?.has(section)).map(([where, spec, section]) => `${where}: ${spec}.md §${section}`);
    expect(missing).toEqual([]);
  });
});
