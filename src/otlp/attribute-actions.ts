// The actions of processor:attribute, gathered as the Rust engine gathers them: one map per
// kind of action, applied together rather than in list order, so a key may be named by one
// action only (a rename's source and destination count; a second use is a config error).
import type { AnyValue } from './model.js';

export type AttributeLiteral = Extract<AnyValue, { type: 'string' | 'int' | 'double' | 'bool' }>;

export type AttributeAction =
  | { action: 'delete'; key: string }
  | { action: 'insert' | 'upsert' | 'update'; key: string; value: AttributeLiteral }
  | { action: 'rename'; sourceKey: string; destinationKey: string }
  | { action: 'hash'; key: string; salt: string };

export interface ApplyTo {
  signal: boolean;
  resource: boolean;
  scope: boolean;
}

export interface AttributeActions {
  applyTo: ApplyTo;
  rename: ReadonlyMap<string, string>;
  delete: ReadonlySet<string>;
  insert: ReadonlyMap<string, AttributeLiteral>;
  upsert: ReadonlyMap<string, AttributeLiteral>;
  update: ReadonlyMap<string, AttributeLiteral>;
  /** Key -> salt (UTF-8): the value becomes the lowercase hex SHA-256 of salt || value bytes. */
  hash: ReadonlyMap<string, string>;
}

/** UTF-8 byte order (the Rust core's string order), not UTF-16 code unit order. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The actions of a config list; throws naming the key a second action reuses. */
export function gatherAttributeActions(list: readonly AttributeAction[], applyTo: ApplyTo): AttributeActions {
  const out = {
    applyTo,
    rename: new Map<string, string>(),
    delete: new Set<string>(),
    insert: new Map<string, AttributeLiteral>(),
    upsert: new Map<string, AttributeLiteral>(),
    update: new Map<string, AttributeLiteral>(),
    hash: new Map<string, string>(),
  };
  const used = new Map<string, number>();
  const claim = (key: string, index: number): void => {
    const first = used.get(key);
    if (first !== undefined) {
      throw new Error(`actions[${index}]: key "${key}" is already used by actions[${first}]; each key may appear in one action only (the actions are applied together, not in order)`);
    }
    used.set(key, index);
  };
  list.forEach((a, i) => {
    switch (a.action) {
      case 'rename':
        claim(a.sourceKey, i);
        claim(a.destinationKey, i);
        out.rename.set(a.sourceKey, a.destinationKey);
        break;
      case 'delete':
        claim(a.key, i);
        out.delete.add(a.key);
        break;
      case 'hash':
        claim(a.key, i);
        out.hash.set(a.key, a.salt);
        break;
      default:
        claim(a.key, i);
        out[a.action].set(a.key, a.value);
    }
  });
  return out;
}

export function hasNoActions(a: AttributeActions): boolean {
  return a.rename.size + a.delete.size + a.insert.size + a.upsert.size + a.update.size + a.hash.size === 0;
}

/** Whether the actions only rename and delete keys: no value is read, set or added, so they
 *  can rewrite an OTLP request's bytes without building anything from it. */
export function editsKeysOnly(a: AttributeActions): boolean {
  return a.insert.size + a.upsert.size + a.update.size + a.hash.size === 0;
}

/** Keys added where missing (insert, upsert), in UTF-8 order. */
export function additions(a: AttributeActions): Array<[string, AttributeLiteral]> {
  return [...a.insert, ...a.upsert].sort(([x], [y]) => compareUtf8(x, y));
}
