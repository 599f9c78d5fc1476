/**
 * The order test files start in: the long ones first (real relay processes, browsers, packed tarballs, properties
 * over many runs), so that the two workers finish together instead of one running a 40-second scenario alone at
 * the end. Vitest orders by the durations of the previous run when it has them (a developer's machine); a clean
 * clone (CI) has none, and started the slowest scenarios last. Within each rank, Vitest's own order stands.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Ranked first to last; measured in CI at 10–50 s a file, where most others take under 5. */
const LONG = [
  /\/test\/scenario\//, /\/test\/browser\//, /\/test\/relay\/(durability|multi-node)\.test\.ts$/, /\/test\/property\//, /\/test\/package\//,
];

function rank(spec: TestSpecification): number {
  const i = LONG.findIndex((re) => re.test(spec.moduleId));
  return i < 0 ? LONG.length : i;
}

export default class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    return base.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}
