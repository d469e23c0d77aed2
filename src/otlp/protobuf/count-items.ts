// Items (spans, log records, metric data points) of an OTLP Export*ServiceRequest counted
// from its protobuf bytes: the walk reads only the framing of the messages on the way to the
// items, builds no objects, and fails like the object decoder on broken framing there.
import { OtelArrowError } from '../../errors.js';
import type { Signal } from '../model.js';
import { messageInfo, WireReader } from '../../proto/wire-reader.js';

const LEN = 2;
const OPAQUE = messageInfo('(any)', {});

/** Field numbers from the request down to the repeated item field: resource_* (1),
 *  scope_* (2), spans / log_records / metrics (2). */
const ITEM_PATH = [1, 2, 2] as const;

/** Metric.data oneof: gauge 5, sum 7, histogram 9, exponential_histogram 10, summary 11;
 *  each holds its points as field 1. */
const METRIC_DATA_FIELDS = new Set([5, 7, 9, 10, 11]);

/**
 * Number of spans / log records / metric data points in OTLP protobuf `bytes` (the same
 * figure as countItems() on the decoded request). Throws OtelArrowError MALFORMED_PROTOBUF
 * when the framing on the way is broken.
 */
export function countOtlpItems(signal: Signal, bytes: Uint8Array): number {
  const r = new WireReader(bytes);
  try {
    return walk(r, signal, 0);
  } catch (err) {
    if (err instanceof OtelArrowError) throw err;
    throw new OtelArrowError('MALFORMED_PROTOBUF', `malformed OTLP ${signal} request: ${(err as Error).message}`, { cause: err });
  }
}

function walk(r: WireReader, signal: Signal, depth: number): number {
  const want = ITEM_PATH[depth]!;
  const last = depth === ITEM_PATH.length - 1;
  let n = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag >>> 3 !== want) {
      r.skip(tag, OPAQUE);
      continue;
    }
    if ((tag & 7) !== LEN) throw new OtelArrowError('MALFORMED_PROTOBUF', `field ${want} has wire type ${tag & 7}, expected 2`);
    if (last && signal !== 'metrics') {
      r.pos = r.lengthEnd();
      n++;
      continue;
    }
    const outer = r.enter();
    n += last ? metricPoints(r) : walk(r, signal, depth + 1);
    r.pos = r.limit;
    r.leave(outer);
  }
  return n;
}

/** Data points of one Metric (the reader is inside it). The data oneof's last occurrence
 *  wins, as in the object decoder. */
function metricPoints(r: WireReader): number {
  let n = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (!METRIC_DATA_FIELDS.has(tag >>> 3) || (tag & 7) !== LEN) {
      r.skip(tag, OPAQUE);
      continue;
    }
    const outer = r.enter();
    n = 0;
    while (r.pos < r.limit) {
      const t = r.tag();
      if (t >>> 3 === 1 && (t & 7) === LEN) n++;
      r.skip(t, OPAQUE);
    }
    r.leave(outer);
  }
  return n;
}
