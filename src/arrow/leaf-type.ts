// Arrow types of the leaf kinds OTAP tables use (see otap/schema/column-spec.ts).
import type { LeafKind } from '../otap/schema/column-spec.js';
import type { DataType } from './types.js';

const UTC = 'UTC';

export function leafDataType(kind: LeafKind): DataType {
  switch (kind) {
    case 'u8': return { id: 'int', bitWidth: 8, signed: false };
    case 'u16': return { id: 'int', bitWidth: 16, signed: false };
    case 'u32': return { id: 'int', bitWidth: 32, signed: false };
    case 'u64': return { id: 'int', bitWidth: 64, signed: false };
    case 'i32': return { id: 'int', bitWidth: 32, signed: true };
    case 'i64': return { id: 'int', bitWidth: 64, signed: true };
    case 'f64': return { id: 'float64' };
    case 'bool': return { id: 'bool' };
    case 'utf8': return { id: 'utf8' };
    case 'binary': return { id: 'binary' };
    case 'fsb8': return { id: 'fixedSizeBinary', byteWidth: 8 };
    case 'fsb16': return { id: 'fixedSizeBinary', byteWidth: 16 };
    case 'timestamp': return { id: 'timestamp', timezone: UTC };
    case 'duration': return { id: 'duration' };
  }
}
