// The byte form in which processor:attribute's actions reach the Rust core (read by
// AttributeActions::parse in native/core/src/attributes/actions.rs): fields written as
// `<byte length>:<bytes>`, first the apply_to list, then each action's kind and arguments.
// Doubles travel as their IEEE bits so that no value changes on the way.
import type { AttributeActions, AttributeLiteral } from '../otlp/attribute-actions.js';

function literal(v: AttributeLiteral): [string, string] {
  switch (v.type) {
    case 'string':
      return ['s', v.value];
    case 'int':
      return ['i', BigInt.asIntN(64, v.value).toString()];
    case 'bool':
      return ['b', v.value ? 'true' : 'false'];
    case 'double': {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, v.value);
      return ['d', view.getBigUint64(0).toString(16).padStart(16, '0')];
    }
  }
}

export function encodeAttributeActions(a: AttributeActions): Uint8Array {
  const parts: Buffer[] = [];
  const field = (s: string): void => {
    const b = Buffer.from(s, 'utf8');
    parts.push(Buffer.from(`${b.length}:`, 'latin1'), b);
  };
  field(Object.entries(a.applyTo).filter(([, on]) => on).map(([k]) => k).join(','));
  for (const [source, dest] of a.rename) [ 'rename', source, dest ].forEach(field);
  for (const key of a.delete) ['delete', key].forEach(field);
  for (const [key, salt] of a.hash) ['hash', key, salt].forEach(field);
  for (const kind of ['insert', 'upsert', 'update'] as const) {
    for (const [key, v] of a[kind]) [kind, key, ...literal(v)].forEach(field);
  }
  return Buffer.concat(parts);
}
