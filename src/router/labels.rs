//! The label store of one RAPTOR search: per round and label slot, the best scan time by
//! vehicle (`veh`) and the best scan time one can board (`ready`), with where each came from.
//!
//! Why it is its own type: on a country-size network a search has rounds × 150 k slots of
//! labels and touches a few thousand of them. So
//! - the *unreached* label is all-zero bytes (a time is stored as `INF − t`), and the arrays
//!   are allocated zeroed: the allocator hands out fresh zero pages, and pages no label is
//!   written to are never faulted in (filling them with "infinity" faulted every one);
//! - labels mean "with at most k rides", so round k starts as a copy of round k − 1. Only the
//!   slots written in round k − 1 since its last copy are copied ([`Labels::carry`]), not every
//!   slot of every round;
//! - a store is emptied for another search by clearing only what was written, and kept for
//!   the thread's next search when dropped ([`Labels::take`]): the searches of a query (its
//!   tightening passes, a growing horizon) and of a process's further queries reuse it instead
//!   of allocating and zeroing again.

use super::raptor::{INF, ReadyFrom, Ride};
use crate::timetable::PatternIdx;
use std::cell::RefCell;

/// How many dropped stores a thread keeps (a query's search and its passes' store).
const SPARES: usize = 2;

thread_local! {
    static SPARE: RefCell<Vec<Labels>> = const { RefCell::new(Vec::new()) };
}

/// A list of what changed is kept while it is shorter than 1/`SPARSE` of what it lists; past
/// that, a whole pass over the arrays is as cheap, and the list is dropped for one (a city
/// search reaches most stops; a country-size one a small part of them).
const SPARSE: usize = 16;

pub(crate) struct Labels {
    /// Label slots per round.
    n: usize,
    rounds: usize,
    /// `INF − t` for scan time `t` (0: unreached), at `k * n + slot`.
    veh: Vec<i64>,
    /// The ride of each vehicle label ([`Ride`] packed); meaningful where `veh` is reached.
    veh_from: Vec<[u32; 6]>,
    /// `INF − t` for scan time `t` (0: unreached), at `k * n + slot`.
    ready: Vec<i64>,
    /// How each ready label was reached ([`ReadyFrom`] packed); meaningful where `ready` is.
    ready_from: Vec<[u32; 3]>,
    /// Per round: the slots whose labels changed since they were last carried into the next
    /// round, each once (bit k of `pending[s]`: slot s is in `changed[k]`); `None` when there
    /// were too many to list (the next carry looks at every slot).
    changed: Vec<Option<Vec<u32>>>,
    pending: Vec<u16>,
    /// The indices written since allocation or the last reset, each once; `None` when there
    /// were too many to list (the next reset clears every round up to `used`).
    written: Option<Vec<u32>>,
    /// Rounds below this may hold labels.
    used: usize,
}

impl Labels {
    /// An empty store for `n` slots and `rounds` rounds (round 0 is the origins): one this
    /// thread kept, emptied, when one fits, else a new one.
    pub fn take(n: usize, rounds: usize) -> Self {
        let kept = SPARE
            .try_with(|s| {
                let mut s = s.try_borrow_mut().ok()?;
                let i = s.iter().position(|l| l.n == n && l.rounds >= rounds)?;
                Some(s.swap_remove(i))
            })
            .ok()
            .flatten();
        match kept {
            Some(mut l) => {
                l.reset();
                l
            }
            None => Labels::new(n, rounds),
        }
    }

    /// A store with no slots, holding no memory (what a search leaves behind when its store
    /// is moved out of it).
    pub fn empty() -> Self {
        Labels::new(0, 0)
    }

    fn new(n: usize, rounds: usize) -> Self {
        let len = n * rounds;
        Labels {
            n,
            rounds,
            veh: vec![0; len],
            veh_from: vec![[0; 6]; len],
            ready: vec![0; len],
            ready_from: vec![[0; 3]; len],
            changed: vec![Self::lists(rounds).then(Vec::new); rounds],
            pending: vec![0; n],
            written: Some(Vec::new()),
            used: 1,
        }
    }

    /// Whether changed slots are listed per round: `pending` has a bit per round (the CLI
    /// allows 11 rides, 12 rounds); beyond 16 rounds every carry is a full pass.
    fn lists(rounds: usize) -> bool {
        rounds <= 16
    }

    /// Empties the store, clearing what was written.
    fn reset(&mut self) {
        match &mut self.written {
            Some(w) => {
                for &i in w.iter() {
                    self.veh[i as usize] = 0;
                    self.ready[i as usize] = 0;
                }
                w.clear();
            }
            None => {
                let used = self.used * self.n;
                self.veh[..used].fill(0);
                self.ready[..used].fill(0);
                self.written = Some(Vec::new());
            }
        }
        self.used = 1;
        for c in &mut self.changed {
            match c {
                Some(c) => {
                    for &s in c.iter() {
                        self.pending[s as usize] = 0;
                    }
                    c.clear();
                }
                None => {
                    self.pending.fill(0);
                    *c = Self::lists(self.rounds).then(Vec::new);
                }
            }
        }
    }

