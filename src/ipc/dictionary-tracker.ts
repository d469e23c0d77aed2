// Writer-side memory of the dictionaries a reader holds, to decide per batch between
// sending nothing, a delta (only new entries) or a full replacement.

import { isPrefixOf, sliceArrayData } from '../arrow/array-data.js';
import { GrowingDictionaries } from '../arrow/growing-array.js';
import type { ArrayData } from '../arrow/types.js';

export type DictionaryUpdate =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'delta' | 'replacement'; readonly data: ArrayData; readonly commit: () => void };

export class DictionaryTracker {
  /** Private copies: callers may reuse their buffers after write() returns. */
  private readonly sent = new Map<number, ArrayData>();
  /** The copies that deltas extended, with room to grow in place. */
  private readonly growing = new GrowingDictionaries();

  has(id: number): boolean {
    return this.sent.has(id);
  }

  /** Decides what to send; `commit` records it once the chunk was built successfully. */
  update(id: number, current: ArrayData): DictionaryUpdate {
    const previous = this.sent.get(id);
    if (previous && isPrefixOf(previous, current)) {
      if (previous.length === current.length) return { kind: 'unchanged' };
    }
    // Like arrow-go, a dictionary that was sent empty is followed by a full batch, not a delta.
    if (previous && previous.length > 0 && isPrefixOf(previous, current)) {
      const delta = sliceArrayData(current, previous.length, current.length);
      return { kind: 'delta', data: delta, commit: () => this.sent.set(id, this.growing.extend(id, previous, delta)) };
    }
    const copy = sliceArrayData(current, 0, current.length);
    return {
      kind: 'replacement', data: copy, commit: () => {
        this.growing.forget(id);
        this.sent.set(id, copy);
      },
    };
  }
}
