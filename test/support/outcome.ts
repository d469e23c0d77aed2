// Helpers for tests of input that may or may not be refused: the outcome is returned, so a
// test asserts on it unconditionally instead of asserting inside a `catch` (which passes
// when nothing throws).

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Runs `fn` and returns what it returned or threw. */
export function attempt<R>(fn: () => R): Outcome<R> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * The offsets at which a protobuf message's top-level fields end (0 included): a prefix cut
 * there is itself a well-formed message, and a prefix cut anywhere else is not. Walks only
 * tags and lengths, independently of the decoders under test; throws on malformed input.
 */
export function topLevelFieldEnds(bytes: Uint8Array): Set<number> {
  const ends = new Set([0]);
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= bytes.length || shift > 63) throw new Error(`bad varint at ${pos}`);
      const b = bytes[pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (pos < bytes.length) {
    const wireType = varint() % 8;
    if (wireType === 0) varint();
    else if (wireType === 1) pos += 8;
    else if (wireType === 2) {
      const length = varint(); // read before `pos +=` takes pos
      pos += length;
    }
    else if (wireType === 5) pos += 4;
    else throw new Error(`wire type ${wireType} at ${pos}`);
    if (pos > bytes.length) throw new Error('field past the end');
    ends.add(pos);
  }
  return ends;
}
