import { defineConfig } from 'vitest/config';

/** Suites that move data through a codec backend: they run once per backend. */
const BACKEND_SUITES = ['test/transport/**/*.test.ts', 'test/bridge/**/*.test.ts', 'test/cli/**/*.test.ts'];
const BACKENDS = ['native', 'wasm', 'js'] as const;

export default defineConfig({
  test: {
    // Builds dist/ once for the suites that run the built package (test/cli, bridge, package).
    globalSetup: ['test/support/build-dist.ts'],
    // Names any test that blocks its worker long enough to risk vitest's 60 s RPC deadline.
    setupFiles: ['test/support/event-loop-guard.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Two cores on CI: keep workers few so heavy property tests do not starve each other.
    // --expose-gc: the memory tests collect before they sample (test/backend/memory.test.ts).
    poolOptions: { forks: { maxForks: 2, minForks: 1, execArgv: ['--expose-gc'] } },
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'core', include: ['test/**/*.test.ts'], exclude: BACKEND_SUITES } },
      // OTEL_ARROW_BACKEND picks the backend the receiver, exporter, bridge and CLI load,
      // in the test workers and in the `otap` processes they start.
      ...BACKENDS.map((backend) => ({
        extends: true as const,
        test: { name: `backend-${backend}`, include: BACKEND_SUITES, env: { OTEL_ARROW_BACKEND: backend } },
      })),
    ],
  },
});
