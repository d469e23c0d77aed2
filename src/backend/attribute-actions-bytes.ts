// processor:attribute's actions in the byte form the Rust core reads
// (AttributeActions::parse in native/core/src/attributes/actions.rs): the apply_to list, then
// each action's kind and arguments.
import type { AttributeActions } from '../otlp/attribute-actions.js';
import { ByteFormWriter } from './byte-form.js';

export function encodeAttributeActions(a: AttributeActions): Uint8Array {
  const w = new ByteFormWriter();
  w.field(Object.entries(a.applyTo).filter(([, on]) => on).map(([k]) => k).join(','));
  for (const [source, dest] of a.rename) w.field('rename', source, dest);
  for (const key of a.delete) w.field('delete', key);
  for (const [key, salt] of a.hash) w.field('hash', key, salt);
  for (const kind of ['insert', 'upsert', 'update'] as const) {
    for (const [key, v] of a[kind]) w.field(kind, key).literal(v);
  }
  return w.bytes();
}
