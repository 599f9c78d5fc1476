/**
 * The end-to-end cost bench (issue 18): a message through client → relay →
 * client, with the relay (the CLI, durable SQLite) and each client process
 * separate, on loopback, through the public client API only. For each crypto
 * provider and client store: unpipelined latency with CPU per message in
 * every process, open-loop latency at fixed offered rates, the saturation
 * rate, the first message to a new contact, offline catch-up and a 50-member
 * group (bench/e2e-plan.ts says which configurations run which).
 *
 * `npx tsx bench/e2e.ts [--full]` runs it alone and prints the tables;
 * `npm run bench` (bench/run.ts) runs it as a section of bench/RESULTS.md.
 * Failures are counted in the tables, never thrown; every process is stopped
 * at the end, also on failure.
 */
import { attempt as attemptPart } from './harness.js';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { PeerProcess } from './e2e-child.js';
import { measureGroup } from './e2e-group.js';
import { LoadRunner, searchSaturation, type LoadRun } from './e2e-load.js';
import type { Rig } from './e2e-measure.js';
import { closePair, measureCatchUp, measureFirstContact, measureUnpipelined, openPair } from './e2e-pair.js';
import { DEFAULT_PLAN, FULL_PLAN, inPlan, type E2eConfig, type E2ePlan, type E2eResult, type E2eRun, type Failed } from './e2e-plan.js';
import type { ProviderName } from './e2e-protocol.js';
import { BenchRelay } from './e2e-relay.js';
import { configLabel, e2eMethod, e2eTables } from './e2e-report.js';
import { machine } from './machine.js';


type Log = (line: string) => void;

/** Runs `f`; a throw becomes a Failed cell. */
function attempt<T>(log: Log, what: string, f: () => Promise<T>): Promise<T | Failed> {
  return attemptPart(log, what, f, (failed): Failed => ({ failed }));
}

async function loadRuns(rig: Rig, name: string, config: E2eConfig, plan: E2ePlan): Promise<E2eResult['load']> {
  const runner = new LoadRunner(rig, name, config.store, plan.load);
  try {
    const runs: LoadRun[] = [];
    for (const rate of plan.rates) runs.push(await runner.run(rate));
    return { runs, saturation: await searchSaturation(runner, runs) };
  } finally {
    await runner.close();
  }
}

/** Every workload of one configuration; the 1:1 workloads on `rig`, the group on `groupRig`. */
async function runConfig(rig: Rig, groupRig: Rig | undefined, config: E2eConfig, plan: E2ePlan, log: Log): Promise<E2eResult> {
  const name = `${config.provider}-${config.store}`;
  log(`  ${configLabel(config)}`);
  const pair = await attempt(log, 'pair', () => openPair(rig, name, config.store, plan.warmUp));
  const onPair = <T>(f: (p: Exclude<typeof pair, Failed>) => Promise<T>): (() => Promise<T>) =>
    () => ('failed' in pair ? Promise.reject(new Error(`no pair: ${pair.failed}`)) : f(pair));
  const unpipelined = await attempt(log, 'unpipelined', onPair((p) => measureUnpipelined(rig, p, plan.unpipelined.reps, plan.unpipelined.perRep)));
  const firstContact = await attempt(log, 'first contact', onPair((p) => measureFirstContact(rig, p, plan.firstContactReps)));
  const load = await attempt(log, 'open loop and saturation', () => loadRuns(rig, name, config, plan));
  const catchUp = inPlan(plan.catchUp.configs, config)
    ? await attempt(log, 'catch-up', onPair((p) => measureCatchUp(rig, p, plan.catchUp.messages, plan.catchUp.window, plan.catchUp.timeoutMs)))
    : undefined;
  if (!('failed' in pair)) await attempt(log, 'closing the pair', () => closePair(rig, pair));
  const group = groupRig !== undefined && inPlan(plan.group.configs, config)
    ? await attempt(log, 'group', () => measureGroup(groupRig, name, config.store, plan.group))
    : undefined;
  return { config, unpipelined, firstContact, load, catchUp, group };
}

/** The client processes of one provider: sender, receiver, and the group members' process when a group runs on it. */
async function runProvider(relay: BenchRelay, provider: ProviderName, plan: E2ePlan, log: Log): Promise<E2eResult[]> {
  const processes: PeerProcess[] = [];
  const start = async (label: string): Promise<PeerProcess> => {
    const p = await PeerProcess.start(label, provider, relay.url);
    processes.push(p);
    return p;
  };
  try {
    const rig: Rig = { relay, sender: await start(`${provider}-sender`), receiver: await start(`${provider}-receiver`) };
    const configs = plan.configs.filter((c) => c.provider === provider);
    const groupRig = configs.some((c) => inPlan(plan.group.configs, c)) ? { ...rig, receiver: await start(`${provider}-members`) } : undefined;
    const results: E2eResult[] = [];
    for (const config of configs) results.push(await runConfig(rig, groupRig, config, plan, log));
    return results;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
  }
}

export async function runE2eBench(log: Log, plan: E2ePlan = DEFAULT_PLAN): Promise<E2eRun> {
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  const relay = await BenchRelay.start();
  // Interrupted: stop the relay (the client processes are killed on exit, bench/e2e-child.ts), then exit.
  const onSignal = (signal: NodeJS.Signals): void => {
    void relay.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const results: E2eResult[] = [];
    for (const provider of ['noble', 'node'] as const) {
      if (plan.configs.some((c) => c.provider === provider)) results.push(...await runProvider(relay, provider, plan, log));
    }
    return { plan, results, seconds: (performance.now() - started) / 1000, relayIdleMsPerSecond: relay.idleMsPerSecond, loadBefore, loadAfter: loadavg()[0] ?? 0 };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await relay.stop();
  }
}

async function main(): Promise<void> {
  const log: Log = (line) => process.stderr.write(`${line}\n`);
  const m = machine();
  log(`e2e bench: ${m.cpu} (${m.cores} cores), Node ${m.node}, load average ${m.loadAverage.toFixed(2)}`);
  const run = await runE2eBench(log, process.argv.includes('--full') ? FULL_PLAN : DEFAULT_PLAN);
  process.stdout.write(`\n${e2eTables(run.results, 3)}\n\n${e2eMethod(run)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(() => process.exit(0), (e: unknown) => {
    process.stderr.write(`e2e bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
