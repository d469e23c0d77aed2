import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once for the suites that run the built package (test/cli, bridge, package).
    globalSetup: ['test/support/build-dist.ts'],
    // Names any test that blocks its worker long enough to risk vitest's 60 s RPC deadline.
    setupFiles: ['test/support/event-loop-guard.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Two cores on CI: keep workers few so heavy property tests do not starve each other.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: 'forks',
  },
});
