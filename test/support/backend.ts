// The codec backend the transport, bridge and CLI suites run on. vitest.config.ts runs those
// suites once per backend (projects backend-native, backend-wasm, backend-js), setting
// OTEL_ARROW_BACKEND, which the receiver, exporter, bridge and CLI load by default.
import { loadBackend } from '../../src/backend/index.js';
import type { Backend, BackendOption } from '../../src/backend/types.js';

export const TEST_BACKEND = (process.env.OTEL_ARROW_BACKEND || 'auto') as BackendOption;

/** The backend of this run (OTEL_ARROW_BACKEND, else auto). */
export function testBackend(): Promise<Backend> {
  return loadBackend(TEST_BACKEND);
}
