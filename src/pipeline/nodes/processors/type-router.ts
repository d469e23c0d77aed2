// processor:type_router — sends each batch to the output port named after its signal
// (logs, metrics, traces) when wired, else to the default output; with neither, the batch is
// dropped (counted, and acked so its sender is answered). When the route is full it nacks
// (retryable) by default, or waits with `admission_policy.on_full: backpressure`.
import { z } from 'zod';
import { nodeConfig } from '../../config/field-types.js';
import type { ProcessorFactory } from '../../engine/node-api.js';
import { admissionPolicy, sendToRoute } from './route-send.js';

const routerConfig = nodeConfig(z.strictObject({
  admission_policy: admissionPolicy,
}));

export const typeRouterProcessor: ProcessorFactory<z.output<typeof routerConfig>> = {
  type: 'processor:type_router',
  usesArrowForm: false,
  reads: 'none',
  doneWhenAnswered: true,
  description: 'routes batches to the logs / metrics / traces output ports',
  config: routerConfig,
  create(config, ctx) {
    let warned = false;
    return {
      async process(pdata) {
        const port = ctx.ports.includes(pdata.signal) ? pdata.signal : ctx.ports.includes('default') ? 'default' : undefined;
        if (port === undefined) {
          ctx.metrics.dropped++;
          if (!warned) {
            warned = true;
            ctx.logger.warn(`no route for ${pdata.signal}: wire ${ctx.nodeId}["${pdata.signal}"] or a default output; such batches are dropped (counted as dropped)`);
          }
          ctx.ack(pdata);
          return;
        }
        await sendToRoute(ctx, pdata, port, config.admission_policy);
      },
    };
  },
};
