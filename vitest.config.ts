import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Property tests print their fast-check seed on failure; CI fixes it (test/property/fc.ts).
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    // Two files at once on CI's two cores (clean-clone CI: vitest 767 s with one worker, 495–567 s with two).
    maxWorkers: 2,
    globalSetup: ['./test/global-setup.ts'],
  },
});
