// Debug view of a chunk: which messages it holds, without decoding bodies.

import { asOtelArrowError } from '../errors.js';
import { readMessages } from './message-reader.js';

export interface MessageSummary {
  type: 'schema' | 'dictionary' | 'recordBatch';
  id?: number;
  isDelta?: boolean;
  /** Rows in the record batch (or in the dictionary batch's data). */
  length?: number;
}

export function listMessages(chunk: Uint8Array): MessageSummary[] {
  const out: MessageSummary[] = [];
  try {
    for (const item of readMessages(chunk, Number.MAX_SAFE_INTEGER)) {
      if (item === 'eos') break;
      const h = item.header;
      if (h.type === 'schema') out.push({ type: 'schema' });
      else if (h.type === 'dictionary') out.push({ type: 'dictionary', id: h.id, isDelta: h.isDelta, length: h.batch.length });
      else out.push({ type: 'recordBatch', length: h.batch.length });
    }
  } catch (err) {
    throw asOtelArrowError(err, 'MALFORMED_IPC');
  }
  return out;
}
