// Pipeline and node metrics in the Prometheus text exposition format (version 0.0.4).
import type { EngineSummary } from '../engine/engine.js';
import type { NodeMetrics } from '../engine/node-metrics.js';

const NODE_COUNTERS: Array<[keyof NodeMetrics, string, string]> = [
  ['batchesIn', 'otap_node_batches_in_total', 'Batches the node received.'],
  ['itemsIn', 'otap_node_items_in_total', 'Items (spans, log records, data points) the node received.'],
  ['bytesIn', 'otap_node_bytes_in_total', 'Bytes of the batches the node received.'],
  ['batchesOut', 'otap_node_batches_out_total', 'Batches the node sent downstream.'],
  ['itemsOut', 'otap_node_items_out_total', 'Items the node sent downstream.'],
  ['bytesOut', 'otap_node_bytes_out_total', 'Bytes of the batches the node sent downstream.'],
  ['refused', 'otap_node_refused_total', 'Batches refused at admission (memory limit, shutdown) or by a full route.'],
  ['dropped', 'otap_node_dropped_total', 'Batches discarded on purpose (no route).'],
  ['itemsDiscarded', 'otap_node_items_discarded_total', 'Items the node\'s configuration removed (filtered or sampled out).'],
  ['failed', 'otap_node_failed_total', 'Receivers: admitted batches that ended in a nack.'],
  ['acks', 'otap_node_acks_total', 'Batches the node acked.'],
  ['nacks', 'otap_node_nacks_total', 'Batches the node nacked.'],
  ['errors', 'otap_node_errors_total', 'Exceptions thrown by the node.'],
];

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function prometheusText(summary: EngineSummary, process: { rss: number; heapUsed: number; uptimeSeconds: number }): string {
  const out: string[] = [];
  const family = (name: string, help: string, type: 'counter' | 'gauge', rows: Array<[string, number]>): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) out.push(`${name}${labels} ${value}`);
  };
  const nodeLabels = (p: string, inst: number, id: string, urn: string): string => `{pipeline="${esc(p)}",instance="${inst}",node="${esc(id)}",urn="${esc(urn)}"}`;
  for (const [key, name, help] of NODE_COUNTERS) {
    family(name, help, 'counter', summary.pipelines.flatMap((p) => p.nodes.map((n) => [nodeLabels(p.pipeline, p.instance, n.id, n.urn), n.metrics[key]] as [string, number])));
  }
  family('otap_node_queue_depth', 'Batches waiting in the node\'s input channel.', 'gauge',
    summary.pipelines.flatMap((p) => p.nodes.filter((n) => n.capacity > 0).map((n) => [nodeLabels(p.pipeline, p.instance, n.id, n.urn), n.queued] as [string, number])));
  family('otap_node_queue_capacity', 'Capacity of the node\'s input channel.', 'gauge',
    summary.pipelines.flatMap((p) => p.nodes.filter((n) => n.capacity > 0).map((n) => [nodeLabels(p.pipeline, p.instance, n.id, n.urn), n.capacity] as [string, number])));
  const pl = (p: EngineSummary['pipelines'][number]) => `{pipeline="${esc(p.pipeline)}",instance="${p.instance}"}`;
  family('otap_pipeline_memory_bytes', 'Bytes of batches the pipeline holds (counted from batch sizes).', 'gauge', summary.pipelines.map((p) => [pl(p), p.memory.inUse]));
  family('otap_pipeline_memory_peak_bytes', 'Peak of otap_pipeline_memory_bytes.', 'gauge', summary.pipelines.map((p) => [pl(p), p.memory.peak]));
  family('otap_pipeline_memory_limit_bytes', 'The pipeline\'s memory limit.', 'gauge', summary.pipelines.map((p) => [pl(p), p.memory.limit]));
  family('otap_pipeline_memory_refusals_total', 'Batches refused because of the memory limit.', 'counter', summary.pipelines.map((p) => [pl(p), p.memory.refusals]));
  family('process_resident_memory_bytes', 'Resident set size of the process.', 'gauge', [['', process.rss]]);
  family('nodejs_heap_used_bytes', 'V8 heap in use.', 'gauge', [['', process.heapUsed]]);
  family('process_uptime_seconds', 'Seconds since the engine started.', 'gauge', [['', process.uptimeSeconds]]);
  return `${out.join('\n')}\n`;
}
