// Locating dictionary-encoded fields in a schema and their dictionaries in a batch.

import type { ArrayData, DataType, Field, Schema } from '../arrow/types.js';

export function childFields(type: DataType): readonly Field[] {
  if (type.id === 'struct') return type.children;
  if (type.id === 'list') return [type.child];
  return [];
}

/** id -> dictionary-encoded field, over the whole schema (depth-first pre-order). */
export function dictionaryFieldsById(schema: Schema): Map<number, Field> {
  const out = new Map<number, Field>();
  const visit = (field: Field): void => {
    if (field.dictionary && !out.has(field.dictionary.id)) out.set(field.dictionary.id, field);
    childFields(field.type).forEach(visit);
  };
  schema.fields.forEach(visit);
  return out;
}

export interface FoundDictionary {
  readonly id: number;
  readonly field: Field;
  /** The first dictionary found for this id in the batch, undefined when none. */
  readonly data: ArrayData | undefined;
}

/** Each dictionary id once, ordered so that a dictionary nested inside another dictionary's
 *  values comes before it (for OTAP schemas this is plain schema pre-order). */
export function findDictionaries(fields: readonly Field[], columns: readonly ArrayData[]): FoundDictionary[] {
  const found = new Map<number, FoundDictionary>();
  const visit = (field: Field, data: ArrayData | undefined): void => {
    if (field.dictionary) {
      const id = field.dictionary.id;
      const dict = data?.dictionary;
      walkChildren(field.type, dict);
      const known = found.get(id);
      if (!known) found.set(id, { id, field, data: dict });
      else if (!known.data && dict) found.set(id, { id, field, data: dict });
      return;
    }
    walkChildren(field.type, data);
  };
  const walkChildren = (type: DataType, data: ArrayData | undefined): void => {
    childFields(type).forEach((child, i) => visit(child, data?.children?.[i]));
  };
  fields.forEach((f, i) => visit(f, columns[i]));
  return [...found.values()];
}
