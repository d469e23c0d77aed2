// Streams processed by processor:attribute and processor:filter in the Rust core (native and
// wasm) still decode in the Go reference consumer: the Go producer's logs stream is read into
// held tables, attributes renamed / upserted / inserted, 2/3 of the records filtered out, the
// result forwarded as one outgoing stream; the Go consumer's decode equals the oracles'
// answer on the Go producer's own OTLP batches.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeAttributeActions } from '../../src/backend/attribute-actions-bytes.js';
import { encodeFilterRules } from '../../src/backend/filter-rules-bytes.js';
import { loadBackend } from '../../src/backend/index.js';
import { TelemetryBatch } from '../../src/batch/telemetry-batch.js';
import { decodeOtlp, encodeOtlp } from '../../src/otlp/signal-codec.js';
import { parseAttributeConfig } from '../../src/pipeline/nodes/processors/attribute.js';
import { parseFilterConfig } from '../../src/pipeline/nodes/processors/filter.js';
import { oracle } from '../support/attribute-oracle.js';
import { filterOracle } from '../support/filter-oracle.js';
import { goDecode, goEqual, goGen, hasGo, readFramedBars, writeFramedBars } from './go-peer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'go-processors-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ACTIONS = { actions: [
  { action: 'rename', source_key: 'hostname', destination_key: 'host.name' },
  { action: 'upsert', key: 'status', value: 'checked' },
  { action: 'insert', key: 'env', value: 'prod' },
  { action: 'delete', key: 'up' },
] };
const FILTER = { logs: { exclude: { severity_number: { min: 13, match_undefined: true } } } };

describe.skipIf(!hasGo())('the Go consumer reads streams processed by attribute and filter', () => {
  for (const name of ['native', 'wasm'] as const) {
    it(`${name}: Go producer -> held tables -> rename/upsert/insert/delete -> filter -> Go consumer`, async () => {
      const backend = await loadBackend(name);
      const dir = (d: string) => path.join(tmp, `${name}-${d}`);
      const gen = await goGen({ signal: 'logs', batches: 4, batchSize: 60, seed: 7, out: dir('gen') });
      const actions = encodeAttributeActions(parseAttributeConfig(ACTIONS));
      const filter = backend.createFilter!(encodeFilterRules(parseFilterConfig(FILTER).logs!));
      const receiver = backend.createDecoder();
      const exporter = backend.createEncoder();
      const out: Uint8Array[] = [];
      fs.mkdirSync(dir('want'));
      let kept = 0;
      for (const [i, bar] of readFramedBars(path.join(dir('gen'), 'go.bars')).entries()) {
        const held = receiver.decodeTables!(bar)!;
        const processed = filter.apply(backend.transformAttributes!(held, actions)!)!;
        const source = decodeOtlp('logs', fs.readFileSync(path.join(dir('gen'), `otlp-${String(i).padStart(4, '0')}.pb`)));
        const want = filterOracle('logs', oracle('logs', source, {
          applyTo: { signal: true, resource: false, scope: false }, rename: { hostname: 'host.name' }, delete: ['up'],
          insert: { env: { type: 'string', value: 'prod' } }, upsert: { status: { type: 'string', value: 'checked' } }, update: {}, hash: {},
        }), undefined, { regexp: false, severityNumber: [13, true] });
        expect(processed.itemCount()).toBe(TelemetryBatch.fromRequest('logs', want).itemCount);
        if (processed.itemCount() === 0) continue;
        kept += processed.itemCount();
        fs.writeFileSync(path.join(dir('want'), `otlp-${String(out.length).padStart(4, '0')}.pb`), encodeOtlp('logs', want));
        out.push(exporter.encodeTables!(processed)!);
      }
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(gen.items);
      writeFramedBars(dir('ours.bars'), out);
      const dec = await goDecode({ signal: 'logs', in: dir('ours.bars'), out: dir('dec') });
      expect(dec.items).toBe(kept);
      expect((await goEqual({ signal: 'logs', a: dir('want'), b: dir('dec') })).equal).toBe(true);
    }, 600_000);
  }
});
