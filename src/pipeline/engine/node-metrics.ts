// Counters every node keeps; the admin endpoint exports them (Prometheus text and /status).

export interface NodeMetrics {
  batchesIn: number;
  itemsIn: number;
  bytesIn: number;
  batchesOut: number;
  itemsOut: number;
  bytesOut: number;
  /** Batches refused at admission (receivers: memory limit, shutting down). */
  refused: number;
  /** Batches dropped on purpose (e.g. a router with no route for the signal). */
  dropped: number;
  /** Items the node's configuration removed (filtered or sampled out): intended, not loss. */
  itemsDiscarded: number;
  /** Receivers: admitted batches that ended in a nack (the sender was told, or the data is lost). */
  failed: number;
  acks: number;
  nacks: number;
  /** Exceptions thrown by the node's code (each nacked its batch). */
  errors: number;
}

export function newNodeMetrics(): NodeMetrics {
  return { batchesIn: 0, itemsIn: 0, bytesIn: 0, batchesOut: 0, itemsOut: 0, bytesOut: 0, refused: 0, dropped: 0, itemsDiscarded: 0, failed: 0, acks: 0, nacks: 0, errors: 0 };
}
