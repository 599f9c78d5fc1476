/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per
 * function and per file, top entries first.
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export function summarize(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (node === undefined) return;
    total += dt;
    const file = node.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench|relay)\//, '$1/') || '(native)';
    const fn = `${node.callFrame.functionName || '(anonymous)'}  ${file}:${node.callFrame.lineNumber + 1}`;
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + dt);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + dt);
  });
  // Inclusive time of Parley's own functions (src/), counted once per sample even under recursion.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (frame === undefined || !frame.url.includes('/src/')) continue;
      const fn = `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/^.*\/src\//, 'src/')}`;
      if (!seen.has(fn)) inclusive.set(fn, (inclusive.get(fn) ?? 0) + dt);
      seen.add(fn);
    }
  });
  const lines = (m: Map<string, number>): string[] => [...m.entries()]
    .sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  return [`total ${(total / 1000).toFixed(0)} ms`, '', 'self time by function:', ...lines(selfByFunction), '', 'self time by file:', ...lines(selfByFile), '', 'inclusive time, src/ functions:', ...lines(inclusive)].join('\n');
}

const [file, top] = process.argv.slice(2);
if (file !== undefined) {
  process.stdout.write(`${summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 30))}\n`);
}
