/**
 * A/B of the end-to-end client path (issue 18): the client processes of two
 * source trees, interleaved in one run against one relay, so that the noise
 * of a shared machine falls on both alike. For each round and each tree: a
 * fresh pair, unpipelined messages with CPU per message in every process,
 * optionally an offline catch-up, then one open-loop run per offered rate.
 *
 *   git archive <base> | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/
 *   npx tsx bench/e2e-ab.ts /tmp/base . [node|noble] [memory|sqlite] [rounds] [perRep] [rate,…] [catch-up messages]
 *
 * The relay is the first tree's (so a client change is measured alone).
 * Small sizes by default: it is a tool for a change in progress, not a
 * section of RESULTS.md.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PeerProcess as PeerProcessType } from './e2e-child.js';
import type { LoadRunner as LoadRunnerType } from './e2e-load.js';
import type { Rig } from './e2e-measure.js';
import type {
  closePair as ClosePair, measureCatchUp as MeasureCatchUp, measureUnpipelined as MeasureUnpipelined, openPair as OpenPair,
} from './e2e-pair.js';
import type { ProviderName, StoreKind } from './e2e-protocol.js';
import type { BenchRelay as BenchRelayType } from './e2e-relay.js';

interface Tree {
  readonly label: string;
  readonly PeerProcess: typeof PeerProcessType;
  readonly LoadRunner: typeof LoadRunnerType;
  readonly openPair: typeof OpenPair;
  readonly closePair: typeof ClosePair;
  readonly measureUnpipelined: typeof MeasureUnpipelined;
  readonly measureCatchUp: typeof MeasureCatchUp;
}

async function loadTree(root: string): Promise<Tree> {
  const at = (file: string): string => pathToFileURL(resolve(root, 'bench', file)).href;
  const child = await import(at('e2e-child.ts')) as typeof import('./e2e-child.js');
  const load = await import(at('e2e-load.ts')) as typeof import('./e2e-load.js');
  const pair = await import(at('e2e-pair.ts')) as typeof import('./e2e-pair.js');
  return { label: root, PeerProcess: child.PeerProcess, LoadRunner: load.LoadRunner, ...pair };
}

const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

async function round(tree: Tree, rig: Rig, name: string, store: StoreKind, perRep: number, rates: readonly number[], catchUp: number): Promise<string[]> {
  const lines: string[] = [];
  const pair = await tree.openPair(rig, name, store, 20);
  const u = await tree.measureUnpipelined(rig, pair, 1, perRep);
  lines.push(`${tree.label} unpipelined ×${perRep}: p50 ${ms(u.latency.p50)} p95 ${ms(u.latency.p95)} p99 ${ms(u.latency.p99)} ms; `
    + `cpu/msg sender ${ms(u.cpu.sender.median)} receiver ${ms(u.cpu.receiver.median)} relay ${ms(u.cpu.relayAboveIdle.median)} ms; failures ${JSON.stringify(u.failures)}`);
  if (catchUp > 0) {
    const c = await tree.measureCatchUp(rig, pair, catchUp, 100, 120_000);
    lines.push(`${tree.label} catch-up ${catchUp}: open → last event ${ms(c.catchUp.elapsedMs)} ms (${c.catchUp.received} received), `
      + `sending them ${ms(c.sendMs)} ms; failures ${JSON.stringify(c.failures)}`);
  }
  await tree.closePair(rig, pair);
  const runner = new tree.LoadRunner(rig, `${name}-load`, store, { durationMs: 2_000, minMessages: 100, drainMs: 2_000 });
  try {
    for (const rate of rates) {
      const r = await runner.run(rate).catch((e: unknown) => e instanceof Error ? e : new Error(String(e)));
      if (r instanceof Error) {
        lines.push(`${tree.label} open loop ${rate}/s: failed: ${r.message}`);
        break;
      }
      lines.push(`${tree.label} open loop ${rate}/s: delivered ${r.delivered}/${r.offered} p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} ms; `
        + `lag ${ms(r.maxLagMs)} ms; failures ${JSON.stringify(r.failures)}`);
    }
  } finally {
    await runner.close();
  }
  return lines;
}

async function main(): Promise<void> {
  const [a, b, provider = 'node', store = 'memory', rounds = '2', perRep = '200', rates = '200,1000', catchUp = '0'] = process.argv.slice(2);
  if (a === undefined || b === undefined) throw new Error('usage: e2e-ab.ts <tree A> <tree B> [provider] [store] [rounds] [perRep] [rates]');
  // B = '-': tree A alone (to profile it).
  const trees = b === '-' ? [await loadTree(a)] : [await loadTree(a), await loadTree(b)];
  const { BenchRelay } = await import(pathToFileURL(resolve(a, 'bench', 'e2e-relay.ts')).href) as { BenchRelay: typeof BenchRelayType };
  const relay = await BenchRelay.start();
  const processes: PeerProcessType[] = [];
  try {
    const rigs: Rig[] = [];
    for (const [i, t] of trees.entries()) {
      const start = async (side: string): Promise<PeerProcessType> => {
        const p = await t.PeerProcess.start(`ab${i}-${side}`, provider as ProviderName, relay.url);
        processes.push(p);
        return p;
      };
      rigs.push({ relay, sender: await start('s'), receiver: await start('r') });
    }
    const rateList = rates.split(',').filter((r) => r !== '').map(Number);
    for (let r = 0; r < Number(rounds); r++) {
      for (const [i, t] of trees.entries()) {
        const lines = await round(t, rigs[i] as Rig, `ab${i}-${r}`, store as StoreKind, Number(perRep), rateList, Number(catchUp));
        for (const line of lines) process.stdout.write(`round ${r} ${line}\n`);
      }
    }
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await relay.stop();
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
