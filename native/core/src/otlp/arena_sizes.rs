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

/// The entries predicted for each arena of a `kind` request of `request_bytes` bytes, from
/// the last one learned (`None`: nothing learned yet on this thread).
pub fn predict(kind: Kind, request_bytes: usize) -> Option<[usize; MAX_ARENAS]> {
    let last = LAST.with(|l| l.borrow()[kind as usize])?;
    let scale = request_bytes as f64 / last.request_bytes.max(1) as f64;
    // A little over the scaled count, so a request slightly denser than the last fits too.
    Some(last.lens.map(|n| if n == 0 { 0 } else { (n as f64 * scale * 1.0625) as usize + 8 }))
}

/// Records the arena lengths a `kind` request of `request_bytes` bytes ended with.
pub fn learn(kind: Kind, request_bytes: usize, lens: [usize; MAX_ARENAS]) {
    LAST.with(|l| l.borrow_mut()[kind as usize] = Some(Learned { request_bytes, lens }));
}

/// Reserves `entries` in `arena`, bounded by [`MAX_RESERVED_PER_REQUEST_BYTE`].
pub fn reserve<T>(arena: &mut Vec<T>, entries: usize, request_bytes: usize) {
    let cap = request_bytes.saturating_mul(MAX_RESERVED_PER_REQUEST_BYTE) / std::mem::size_of::<T>().max(1);
    arena.reserve(entries.min(cap));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicts_the_last_request_scaled_by_size_per_signal_and_thread() {
        assert!(predict(Kind::Logs, 1000).is_none());
        let mut lens = [0; MAX_ARENAS];
        lens[0] = 100;
        lens[1] = 400;
        learn(Kind::Logs, 1000, lens);
        let p = predict(Kind::Logs, 2000).unwrap();
        assert!((200..=230).contains(&p[0]) && (800..=870).contains(&p[1]), "{p:?}");
        assert_eq!(p[2], 0, "an arena that was empty stays unreserved");
        assert!(predict(Kind::Traces, 1000).is_none(), "signals are learned apart");
        assert!(std::thread::spawn(|| predict(Kind::Logs, 1000).is_none()).join().unwrap(), "threads are learned apart");
    }

    #[test]
    fn reservations_are_bounded_by_the_request_size() {
        let bound = 1000 * MAX_RESERVED_PER_REQUEST_BYTE / 40;
        let mut arena: Vec<[u8; 40]> = Vec::new();
        reserve(&mut arena, 1 << 30, 1000);
        assert!(arena.capacity() >= bound && arena.capacity() * 40 <= 1000 * MAX_RESERVED_PER_REQUEST_BYTE + 40, "{}", arena.capacity());
        let mut small: Vec<[u8; 40]> = Vec::new();
        reserve(&mut small, 3, 1000);
        assert!((3..bound).contains(&small.capacity()), "a prediction under the bound is reserved as it is");
    }
}
