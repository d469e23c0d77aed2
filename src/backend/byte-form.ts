// The byte form in which processor configs reach the Rust core (native/core/src/byte_form.rs):
// fields written as `<byte length>:<bytes>`; a literal is two fields, its type (s, i, d, b)
// and its value, doubles as their IEEE bits so that no value changes on the way.
import type { AttributeLiteral } from '../otlp/attribute-actions.js';

export class ByteFormWriter {
  private readonly parts: Buffer[] = [];

  field(...values: string[]): this {
    for (const s of values) {
      const b = Buffer.from(s, 'utf8');
      this.parts.push(Buffer.from(`${b.length}:`, 'latin1'), b);
    }
    return this;
  }

  literal(v: AttributeLiteral): this {
    switch (v.type) {
      case 'string':
        return this.field('s', v.value);
      case 'int':
        return this.field('i', BigInt.asIntN(64, v.value).toString());
      case 'bool':
        return this.field('b', v.value ? 'true' : 'false');
      case 'double': {
        const view = new DataView(new ArrayBuffer(8));
        view.setFloat64(0, v.value);
        return this.field('d', view.getBigUint64(0).toString(16).padStart(16, '0'));
      }
    }
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}
