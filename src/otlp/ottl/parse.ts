// A parser for the OTTL log statements processor:transform supports: the editors `set`,
// `delete_key` and `keep_keys`, each with an optional `where` condition (==, !=, <, <=, >,
// >=, and, or, not, parentheses) over log fields, attributes and literals. Anything else is
// refused with the position and what is supported, so that a config fails at load, not on
// data.

export type LogField = 'body' | 'severity_text' | 'severity_number' | 'event_name' | 'time_unix_nano' | 'observed_time_unix_nano' | 'flags' | 'dropped_attributes_count';
const FIELDS: readonly LogField[] = ['body', 'severity_text', 'severity_number', 'event_name', 'time_unix_nano', 'observed_time_unix_nano', 'flags', 'dropped_attributes_count'];

/** Where attributes live: the record's, its resource's or its scope's. */
export type AttributeMap = 'attributes' | 'resource.attributes' | 'instrumentation_scope.attributes';
const MAPS: readonly AttributeMap[] = ['attributes', 'resource.attributes', 'instrumentation_scope.attributes'];

export type Path = { kind: 'field'; field: LogField } | { kind: 'attribute'; map: AttributeMap; key: string };

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' };

export type Value = Literal | Path;

export type Condition =
  | { kind: 'compare'; op: '==' | '!=' | '<' | '<=' | '>' | '>='; left: Value; right: Value }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'value'; value: Value };

export type Statement =
  | { editor: 'set'; target: Path; value: Value; where?: Condition }
  | { editor: 'delete_key'; map: AttributeMap; key: string; where?: Condition }
  | { editor: 'keep_keys'; map: AttributeMap; keys: string[]; where?: Condition };

export const SUPPORTED_OTTL = 'set(path, value), delete_key(map, "key"), keep_keys(map, ["key", ...]), each with an optional `where` condition; '
  + `paths: ${FIELDS.join(', ')}, ${MAPS.map((m) => `${m}["key"]`).join(', ')}; values: strings, ints, floats, true/false, nil, SEVERITY_NUMBER_* and paths`;

const SEVERITY_NAMES: Record<string, number> = { UNSPECIFIED: 0, TRACE: 1, TRACE2: 2, TRACE3: 3, TRACE4: 4, DEBUG: 5, DEBUG2: 6, DEBUG3: 7, DEBUG4: 8, INFO: 9, INFO2: 10, INFO3: 11, INFO4: 12, WARN: 13, WARN2: 14, WARN3: 15, WARN4: 16, ERROR: 17, ERROR2: 18, ERROR3: 19, ERROR4: 20, FATAL: 21, FATAL2: 22, FATAL3: 23, FATAL4: 24 };

type Token = { t: 'ident' | 'string' | 'number' | 'punct'; v: string; at: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new OttlError('unterminated comment', i);
      i = end + 2;
    } else if (c === '"') {
      const at = i++;
      let s = '';
      for (;;) {
        if (i >= src.length) throw new OttlError('unterminated string', at);
        const ch = src[i++]!;
        if (ch === '"') break;
        if (ch === '\\') {
          const e = src[i++];
          const map: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };
          if (e === undefined || !(e in map)) throw new OttlError(`unknown escape \\${e ?? ''}`, i - 2);
          s += map[e];
        } else {
          s += ch;
        }
      }
      out.push({ t: 'string', v: s, at });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'number', v: m[0], at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0], at: i });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      const p = ['==', '!=', '<=', '>='].includes(two) ? two : c;
      if (!'()[],<>'.includes(p) && p.length === 1) throw new OttlError(`unexpected "${c}"`, i);
      out.push({ t: 'punct', v: p, at: i });
      i += p.length;
    }
  }
  return out;
}

