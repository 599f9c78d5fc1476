/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per
 * function and per file, top entries first, and time per function group
 * (a relay's: ws framing, msgpack, token checks, store, socket I/O…).
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

/**
 * Function groups, tried on each sample's stack from the innermost frame out: the first frame that
 * matches names the group (a native write under ws counts as socket I/O, a Buffer copy under ws as
 * ws). Node's other internals (buffers, promises, timers) match nothing and count for their caller.
 */
const GROUPS: ReadonlyArray<readonly [string, (fn: string, url: string) => boolean]> = [
  ['GC', (fn) => fn === '(garbage collector)'],
  ['idle', (fn) => fn === '(idle)'],
  ['module loading (startup)', (_, url) => url.startsWith('node:internal/modules') || url.includes('/node_modules/tsx/')],
  ['socket I/O (syscalls)', (fn, url) => /^(writev|writeBuffer|writeUtf8String|onStreamRead)$/.test(fn) || /^node:(net|internal\/stream_base_commons)/.test(url)],
  ['storage thread messages', (fn, url) => fn === 'postMessage' || fn === 'receiveMessageOnPort' || url.startsWith('node:internal/worker') || url.includes('messageport')],
  ['store (SQLite, proxy)', (_, url) => url.includes('/relay/store/') || url.includes('better-sqlite3')],
  ['ws framing', (_, url) => url.includes('/node_modules/ws/')],
  ['msgpack and frame codecs', (_, url) => url.includes('@msgpack') || url.includes('/src/wire/')],
  ['auth and token checks (hashing)', (_, url) => url.includes('@noble') || url.includes('/src/crypto/') || url.includes('/relay/auth')],
  ['rate limits', (_, url) => /\/relay\/(limiter|rate-limit|admission)/.test(url)],
  ['metrics and logging', (_, url) => url.includes('prom-client') || url.includes('pino') || url.includes('/relay/metrics')],
  ['relay logic', (_, url) => url.includes('/relay/')],
  ['other JS', (_, url) => url.startsWith('file:')],
];

/** Not the relay's work: left out of the shares, reported in percent of the whole profile. */
const APART = ['idle', 'module loading (startup)'];

/** Self time per function group (GROUPS) in percent of the relay's work (everything but APART), then APART in percent of the profile. */
export function groupShares(profile: Profile): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const shares = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    let group = 'native and node internals, unattributed';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      const hit = frame === undefined ? undefined : GROUPS.find(([, match]) => match(frame.functionName, frame.url));
      if (hit !== undefined) {
        group = hit[0];
        break;
      }
    }
    shares.set(group, (shares.get(group) ?? 0) + dt);
  });
  const apart = APART.map((g): [string, number] => [`${g} (of the whole profile)`, (100 * (shares.get(g) ?? 0)) / total]);
  const work = total - APART.reduce((sum, g) => sum + (shares.get(g) ?? 0), 0);
  for (const g of APART) shares.delete(g);
  const busy = [...shares.entries()].map(([g, v]): [string, number] => [g, (100 * v) / work]).sort((a, b) => b[1] - a[1]);
  return [...busy, ...apart];
}

const [file, top] = process.argv.slice(2);
if (file !== undefined) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const groups = groupShares(profile).map(([g, p]) => `${p.toFixed(1).padStart(5)}%  ${g}`);
  process.stdout.write(`${summarize(profile, Number(top ?? 30))}\n\nself time by function group:\n${groups.join('\n')}\n`);
}
