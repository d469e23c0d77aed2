export { OtapReceiver } from './receiver.js';
export { permanent, StatusError } from './status.js';
export type {
  ConsumeFn, IngestContext, OtlpHttpPlugin, Protocol, ReceivedBatch, ReceiverOptions, ReceiverStats,
} from './types.js';
