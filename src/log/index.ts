export { getLogger, setLogSink } from './logger.js';
export { thresholdOf } from './stderr-sink.js';
export type * from './types.js';
export { pinoSink, type LogFormat, type PinoSinkOptions } from './pino-sink.js';
