/**
 * fast-check settings shared by every property test.
 *
 * In CI (CI=true) the seed is fixed so a run is reproducible; elsewhere it is
 * fresh each run to explore more. FC_SEED=<n> replays a given seed. fast-check
 * prints the seed and the shrunk counterexample path on failure; we also print
 * the seed once per file so a log always shows it.
 */
import fc from 'fast-check';

const FIXED_SEED = 20261122;

export const FC_SEED: number = process.env['FC_SEED'] !== undefined
  ? Number(process.env['FC_SEED'])
  : process.env['CI'] === 'true' ? FIXED_SEED : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

let announced = false;

export function fcParams<T>(numRuns: number, extra: Partial<fc.Parameters<T>> = {}): fc.Parameters<T> {
  if (!announced) {
    announced = true;
    console.log(`fast-check seed: ${FC_SEED} (replay with FC_SEED=${FC_SEED})`);
  }
  return { seed: FC_SEED, numRuns, endOnFailure: false, ...extra };
}

/**
 * Settings for a scenario property whose run takes seconds (real clients and relay processes): each run is bounded
 * by `timeout`, and the first failure ends it unshrunk. Shrinking reruns the scenario dozens of times, each up to
 * `timeout`, so it cannot finish inside the test's own timeout, which would then report a timeout instead of the
 * failure; the counterexample, the seed and the path to replay it are printed as they are.
 */
export function scenarioParams<T>(numRuns: number, timeout: number): fc.Parameters<T> {
  return fcParams<T>(numRuns, { timeout, endOnFailure: true });
}
