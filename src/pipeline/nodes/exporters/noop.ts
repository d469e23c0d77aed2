// exporter:noop — accepts and acks every batch (a sink for tests and benchmarks).
import { noConfig } from '../../config/field-types.js';
import type { ExporterFactory } from '../../engine/node-api.js';

export const noopExporter: ExporterFactory = {
  type: 'exporter:noop',
  usesArrowForm: false,
  reads: 'none',
  doneWhenAnswered: true,
  description: 'acks and discards every batch',
  config: noConfig,
  create: (_config, ctx) => ({ export: (pdata) => ctx.ack(pdata) }),
};
