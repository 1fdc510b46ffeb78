//! The per-search work arrays of a RAPTOR search other than its labels (those are
//! [`super::labels::Labels`]), kept by the thread between searches like the label store.
//!
//! A query runs several searches (the first, its tightening passes, a growing horizon) and a
//! process often several queries; allocating, zeroing and faulting in these arrays for each
//! was about 8% of a city search. Each is left in a state the next search can use as it is:
//! - the per-stop, per-slot and per-pattern flags (`marked`, `improved`, `queue_pos`) are
//!   cleared by the search itself as it consumes them, so they are clean when it ends;
//! - `egress` is reset at the few target stops that were set;
//! - the per-(trip, day) round marks are stamped with a *generation*: a search owns the marks
//!   above its `base` ([`Scratch::take`] moves the base past the previous search's marks), so
//!   old marks read as "not yet" without being cleared; the arrays are zeroed only when the
//!   stamps would overflow;
//! - the per-(pattern, day) continuation stamps count on across searches the same way;
//! - the per-(pattern, day, round) enumeration marks and the per-(pattern, day) ranges of
//!   trips running are cleared where they were written.
//!
//! A store dropped while the thread is panicking is not kept (its flags may be half set).

use std::cell::RefCell;

/// How many stores a thread keeps (searches alive at once: a query's search and a pass).
const SPARES: usize = 2;

/// "No position" in `queue_pos` and "no target" in `egress`.
pub(crate) const NONE: u32 = u32::MAX;

thread_local! {
    static SPARE: RefCell<Vec<Scratch>> = const { RefCell::new(Vec::new()) };
}

#[derive(Default)]
pub(crate) struct Scratch {
    /// Per stop: the egress time to a target, or [`NONE`].
    pub egress: Vec<u32>,
    /// The stops set in `egress`.
    pub egress_set: Vec<u32>,
    /// Per stop: marked for the next round (all false between searches).
    pub marked: Vec<bool>,
    /// Per slot: improved in the current round (all false between searches).
    pub improved: Vec<bool>,
    /// Per pattern: the first scan position queued, or [`NONE`] (all [`NONE`] between searches).
    pub queue_pos: Vec<u32>,
    /// Per pattern: whether its days never overtake each other (0 unknown, 1 yes, 2 no); it
    /// depends on the search's days, so it is refilled for each search.
    pub days_fifo: Vec<u8>,
    /// Per (trip, day): round marks (see `Search`), valid when above `base`.
    pub seated: Vec<u16>,
    pub followed: Vec<u16>,
    /// Marks of earlier searches are at or below this.
    pub base: u16,
    /// Per (pattern, day, round): the enumeration marks (0 between searches), and the indices
    /// written.
    pub enumerated: Vec<u32>,
    pub enumerated_set: Vec<u32>,
    /// Per (pattern, day): (stamp, rank) pairs, valid for the current stamps only.
    pub cont_best: Vec<(u32, u32)>,
    pub wave_best: Vec<(u32, u32)>,
    pub stamp: u32,
    pub wave_stamp: u32,
    /// Per (pattern, day): the pattern-local trips from its first to its last one that can be
    /// taken that day, as `(first, end + 1)`, so that `(0, 0)`, "not yet known", is the zeroed
    /// allocation ([`sized`]); and the indices written, reset when the store is given back.
    pub active: Vec<(u32, u32)>,
    pub active_set: Vec<u32>,
}

/// Makes `v` `len` long, `x` in the new places. A first allocation is made by `vec!`, which
/// takes zeros from the allocator already zeroed: a country-size search writes a small part of
/// its per-(trip, day) arrays, and `resize` would write (and fault in) every page of them,
/// about 2,000 page faults of a 12,000-fault process.
fn sized<T: Clone>(v: &mut Vec<T>, len: usize, x: T) {
    if v.is_empty() {
        *v = vec![x; len];
    } else {
        v.resize(len, x);
    }
}

impl Scratch {
    /// A store for a search over `stops` stops, `slots` label slots and `patterns` patterns
    /// whose round marks take values `base + 1 ..= base + rounds`: one this thread kept when
    /// there is one.
    pub fn take(stops: usize, slots: usize, patterns: usize, rounds: usize) -> Self {
        let mut s = SPARE
            .try_with(|s| s.try_borrow_mut().ok()?.pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        s.egress.resize(stops, NONE);
        sized(&mut s.marked, stops, false);
        sized(&mut s.improved, slots, false);
        s.queue_pos.resize(patterns, NONE);
        s.days_fifo.clear();
        s.days_fifo.resize(patterns, 0);
        // Room for this search's marks and stamps (a search's waves are far fewer than the
        // margin); else start the generations over from zeroed arrays.
        const MARGIN: u32 = 1 << 30;
        if s.base as usize + rounds > u16::MAX as usize {
            s.seated.fill(0);
            s.followed.fill(0);
            s.base = 0;
        }
        if s.stamp > u32::MAX - MARGIN || s.wave_stamp > u32::MAX - MARGIN {
            s.cont_best.fill((0, 0));
            s.wave_best.fill((0, 0));
            s.stamp = 0;
            s.wave_stamp = 0;
        }
        // Stamps of this search are above every stored one.
        s.stamp += 1;
        s
    }

    /// Makes the per-(trip, day) and per-(pattern, day[, round]) arrays at least this long.
    pub fn size_continuations(&mut self, trip_days: usize, pattern_days: usize, rounds: usize) {
        if self.seated.len() < trip_days {
            sized(&mut self.seated, trip_days, 0);
            sized(&mut self.followed, trip_days, 0);
        }
        if self.cont_best.len() < pattern_days {
            sized(&mut self.cont_best, pattern_days, (0, 0));
            sized(&mut self.wave_best, pattern_days, (0, 0));
        }
        if self.enumerated.len() < pattern_days * rounds {
            sized(&mut self.enumerated, pattern_days * rounds, 0);
        }
    }

    /// Makes the per-(pattern, day) `active` array at least this long.
    pub fn size_active(&mut self, pattern_days: usize) {
        if self.active.len() < pattern_days {
            sized(&mut self.active, pattern_days, (0, 0));
        }
    }

    /// Keeps the store for the thread's next search, its marks (up to `base + rounds`)
    /// turned old.
    pub fn give_back(mut self, rounds: usize) {
        if std::thread::panicking() {
            return;
        }
        debug_assert!(self.marked.iter().all(|&m| !m));
        debug_assert!(self.improved.iter().all(|&m| !m));
        debug_assert!(self.queue_pos.iter().all(|&q| q == NONE));
        for s in self.egress_set.drain(..) {
            self.egress[s as usize] = NONE;
        }
        for i in self.enumerated_set.drain(..) {
            self.enumerated[i as usize] = 0;
        }
        for i in self.active_set.drain(..) {
            self.active[i as usize] = (0, 0);
        }
        // `take` made room for `rounds` above the base.
        self.base += rounds as u16;
        let mut mine = Some(self);
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut()
                && s.len() < SPARES
                && let Some(x) = mine.take()
            {
                s.push(x);
            }
        });
    }
}
