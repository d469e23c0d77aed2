import { OtelArrowError } from '../errors.js';

/** What a call on released tables (BackendTables.release) throws, on every backend. */
export function releasedTables(): never {
  throw new OtelArrowError('UNSUPPORTED', 'these tables were released (BackendTables.release; a receiver with releaseAfterConsume releases a batch\'s tables when its consume() settles): use tables only while they are yours, and copy what you keep');
}
