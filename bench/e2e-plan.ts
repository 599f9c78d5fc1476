/**
 * What the end-to-end bench runs, and its sizes: every workload for every
 * provider / client store, except the 50-member group, which the default
 * plan runs with the node provider only (20–40 s a configuration on 2 cores:
 * the whole matrix took 303 s at a load average of 6, the default 194–265 s
 * at 3–8).
 * `npx tsx bench/e2e.ts --full` runs the group on every configuration too.
 */
import type { GroupResult } from './e2e-group.js';
import type { LoadOptions, LoadRun, Saturation } from './e2e-load.js';
import type { CatchUpResult, FirstContactResult, UnpipelinedResult } from './e2e-pair.js';
import type { ProviderName, StoreKind } from './e2e-protocol.js';

export interface E2eConfig {
  readonly provider: ProviderName;
  readonly store: StoreKind;
}

export interface E2ePlan {
  readonly configs: readonly E2eConfig[];
  /** Messages the measured pair sends before anything is timed. */
  readonly warmUp: number;
  readonly unpipelined: { readonly reps: number; readonly perRep: number };
  readonly firstContactReps: number;
  /** Offered rates (msgs/s) of the open-loop runs, ascending. */
  readonly rates: readonly number[];
  readonly load: LoadOptions;
  readonly catchUp: { readonly messages: number; readonly window: number; readonly timeoutMs: number; readonly configs: readonly E2eConfig[] };
  readonly group: { readonly receivers: number; readonly warmUp: number; readonly messages: number; readonly configs: readonly E2eConfig[] };
}

const ALL: readonly E2eConfig[] = [
  { provider: 'noble', store: 'memory' },
  { provider: 'noble', store: 'sqlite' },
  { provider: 'node', store: 'memory' },
  { provider: 'node', store: 'sqlite' },
];

export const DEFAULT_PLAN: E2ePlan = {
  configs: ALL,
  warmUp: 20,
  unpipelined: { reps: 3, perRep: 100 },
  firstContactReps: 5,
  rates: [10, 50, 100, 200],
  load: { durationMs: 3_000, minMessages: 100, drainMs: 2_000 },
  catchUp: { messages: 1_000, window: 100, timeoutMs: 120_000, configs: ALL },
  group: { receivers: 49, warmUp: 3, messages: 30, configs: ALL.filter((c) => c.provider === 'node') },
};

/** The default plan with the group on every configuration. */
export const FULL_PLAN: E2ePlan = { ...DEFAULT_PLAN, group: { ...DEFAULT_PLAN.group, configs: ALL } };

/** A workload that could not run, with why. */
export interface Failed {
  readonly failed: string;
}

export interface E2eResult {
  readonly config: E2eConfig;
  readonly unpipelined: UnpipelinedResult | Failed;
  readonly firstContact: FirstContactResult | Failed;
  readonly load: { readonly runs: readonly LoadRun[]; readonly saturation: Saturation } | Failed;
  /** undefined: not in the plan for this configuration. */
  readonly catchUp: CatchUpResult | Failed | undefined;
  readonly group: GroupResult | Failed | undefined;
}

export function inPlan(configs: readonly E2eConfig[], c: E2eConfig): boolean {
  return configs.some((x) => x.provider === c.provider && x.store === c.store);
}

export interface E2eRun {
  readonly plan: E2ePlan;
  readonly results: readonly E2eResult[];
  readonly seconds: number;
  /** The relay's CPU with no client connected (ms per second). */
  readonly relayIdleMsPerSecond: number;
  /** 1-minute load averages at the start and the end. */
  readonly loadBefore: number;
  readonly loadAfter: number;
}
