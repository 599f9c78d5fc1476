/** The closing line never says less than the truth (test/summary-reporter.ts). */
import { describe, expect, it, vi } from 'vitest';
import type { TestModule } from 'vitest/node';
import SummaryReporter from '../summary-reporter.js';

function fakeModule(state: string, tests: string[], errors = 0): TestModule {
  return {
    state: () => state,
    errors: () => Array(errors).fill(new Error('x')),
    children: { allTests: () => tests.map((s) => ({ result: () => ({ state: s }) })) },
  } as unknown as TestModule;
}

function line(modules: TestModule[], unhandled: unknown[] = []): string {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    new SummaryReporter().onTestRunEnd(modules, unhandled);
    return String(write.mock.calls[0]?.[0]).trim();
  } finally {
    write.mockRestore();
  }
}

describe('summary reporter', () => {
  it('counts tests by state', () => {
    expect(line([fakeModule('passed', ['passed', 'passed', 'skipped']), fakeModule('failed', ['failed', 'passed'])])).toBe('3 passed, 1 failed, 1 skipped');
  });

  it('counts a file that failed before its tests ran (a failing beforeAll, an import error) as a failure', () => {
    expect(line([fakeModule('failed', ['skipped', 'skipped'])])).toBe('0 passed, 1 failed, 2 skipped');
    expect(line([fakeModule('failed', [])])).toBe('0 passed, 1 failed, 0 skipped');
    expect(line([fakeModule('passed', ['passed'], 1)])).toBe('1 passed, 1 failed, 0 skipped');
  });

  it('counts unhandled errors', () => {
    expect(line([fakeModule('passed', ['passed'])], [new Error('late')])).toBe('1 passed, 1 failed, 0 skipped');
  });
});
