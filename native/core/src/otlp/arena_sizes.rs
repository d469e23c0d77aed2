//! How many entries to reserve in a request's arenas before parsing it. A stream sends
//! requests of one shape again and again, so the last request of the same signal parsed on
//! this thread, scaled by size, predicts the next one; before there is one, a fixed guess
//! per arena is used. Growing an arena by doubling copied each entry about twice and touched
//! fresh pages each time (1% of a traces 4096 encode's instructions, plus those page faults).

use std::cell::RefCell;

/// Arenas per request (the metrics request has the most).
pub const MAX_ARENAS: usize = 12;

/// At most this many bytes reserved per arena per byte of request: a prediction from a
/// request of tiny entries must not reserve gigabytes for a large request of big ones (which
/// then grows its arenas as before).
const MAX_RESERVED_PER_REQUEST_BYTE: usize = 2;

#[derive(Clone, Copy)]
pub enum Kind {
    Logs = 0,
    Traces = 1,
    Metrics = 2,
}

#[derive(Clone, Copy)]
struct Learned {
    request_bytes: usize,
    lens: [usize; MAX_ARENAS],
}

thread_local! {
    static LAST: RefCell<[Option<Learned>; 3]> = const { RefCell::new([None; 3]) };
}

/// One of a request's arenas, as [`presize`] and [`learn`] see it.
pub trait Arena {
    fn len(&self) -> usize;
    /// Reserves room for `entries` more, at most [`MAX_RESERVED_PER_REQUEST_BYTE`] bytes per
    /// byte of the request.
    fn reserve_bounded(&mut self, entries: usize, request_bytes: usize);
}

impl<T> Arena for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn reserve_bounded(&mut self, entries: usize, request_bytes: usize) {
        let cap = request_bytes.saturating_mul(MAX_RESERVED_PER_REQUEST_BYTE) / std::mem::size_of::<T>().max(1);
        self.reserve(entries.min(cap));
    }
}

/// A request's arena and its first guess, used until a request of the signal was learned on
/// this thread: (request bytes per entry, most entries), or `None` to reserve nothing.
pub type ArenaGuess<'r> = (&'r mut dyn Arena, Option<(usize, usize)>);

/// Reserves a `kind` request's `arenas` (always listed in the same order) for a request of
/// `request_bytes` bytes: the last learned request's lengths scaled by size, a little over so
/// that a slightly denser request fits too, or else the first guesses.
pub fn presize(kind: Kind, request_bytes: usize, arenas: &mut [ArenaGuess<'_>]) {
    let last = LAST.with(|l| l.borrow()[kind as usize]);
    for (i, (arena, guess)) in arenas.iter_mut().enumerate() {
        let entries = match (last, *guess) {
            (Some(last), _) => match last.lens[i] {
                0 => 0,
                n => (n as f64 * request_bytes as f64 / last.request_bytes.max(1) as f64 * 1.0625) as usize + 8,
            },
            (None, Some((bytes_per_entry, max))) => (request_bytes / bytes_per_entry).min(max),
            (None, None) => 0,
        };
        arena.reserve_bounded(entries, request_bytes);
    }
}

/// Records the lengths a `kind` request of `request_bytes` bytes left its `arenas` with.
pub fn learn(kind: Kind, request_bytes: usize, arenas: &[ArenaGuess<'_>]) {
    debug_assert!(arenas.len() <= MAX_ARENAS);
    let mut lens = [0; MAX_ARENAS];
    for (len, (arena, _)) in lens.iter_mut().zip(arenas) {
        *len = arena.len();
    }
    LAST.with(|l| l.borrow_mut()[kind as usize] = Some(Learned { request_bytes, lens }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicts_the_last_request_scaled_by_size_per_signal_and_thread() {
        let (mut a, mut b, mut c) = (Vec::<u64>::new(), Vec::<u64>::new(), Vec::<u64>::new());
        presize(Kind::Logs, 1000, &mut [(&mut a, Some((10, 1 << 20))), (&mut b, None)]);
        assert!(a.capacity() >= 100 && b.capacity() == 0, "nothing learned yet: the first guesses");
        let (mut a, mut b) = (vec![0u64; 100], vec![0u64; 400]);
        learn(Kind::Logs, 10_000, &[(&mut a, None), (&mut b, None), (&mut c, None)]);
        let (mut a, mut b, mut c) = (Vec::<u64>::new(), Vec::<u64>::new(), Vec::<u64>::new());
        presize(Kind::Logs, 20_000, &mut [(&mut a, Some((1, 1))), (&mut b, None), (&mut c, None)]);
        assert!((200..=240).contains(&a.capacity()) && (800..=880).contains(&b.capacity()), "{} {}", a.capacity(), b.capacity());
        assert_eq!(c.capacity(), 0, "an arena that was empty stays unreserved");
        let mut t = Vec::<u64>::new();
        presize(Kind::Traces, 20_000, &mut [(&mut t, None)]);
        assert_eq!(t.capacity(), 0, "signals are learned apart");
        let other_thread = std::thread::spawn(|| {
            let mut a = Vec::<u64>::new();
            presize(Kind::Logs, 20_000, &mut [(&mut a, None)]);
            a.capacity()
        });
        assert_eq!(other_thread.join().unwrap(), 0, "threads are learned apart");
    }

    #[test]
    fn reservations_are_bounded_by_the_request_size() {
        let bound = 1000 * MAX_RESERVED_PER_REQUEST_BYTE / 40;
        let mut arena: Vec<[u8; 40]> = Vec::new();
        arena.reserve_bounded(1 << 30, 1000);
        assert!(arena.capacity() >= bound && arena.capacity() * 40 <= 1000 * MAX_RESERVED_PER_REQUEST_BYTE + 40, "{}", arena.capacity());
        let mut small: Vec<[u8; 40]> = Vec::new();
        small.reserve_bounded(3, 1000);
        assert!((3..bound).contains(&small.capacity()), "a prediction under the bound is reserved as it is");
    }
}
