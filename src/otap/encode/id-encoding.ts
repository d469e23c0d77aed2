// Transport-optimized id encodings (OTAP spec 6.4), encode side.

/** Delta: each non-null value minus the previous non-null value (first one as is). */
export function deltaEncode(ids: readonly (number | null)[]): (number | null)[] {
  const out = new Array<number | null>(ids.length);
  let prev = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id == null) {
      out[i] = null;
    } else {
      out[i] = id - prev;
      prev = id;
    }
  }
  return out;
}

/**
 * Quasi-delta: a parent id is written as the difference from the previous row's parent id
 * when `sameGroup(i)` says row i has the same equality key as row i-1, else as is.
 */
export function quasiDeltaEncode(parents: readonly number[], sameGroup: (i: number) => boolean): number[] {
  const out = new Array<number>(parents.length);
  for (let i = 0; i < parents.length; i++) {
    out[i] = i > 0 && sameGroup(i) ? parents[i]! - parents[i - 1]! : parents[i]!;
  }
  return out;
}
