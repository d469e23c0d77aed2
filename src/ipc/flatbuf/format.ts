// Numeric constants from Arrow's format/Schema.fbs and format/Message.fbs (enum values,
// union tags and table slot numbers) used by the hand-written builders and parsers.

/** Message.fbs MetadataVersion: V4 = 3, V5 = 4. */
export const METADATA_V4 = 3;
export const METADATA_V5 = 4;

/** Message.fbs union MessageHeader. */
export const HeaderType = {
  None: 0,
  Schema: 1,
  DictionaryBatch: 2,
  RecordBatch: 3,
  Tensor: 4,
  SparseTensor: 5,
} as const;

/** Schema.fbs union Type (only the tags we name; others are rejected as unsupported). */
export const TypeTag = {
  None: 0,
  Null: 1,
  Int: 2,
  FloatingPoint: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Timestamp: 10,
  List: 12,
  Struct: 13,
  FixedSizeBinary: 15,
  Duration: 18,
} as const;

export const PRECISION_DOUBLE = 2;
export const TIME_UNIT_NANOSECOND = 3;
/** Duration.unit defaults to MILLISECOND in Schema.fbs; Timestamp.unit to SECOND. */
export const DURATION_UNIT_DEFAULT = 1;
export const ENDIANNESS_LITTLE = 0;

/** Message.fbs CompressionType. */
export const CompressionCodec = {
  Lz4Frame: 0,
  Zstd: 1,
} as const;

/** Table slot numbers (field ids in declaration order; a union takes two slots). */
export const Slot = {
  Message: { version: 0, headerType: 1, header: 2, bodyLength: 3, customMetadata: 4 },
  Schema: { endianness: 0, fields: 1, customMetadata: 2, features: 3 },
  Field: { name: 0, nullable: 1, typeType: 2, type: 3, dictionary: 4, children: 5, customMetadata: 6 },
  KeyValue: { key: 0, value: 1 },
  DictionaryEncoding: { id: 0, indexType: 1, isOrdered: 2, dictionaryKind: 3 },
  Int: { bitWidth: 0, isSigned: 1 },
  FloatingPoint: { precision: 0 },
  FixedSizeBinary: { byteWidth: 0 },
  Timestamp: { unit: 0, timezone: 1 },
  Duration: { unit: 0 },
  RecordBatch: { length: 0, nodes: 1, buffers: 2, compression: 3, variadicBufferCounts: 4 },
  BodyCompression: { codec: 0, method: 1 },
  DictionaryBatch: { id: 0, data: 1, isDelta: 2 },
} as const;

/** FieldNode {length: long, null_count: long} and Buffer {offset: long, length: long}. */
export const STRUCT_16_BYTES = 16;