    #[inline]
    fn at(&self, k: usize, s: u32) -> usize {
        k * self.n + s as usize
    }

    /// Lists index `i` as written (before writing it) if it held no label, while listing.
    #[inline(always)]
    fn note_written(&mut self, i: usize) {
        if let Some(w) = &mut self.written
            && self.veh[i] == 0
            && self.ready[i] == 0
        {
            if w.len() * SPARSE < self.veh.len() {
                w.push(i as u32);
            } else {
                self.written = None;
            }
        }
    }

    /// Lists slot `s` as changed in round `k`, while listing.
    #[inline(always)]
    fn note_changed(&mut self, k: usize, s: u32) {
        if k + 1 < self.rounds
            && let Some(c) = &mut self.changed[k]
        {
            let bit = 1u16 << k;
            if self.pending[s as usize] & bit == 0 {
                if c.len() * SPARSE < self.n {
                    self.pending[s as usize] |= bit;
                    c.push(s);
                } else {
                    self.changed[k] = None;
                }
            }
        }
    }

    /// The best scan arrival by vehicle at slot `s` with at most `k` rides ([`INF`] when
    /// unreached).
    #[inline]
    pub fn veh(&self, k: usize, s: u32) -> i64 {
        INF - self.veh[self.at(k, s)]
    }

    /// The best scan time one can board at slot `s` after at most `k` rides.
    #[inline]
    pub fn ready(&self, k: usize, s: u32) -> i64 {
        INF - self.ready[self.at(k, s)]
    }

    #[inline]
    pub fn set_veh(&mut self, k: usize, s: u32, t: i64, ride: Ride) {
        let i = self.at(k, s);
        self.note_written(i);
        self.veh[i] = INF - t;
        self.veh_from[i] = pack_ride(ride);
        self.note_changed(k, s);
    }

    #[inline]
    pub fn set_ready(&mut self, k: usize, s: u32, t: i64, from: ReadyFrom) {
        let i = self.at(k, s);
        self.note_written(i);
        self.ready[i] = INF - t;
        self.ready_from[i] = pack_from(from);
        self.note_changed(k, s);
    }

    /// The ride of the vehicle label of slot `s` in round `k`, if it is reached.
    pub fn veh_from(&self, k: usize, s: u32) -> Option<Ride> {
        let i = self.at(k, s);
        (self.veh.get(i).copied().unwrap_or(0) != 0).then(|| unpack_ride(self.veh_from[i]))
    }

    /// How the ready label of slot `s` in round `k` was reached.
    pub fn ready_from(&self, k: usize, s: u32) -> ReadyFrom {
        let i = self.at(k, s);
        if self.ready[i] == 0 {
            return ReadyFrom::None;
        }
        unpack_from(self.ready_from[i])
    }

    /// Makes round `k` hold, for every slot, the better of its own labels and round k − 1's
    /// ("at most k rides" includes at most k − 1), looking only at the slots of round k − 1
    /// that changed since they were last carried (all of them when they were too many).
    pub fn carry(&mut self, k: usize) {
        self.used = self.used.max(k + 1);
        let listed = self.changed[k - 1].replace(Vec::new());
        let bit = 1u16.checked_shl(k as u32 - 1).unwrap_or(0);
        match listed {
            Some(mut c) => {
                for &s in &c {
                    self.pending[s as usize] &= !bit;
                    self.carry_slot(k, s as usize);
                }
                c.clear();
                self.changed[k - 1] = Some(c);
            }
            None => {
                // Too many to list: every slot, and round k is then not listed either.
                let n = self.n;
                let (lo, hi) = self.veh.split_at_mut(k * n);
                let (prev, cur) = (&lo[(k - 1) * n..], &mut hi[..n]);
                let (lo, hi) = self.veh_from.split_at_mut(k * n);
                let (from_prev, from_cur) = (&lo[(k - 1) * n..], &mut hi[..n]);
                for s in 0..n {
                    // Stored values are `INF − t`: larger is better.
                    if prev[s] > cur[s] {
                        cur[s] = prev[s];
                        from_cur[s] = from_prev[s];
                    }
                }
                let (lo, hi) = self.ready.split_at_mut(k * n);
                let (prev, cur) = (&lo[(k - 1) * n..], &mut hi[..n]);
                let (lo, hi) = self.ready_from.split_at_mut(k * n);
                let (from_prev, from_cur) = (&lo[(k - 1) * n..], &mut hi[..n]);
                for s in 0..n {
                    if prev[s] > cur[s] {
                        cur[s] = prev[s];
                        from_cur[s] = from_prev[s];
                    }
                }
                for p in &mut self.pending {
                    *p &= !bit;
                }
                self.written = None;
                if k + 1 < self.rounds {
                    self.changed[k] = None;
                }
            }
        }
    }

