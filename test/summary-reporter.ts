/**
 * Ends every vitest run with one plain line, `N passed, N failed, N skipped`,
 * which CI tooling that does not know vitest's own summary can read.
 *
 * The line must never say less than the truth: a file that failed outside
 * its tests (an import error, a failing beforeAll that left its tests
 * skipped, an error after the tests) counts as one failure even though none
 * of its tests did, and so does every unhandled error.
 */
import type { Reporter, TestModule } from 'vitest/node';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function countModule(module: TestModule, into: Counts): void {
  let failedHere = 0;
  for (const test of module.children.allTests()) {
    const state = test.result().state;
    if (state === 'passed') into.passed++;
    else if (state === 'failed') failedHere++;
    else into.skipped++;
  }
  const moduleFailed = module.state() === 'failed' || module.errors().length > 0;
  into.failed += failedHere > 0 ? failedHere : moduleFailed ? 1 : 0;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts: Counts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const module of testModules) countModule(module, counts);
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
