// Parquet data lake: writer (exporter:parquet), reader (receiver:parquet), SQL with DuckDB.
export { DatalakeWriter, PART_ID_KEY, DEFAULT_ROW_GROUP_ROWS, DEFAULT_TARGET_ROWS_PER_FILE, type DatalakeWriterOptions, type DatalakeWriterStats } from './datalake-writer.js';
export { listFileSets, readFileSet, type FileSetRef } from './datalake-reader.js';
export { recoverDatalake, type RecoveryReport } from './recovery.js';
export { openLake, query, presentPayloads, type Lake, type QueryResult, type OpenLakeOptions } from './query.js';
export { formatResult, type ResultFormat } from './format-result.js';
export { payloadDir } from './layout.js';
