// Helpers of the data lake tests: temporary lake directories, writing requests through a
// DatalakeWriter, and reading everything back as one OTLP request per signal.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Backend } from '../../src/backend/types.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { listFileSets, readFileSet } from '../../src/datalake/datalake-reader.js';
import { DatalakeWriter, type DatalakeWriterOptions } from '../../src/datalake/datalake-writer.js';
import type { Signal, SignalRequest } from '../../src/otlp/model.js';
import { decodeOtlp, mergeRequests } from '../../src/otlp/signal-codec.js';

export function tempLake(prefix = 'otap-lake-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function writeRequests<S extends Signal>(
  backend: Backend, signal: S, requests: readonly SignalRequest[S][], options: Omit<DatalakeWriterOptions, 'backend'>,
): Promise<DatalakeWriter> {
  const writer = new DatalakeWriter({ ...options, backend });
  await writer.recover();
  for (const r of requests) await writer.write(TelemetryBatch.fromRequest(signal, r, { backend }));
  await writer.flushAll();
  return writer;
}

/** Every committed set of `signal` read back (batches of at most `maxItems`), merged. */
export async function readBack<S extends Signal>(backend: Backend, base: string, signal: S, maxItems = 100): Promise<{ request: SignalRequest[S]; batches: number; sets: number }> {
  const sets = await listFileSets(base, [signal]);
  const requests: SignalRequest[S][] = [];
  for (const set of sets) {
    for (const t of await readFileSet(set, backend, maxItems)) requests.push(decodeOtlp(signal, t.toOtlp()));
  }
  return { request: mergeRequests(signal, requests), batches: requests.length, sets: sets.length };
}

/** Relative paths of the files under `base` (posix), sorted. */
export function filesUnder(base: string): string[] {
  return (fs.readdirSync(base, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(base, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}
