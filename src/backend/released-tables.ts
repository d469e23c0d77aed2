import { OtelArrowError } from '../errors.js';

/** What a call on released tables (BackendTables.release) throws, on every backend. */
export function releasedTables(): never {
  throw new OtelArrowError('UNSUPPORTED', 'these tables were released (BackendTables.release): a node must not use tables after releasing them');
}
