//! An append-only store of plain values (dictionary bytes, offsets) whose filled part is
//! handed out as Arrow buffers without a copy. Values are only ever written past the end of
//! what was handed out, so a buffer taken earlier keeps seeing exactly what it saw; when the
//! store outgrows its block it moves to a block twice as large, and buffers taken before keep
//! the old block alive. Two buffers taken from one block start at the same address: the
//! forwarding path reads that as "the later dictionary extends the earlier one", with no
//! value-by-value comparison (`encode::forward_dicts::shares_prefix`). Used by the table
//! encoder's dictionaries and by the IPC reader's delta dictionaries.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

use arrow_buffer::Buffer;

const ALIGN: usize = 64;

/// One allocation; freed when the store and every buffer taken from it are gone.
struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
}

// Safety: the block is plain memory. Shared holders read only what was written before they
// got their buffer; the store writes only past that (see the module docs).
unsafe impl Send for Block {}
unsafe impl Sync for Block {}
impl std::panic::RefUnwindSafe for Block {}

impl Drop for Block {
    fn drop(&mut self) {
        // Safety: allocated in `Block::new` with this layout.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

impl Block {
    fn new(bytes: usize) -> Block {
        let layout = Layout::from_size_align(bytes.max(ALIGN), ALIGN).expect("dictionary store size");
        // Safety: the layout has a non-zero size.
        let ptr = NonNull::new(unsafe { alloc(layout) }).unwrap_or_else(|| handle_alloc_error(layout));
        Block { ptr, layout }
    }
}

pub struct AppendStore<T: Copy> {
    block: Arc<Block>,
    /// Elements written.
    len: usize,
    /// Elements the block holds.
    cap: usize,
    _values: PhantomData<T>,
}

impl<T: Copy> Default for AppendStore<T> {
    fn default() -> Self {
        AppendStore::new()
    }
}

#[allow(clippy::len_without_is_empty)]
impl<T: Copy> AppendStore<T> {
    pub fn new() -> Self {
        let block = Block::new(ALIGN);
        AppendStore { block: Arc::new(block), len: 0, cap: ALIGN / size_of::<T>(), _values: PhantomData }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn as_slice(&self) -> &[T] {
        // Safety: `len` elements were written, the block is aligned for T (ALIGN >= align_of T).
        unsafe { std::slice::from_raw_parts(self.block.ptr.as_ptr().cast::<T>(), self.len) }
    }

    pub fn push(&mut self, v: T) {
        self.extend_from_slice(std::slice::from_ref(&v));
    }

    pub fn extend_from_slice(&mut self, values: &[T]) {
        let need = self.len + values.len();
        if need > self.cap {
            self.grow(need);
        }
        // Safety: within capacity, past every buffer handed out (they cover at most `len`).
        unsafe {
            std::ptr::copy_nonoverlapping(values.as_ptr(), self.block.ptr.as_ptr().cast::<T>().add(self.len), values.len());
        }
        self.len = need;
    }

    fn grow(&mut self, need: usize) {
        let cap = need.max(self.cap * 2);
        let block = Block::new(cap * size_of::<T>());
        // Safety: both blocks hold at least `len` elements and do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(self.block.ptr.as_ptr().cast::<T>(), block.ptr.as_ptr().cast::<T>(), self.len);
        }
        self.block = Arc::new(block);
        self.cap = cap;
    }

    /// Elements `start..end` (written ones) as an Arrow buffer over this store's memory.
    pub fn buffer(&self, start: usize, end: usize) -> Buffer {
        assert!(start <= end && end <= self.len, "append store range {start}..{end} of {}", self.len);
        let size = size_of::<T>();
        // Safety: the range was written and is never written again; the block outlives the
        // buffer through the Arc it holds.
        unsafe {
            let ptr = NonNull::new_unchecked(self.block.ptr.as_ptr().add(start * size));
            Buffer::from_custom_allocation(ptr, (end - start) * size, self.block.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_keep_their_values_across_appends_and_moves() {
        let mut s: AppendStore<i32> = AppendStore::new();
        s.extend_from_slice(&[1, 2, 3]);
        let early = s.buffer(0, 3);
        for i in 0..10_000 {
            s.push(i);
        }
        let late = s.buffer(1, 5);
        assert_eq!(early.typed_data::<i32>(), &[1, 2, 3]);
        assert_eq!(late.typed_data::<i32>(), &[2, 3, 0, 1]);
        assert_eq!(s.as_slice()[10_002], 9_999);
        // Taken from one block: same start address; after a move, not.
        let mut b: AppendStore<u8> = AppendStore::new();
        b.extend_from_slice(b"abc");
        let (x, y) = (b.buffer(0, 2), b.buffer(0, 3));
        assert_eq!(x.as_ptr(), y.as_ptr());
        b.extend_from_slice(&[7u8; 1000]);
        assert_ne!(b.buffer(0, 3).as_ptr(), x.as_ptr());
        assert_eq!(x.as_slice(), b"ab");
    }
}