    #[inline(always)]
    fn carry_slot(&mut self, k: usize, s: usize) {
        let (p, i) = ((k - 1) * self.n + s, k * self.n + s);
        let (v, r) = (self.veh[p] > self.veh[i], self.ready[p] > self.ready[i]);
        if !(v || r) {
            return;
        }
        self.note_written(i);
        if v {
            self.veh[i] = self.veh[p];
            self.veh_from[i] = self.veh_from[p];
        }
        if r {
            self.ready[i] = self.ready[p];
            self.ready_from[i] = self.ready_from[p];
        }
        self.note_changed(k, s as u32);
    }
}

fn pack_ride(r: Ride) -> [u32; 6] {
    [r.pattern.0, r.trip, r.day, r.board, r.alight, r.chain]
}

fn unpack_ride(a: [u32; 6]) -> Ride {
    Ride {
        pattern: PatternIdx(a[0]),
        trip: a[1],
        day: a[2],
        board: a[3],
        alight: a[4],
        chain: a[5],
    }
}

fn pack_from(f: ReadyFrom) -> [u32; 3] {
    match f {
        ReadyFrom::None => [0, 0, 0],
        ReadyFrom::Origin => [1, 0, 0],
        ReadyFrom::Change { from, round, secs } => [2 + round as u32, from, secs],
    }
}

fn unpack_from(a: [u32; 3]) -> ReadyFrom {
    match a[0] {
        0 => ReadyFrom::None,
        1 => ReadyFrom::Origin,
        r => ReadyFrom::Change {
            from: a[1],
            round: (r - 2) as u8,
            secs: a[2],
        },
    }
}

impl Drop for Labels {
    /// Keeps the store for the thread's next search (see [`Labels::take`]).
    fn drop(&mut self) {
        if self.n == 0 {
            return;
        }
        let mut mine = Some(std::mem::replace(self, Labels::new(0, 0)));
        // Not reachable once the thread is ending: then the store is freed.
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut()
                && s.len() < SPARES
                && let Some(l) = mine.take()
            {
                s.push(l);
            }
        });
        // Not kept: freed (with no slots, its own drop does nothing more).
        if let Some(mut l) = mine {
            l.n = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ride(x: u32) -> Ride {
        Ride {
            pattern: PatternIdx(x),
            trip: x + 1,
            day: 2,
            board: 0,
            alight: 3,
            chain: u32::MAX,
        }
    }

    /// Writes `count` labels in round 0 and 1, carries into 2, and checks round 2 against the
    /// better of rounds 0 and 1 at every slot.
    fn check(n: usize, rounds: usize, count: usize) {
        let mut l = Labels::new(n, rounds);
        for s in 0..count as u32 {
            let s = (s * 7) % n as u32;
            l.set_ready(0, s, 100 + s as i64, ReadyFrom::Origin);
            l.set_veh(0, s, 200 + s as i64, ride(s));
        }
        l.carry(1);
        for s in 0..count as u32 {
            let s = (s * 11) % n as u32;
            if 150 + (s as i64) < l.veh(1, s) {
                l.set_veh(1, s, 150 + s as i64, ride(s + 1));
            }
        }
        l.carry(2);
        for s in 0..n as u32 {
            let best = l.veh(0, s).min(l.veh(1, s));
            assert_eq!(l.veh(2, s), best, "slot {s}");
            assert_eq!(l.ready(2, s), l.ready(0, s), "slot {s}");
            if best < INF {
                let r = l.veh_from(2, s).map(|r| r.pattern);
                let want = if l.veh(1, s) < l.veh(0, s) { s + 1 } else { s };
                assert_eq!(r, Some(PatternIdx(want)));
            } else {
                assert!(l.veh_from(2, s).is_none());
                assert!(matches!(l.ready_from(2, s), ReadyFrom::None));
            }
        }
        l.reset();
        for k in 0..rounds {
            for s in 0..n as u32 {
                assert_eq!((l.veh(k, s), l.ready(k, s)), (INF, INF));
            }
        }
    }

    #[test]
    fn carry_and_reset_sparse_dense_and_unlisted() {
        check(1000, 4, 10); // listed
        check(1000, 4, 900); // too many to list: full passes
        check(50, 20, 30); // more rounds than `pending` has bits
    }

    #[test]
    fn a_dropped_store_serves_the_next_search_empty() {
        let mut l = Labels::take(64, 3);
        l.set_veh(1, 5, 10, ride(1));
        drop(l);
        let l = Labels::take(64, 2);
        assert_eq!(l.veh(1, 5), INF);
    }
}