export class OttlError extends Error {
  constructor(message: string, readonly at: number) {
    super(`${message} at character ${at + 1}`);
  }
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[], private readonly end: number) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private next(what: string): Token {
    const t = this.toks[this.i++];
    if (!t) throw new OttlError(`expected ${what}, found the end`, this.end);
    return t;
  }

  private expect(v: string): void {
    const t = this.next(`"${v}"`);
    if (t.v !== v || t.t === 'string') throw new OttlError(`expected "${v}", found "${t.v}"`, t.at);
  }

  statement(): Statement {
    const editor = this.next('an editor');
    if (editor.t !== 'ident') throw new OttlError(`expected an editor, found "${editor.v}"`, editor.at);
    this.expect('(');
    let s: Statement;
    switch (editor.v) {
      case 'set': {
        const target = this.path();
        this.expect(',');
        s = { editor: 'set', target, value: this.value() };
        break;
      }
      case 'delete_key': {
        const map = this.map();
        this.expect(',');
        s = { editor: 'delete_key', map, key: this.string() };
        break;
      }
      case 'keep_keys': {
        const map = this.map();
        this.expect(',');
        this.expect('[');
        const keys: string[] = [];
        while (this.peek()?.v !== ']' || this.peek()?.t === 'string') {
          keys.push(this.string());
          if (this.peek()?.v === ',' && this.peek()?.t === 'punct') this.i++;
        }
        this.expect(']');
        s = { editor: 'keep_keys', map, keys };
        break;
      }
      default:
        throw new OttlError(`the editor "${editor.v}" is not supported (supported: ${SUPPORTED_OTTL})`, editor.at);
    }
    this.expect(')');
    const w = this.peek();
    if (w) {
      if (w.t !== 'ident' || w.v !== 'where') throw new OttlError(`expected "where" or the end, found "${w.v}"`, w.at);
      this.i++;
      s.where = this.or();
    }
    const rest = this.peek();
    if (rest) throw new OttlError(`unexpected "${rest.v}" after the statement`, rest.at);
    return s;
  }

  private string(): string {
    const t = this.next('a string');
    if (t.t !== 'string') throw new OttlError(`expected a string, found "${t.v}"`, t.at);
    return t.v;
  }

  private map(): AttributeMap {
    const t = this.next('attributes');
    if (t.t !== 'ident' || !MAPS.includes(t.v as AttributeMap)) throw new OttlError(`expected one of ${MAPS.join(', ')}, found "${t.v}"`, t.at);
    return t.v as AttributeMap;
  }

  private path(): Path {
    const t = this.next('a path');
    if (t.t !== 'ident') throw new OttlError(`expected a path, found "${t.v}"`, t.at);
    return this.pathFrom(t);
  }

  private pathFrom(t: Token): Path {
    if (MAPS.includes(t.v as AttributeMap)) {
      this.expect('[');
      const key = this.string();
      this.expect(']');
      return { kind: 'attribute', map: t.v as AttributeMap, key };
    }
    if (FIELDS.includes(t.v as LogField)) return { kind: 'field', field: t.v as LogField };
    throw new OttlError(`unknown path "${t.v}" (supported: ${FIELDS.join(', ')}, ${MAPS.map((m) => `${m}["key"]`).join(', ')})`, t.at);
  }

  private value(): Value {
    const t = this.next('a value');
    if (t.t === 'string') return { kind: 'string', value: t.v };
    if (t.t === 'number') return /[.eE]/.test(t.v) ? { kind: 'double', value: Number(t.v) } : { kind: 'int', value: BigInt(t.v) };
    if (t.t === 'ident') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'bool', value: t.v === 'true' };
      if (t.v === 'nil') return { kind: 'nil' };
      if (t.v.startsWith('SEVERITY_NUMBER_') && t.v.slice(16) in SEVERITY_NAMES) return { kind: 'int', value: BigInt(SEVERITY_NAMES[t.v.slice(16)]!) };
      if (this.peek()?.v === '(' && this.peek()?.t === 'punct') throw new OttlError(`the converter "${t.v}" is not supported (supported: ${SUPPORTED_OTTL})`, t.at);
      return this.pathFrom(t);
    }
    throw new OttlError(`expected a value, found "${t.v}"`, t.at);
  }

  private or(): Condition {
    let left = this.and();
    while (this.peek()?.t === 'ident' && this.peek()?.v === 'or') {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.unary();
    while (this.peek()?.t === 'ident' && this.peek()?.v === 'and') {
      this.i++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Condition {
    const t = this.peek();
    if (t?.t === 'ident' && t.v === 'not') {
      this.i++;
      return { kind: 'not', inner: this.unary() };
    }
    if (t?.t === 'punct' && t.v === '(') {
      this.i++;
      const c = this.or();
      this.expect(')');
      return c;
    }
    const left = this.value();
    const op = this.peek();
    if (op?.t === 'punct' && ['==', '!=', '<', '<=', '>', '>='].includes(op.v)) {
      this.i++;
      return { kind: 'compare', op: op.v as '==', left, right: this.value() };
    }
    return { kind: 'value', value: left };
  }
}

/** One statement; throws OttlError naming the position and what is supported. */
export function parseOttlStatement(src: string): Statement {
  return new Parser(tokenize(src), src.length).statement();
}
