// The least any lossless exporter can send per span of bench/sdk's workload: the span and
// trace ids the SDK draws at random, alone, compressed as hard as zstd can (they do not
// shrink). A wire-bytes target below this figure cannot be met by any encoding.
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';

interface IdGenerator { generateTraceId(): string; generateSpanId(): string }

/** Bytes per span of zstd -19 over the ids of `requests` requests of `spansPerRequest` spans. */
export function idBytesPerSpan(spansPerRequest: number, requests = 50_000): number {
  const require = createRequire(import.meta.url);
  const fromSdk = createRequire(require.resolve('@opentelemetry/sdk-node'));
  const { RandomIdGenerator } = fromSdk('@opentelemetry/sdk-trace') as { RandomIdGenerator: new () => IdGenerator };
  const ids = new RandomIdGenerator();
  const traceIds = Buffer.alloc(requests * 16);
  const spanIds = Buffer.alloc(requests * spansPerRequest * 8);
  for (let r = 0; r < requests; r++) {
    traceIds.write(ids.generateTraceId(), r * 16, 'hex');
    for (let s = 0; s < spansPerRequest; s++) spanIds.write(ids.generateSpanId(), (r * spansPerRequest + s) * 8, 'hex');
  }
  const zstd19 = (b: Buffer) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 19 } }).length;
  return (zstd19(traceIds) + zstd19(spanIds)) / (requests * spansPerRequest);
}
