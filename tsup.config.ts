import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'cli/main': 'src/cli/main.ts',
    'sdk/index': 'src/sdk/index.ts',
    'sdk/register': 'src/sdk/register.ts',
    // Loaded by path as a worker (src/backend/wasm-encoder-thread.ts), never imported.
    'backend/wasm-encoder-worker': 'src/backend/wasm-encoder-worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', 'sdk/index': 'src/sdk/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node22',
  // An optional dependency with platform binaries: loaded at run time, never bundled.
  external: ['@duckdb/node-api'],
});
