// Writes one Arrow IPC stream as OTAP chunks: the first chunk holds the Schema, the
// dictionaries and one RecordBatch; later chunks only the dictionary changes (delta or
// replacement) and one RecordBatch. No chunk carries the end-of-stream marker.

import { emptyArrayData } from '../arrow/array-data.js';
import type { RecordBatch, Schema } from '../arrow/types.js';
import type { BodyCompressor } from './compression.js';
import { findDictionaries } from './dictionary-fields.js';
import { DictionaryTracker } from './dictionary-tracker.js';
import { ChunkAssembler, MessageWriter } from './message-writer.js';

export interface IpcStreamWriterOptions {
  compression?: BodyCompressor;
}

export class IpcStreamWriter {
  private readonly messages: MessageWriter;
  private readonly dictionaries = new DictionaryTracker();
  private schemaSent = false;

  constructor(
    private readonly streamSchema: Schema,
    options: IpcStreamWriterOptions = {},
  ) {
    this.messages = new MessageWriter(options.compression);
  }

  get schema(): Schema {
    return this.streamSchema;
  }

  /** Encodes one batch (with the schema's layout) as the next chunk of the stream. */
  write(batch: RecordBatch): Uint8Array {
    const out = new ChunkAssembler();
    const fields = this.streamSchema.fields;
    if (!this.schemaSent) this.messages.writeSchema(out, this.streamSchema);
    const commits: (() => void)[] = [];
    for (const { id, field, data } of findDictionaries(fields, batch.columns)) {
      // No dictionary attached (e.g. an empty column): keep what the reader has; a reader
      // that has nothing yet still needs one, so it gets an empty dictionary.
      if (!data && this.dictionaries.has(id)) continue;
      const update = this.dictionaries.update(id, data ?? emptyArrayData(field.type));
      if (update.kind === 'unchanged') continue;
      this.messages.writeDictionaryBatch(out, id, update.kind === 'delta', field, update.data);
      commits.push(update.commit);
    }
    this.messages.writeRecordBatch(out, fields, batch.columns, batch.length);
    const chunk = out.finish();
    // State changes only once the whole chunk exists, so a failed write() changes nothing.
    this.schemaSent = true;
    for (const commit of commits) commit();
    return chunk;
  }
}
