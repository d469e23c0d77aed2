// Reads one Arrow IPC stream delivered in chunks (OTAP: one ArrowPayload.record each),
// keeping the schema and the dictionary memo across chunks. Returned arrays may view the
// chunk's bytes (zero-copy), so a chunk must not change while they are in use; what the
// reader keeps for later chunks (dictionaries) is copied, so the chunk's memory may be
// reused once its batches are done with (a receiver's pooled message buffers).

import { sliceArrayData } from '../arrow/array-data.js';
import { GrowingDictionaries } from '../arrow/growing-array.js';
import type { ArrayData, Field, RecordBatch, Schema } from '../arrow/types.js';
import { asOtelArrowError, OtelArrowError } from '../errors.js';
import { plainBytes } from '../plain-bytes.js';
import { loadColumns } from './array-loader.js';
import type { BodyDecompressor } from './compression.js';
import { dictionaryFieldsById } from './dictionary-fields.js';
import type { BatchHeader } from './flatbuf/message-parser.js';
import { malformed } from './flatbuf/table-reader.js';
import { DEFAULT_MAX_MESSAGE_BYTES, readMessages } from './message-reader.js';

export interface IpcStreamReaderOptions {
  /** Replaces the built-in zstd decompressor (node:zlib). */
  decompressor?: BodyDecompressor;
  /** Cap on one message's metadata + body, and on what its body may decompress to. */
  maxMessageBytes?: number;
}

export class IpcStreamReader {
  private currentSchema: Schema | undefined;
  private dictionaryFields = new Map<number, Field>();
  private readonly dictionaries = new Map<number, ArrayData>();
  /** Dictionaries that deltas extended, held with room to grow in place. */
  private readonly growing = new GrowingDictionaries();
  private ended = false;
  private readonly decompressor: BodyDecompressor | undefined;
  private readonly maxMessageBytes: number;

  constructor(options: IpcStreamReaderOptions = {}) {
    this.decompressor = options.decompressor;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  get schema(): Schema | undefined {
    return this.currentSchema;
  }

  /** True once an end-of-stream marker was read. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Decodes every message in `chunk`; throws OtelArrowError on any malformed input. */
  read(chunk: Uint8Array): RecordBatch[] {
    try {
      return this.readChunk(plainBytes(chunk));
    } catch (err) {
      throw asOtelArrowError(err, 'MALFORMED_IPC');
    }
  }

  private readChunk(chunk: Uint8Array): RecordBatch[] {
    if (this.ended && chunk.length > 0) malformed('data after the end-of-stream marker');
    const batches: RecordBatch[] = [];
    for (const item of readMessages(chunk, this.maxMessageBytes)) {
      if (item === 'eos') {
        this.ended = true;
        break;
      }
      const { header, body } = item;
      switch (header.type) {
        case 'schema':
          // A new Schema starts a new stream: earlier dictionaries no longer apply.
          this.currentSchema = header.schema;
          this.dictionaryFields = dictionaryFieldsById(header.schema);
          this.dictionaries.clear();
          this.growing.clear();
          break;
        case 'dictionary':
          this.readDictionary(header.id, header.isDelta, header.batch, body);
          break;
        case 'recordBatch': {
          const schema = this.currentSchema ?? malformed('record batch before the schema');
          const columns = loadColumns(schema.fields, header.batch, body, this.context());
          batches.push({ schema, length: header.batch.length, columns });
          break;
        }
      }
    }
    return batches;
  }

  private readDictionary(id: number, isDelta: boolean, batch: BatchHeader, body: Uint8Array): void {
    if (!this.currentSchema) malformed('dictionary batch before the schema');
    const field = this.dictionaryFields.get(id) ?? malformed(`dictionary batch for unknown id ${id}`);
    const valueField: Field = { name: field.name, type: field.type, nullable: true };
    const [values] = loadColumns([valueField], batch, body, this.context());
    if (!values) throw new OtelArrowError('MALFORMED_IPC', 'empty dictionary batch');
    const previous = this.dictionaries.get(id);
    if (!isDelta || !previous) {
      this.growing.forget(id);
      // Copied: `values` views the message, whose buffer the caller may reuse once read()
      // returns (a receiver's pooled buffers), and later batches read this dictionary.
      this.dictionaries.set(id, sliceArrayData(values, 0, values.length));
      return;
    }
    this.dictionaries.set(id, this.growing.extend(id, previous, values));
  }

  private context() {
    return { dictionaries: this.dictionaries, decompressor: this.decompressor, budget: { left: this.maxMessageBytes } };
  }
}
