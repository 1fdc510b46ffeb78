//! The label store of one RAPTOR search: per round and label slot, the best scan time by
//! vehicle (`veh`) and the best scan time one can board (`ready`), with where each came from.
//!
//! Why it is its own type: on a country-size network a search has rounds × 150 k slots of
//! labels and touches a few tens of thousands of slots. In a fresh process every page it
//! touches is a page fault (1–1.6 µs each here, measured), so the store is laid out for the
//! pages a search touches:
//! - a slot gets a *row* when it is first written: rows are numbered in the order slots are
//!   reached, and a per-slot row number says where a slot's labels are (0: the shared row of
//!   unreached labels, never written). Round k's labels of rows 0, 1, 2, … lie side by side
//!   (round-major over rows), so a search touches, per round, a dense block as long as the
//!   slots it has reached, and nothing for the rest. The arrays and the row numbers are
//!   allocated zeroed: pages never written are never faulted in. (Round-major keeps a city
//!   search's scans as dense as a per-slot array would; a slot-major layout touched as many
//!   pages and was 4–6% slower on Charlotte.)
//! - a label is 24 bytes: both times (`INF − t`, so 0 is unreached) and two references. Where
//!   a label came from (a [`Ride`], 24 bytes, or a [`ReadyFrom`]) is appended to a log when it
//!   is set, and only its index is stored and carried;
//! - labels mean "with at most k rides", so round k starts as a copy of round k − 1: only the
//!   slots written in round k − 1 since its last copy are copied ([`Labels::carry`]); when
//!   they are too many to list, the pass runs over the rows handed out, not over every slot;
//! - a store is emptied for another search by zeroing the rows handed out in the rounds used,
//!   and kept for the thread's next search when dropped ([`Labels::take`]): the searches of a
//!   query (its tightening passes, a growing horizon) and of a process's further queries
//!   reuse it instead of allocating again.
//!
//! On the country-size feed this took the label stores from 9,000 of a cross-country
//! arrive-by query's 12,200 page faults (four round-major arrays over every slot, 52 bytes a
//! label) to about 1,500 of 5,700.

use super::raptor::{INF, ReadyFrom, Ride};
use crate::timetable::PatternIdx;
use std::cell::RefCell;

/// How many dropped stores a thread keeps (a query's search and its passes' store).
const SPARES: usize = 2;

thread_local! {
    static SPARE: RefCell<Vec<Labels>> = const { RefCell::new(Vec::new()) };
}

/// A list of changed slots is kept while it is shorter than 1/`SPARSE` of the slots; past
/// that, a pass over the rows is as cheap, and the list is dropped for one (a city search
/// reaches most stops; a country-size one a small part of them).
const SPARSE: usize = 16;

/// Row numbers (slots reached) reserved when a store is made.
const FIRST_ROWS: usize = 4096;

pub(crate) struct Labels {
    /// Label slots.
    n: usize,
    rounds: usize,
    /// Per slot: its row, 0 when it has none (row 0 is all unreached and never written).
    row: Vec<u32>,
    /// `INF − t` for scan time `t` (0: unreached) of row r in round k, at `k * (n + 1) + r`:
    /// room for a row per slot, handed out in the order slots are reached (rows from
    /// `slot.len()` on are all zero).
    veh: Vec<i64>,
    ready: Vec<i64>,
    /// At the same index: the vehicle label's ride in `rides` and the ready label's origin in
    /// `froms`.
    refs: Vec<[u32; 2]>,
    /// Per row: its slot (row 0's is meaningless).
    slot: Vec<u32>,
    /// The rides of vehicle labels ([`Ride`] packed), appended when set.
    rides: Vec<[u32; 6]>,
    /// How ready labels were reached ([`ReadyFrom`] packed), appended when set.
    froms: Vec<[u32; 3]>,
    /// Per round: the slots whose labels changed since they were last carried into the next
    /// round, each once (bit k of `pending[s]`: slot s is in `changed[k]`); `None` when there
    /// were too many to list (the next carry looks at every row).
    changed: Vec<Option<Vec<u32>>>,
    pending: Vec<u16>,
    /// Rounds below this may hold labels (round 0 from the start; a round when it is carried
    /// into).
    rounds_used: usize,
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
        let mut slot = Vec::with_capacity(FIRST_ROWS.min(n + 1));
        // Row 0: the unreached labels every slot without a row reads.
        slot.push(u32::MAX);
        // Zeroed by the allocator: the pages of rows never handed out are never touched.
        let len = (n + 1) * rounds;
        Labels {
            n,
            rounds,
            row: vec![0; n],
            veh: vec![0; len],
            ready: vec![0; len],
            refs: vec![[0; 2]; len],
            slot,
            rides: Vec::new(),
            froms: Vec::new(),
            changed: vec![Self::lists(rounds).then(Vec::new); rounds],
            pending: vec![0; n],
            rounds_used: 1,
        }
    }

    /// Whether changed slots are listed per round: `pending` has a bit per round (the CLI
    /// allows 11 rides, 12 rounds); beyond 16 rounds every carry is a pass over the rows.
    fn lists(rounds: usize) -> bool {
        rounds <= 16
    }

    /// Empties the store: every slot without a row again.
    fn reset(&mut self) {
        for &s in &self.slot[1..] {
            self.row[s as usize] = 0;
        }
        // `refs` is read only where a time is set: it need not be cleared.
        let (w, used) = (self.n + 1, self.slot.len());
        for k in 0..self.rounds_used {
            let rows = k * w + 1..k * w + used;
            self.veh[rows.clone()].fill(0);
            self.ready[rows].fill(0);
        }
        self.rounds_used = 1;
        self.slot.truncate(1);
        self.rides.clear();
        self.froms.clear();
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

    /// The index of slot `s`'s label of round `k` (in row 0 when `s` has no row).
    #[inline(always)]
    fn at(&self, k: usize, s: u32) -> usize {
        k * (self.n + 1) + self.row[s as usize] as usize
    }

    /// The index of slot `s`'s label of round `k`, giving `s` a row when it has none.
    #[inline(always)]
    fn at_mut(&mut self, k: usize, s: u32) -> usize {
        let mut r = self.row[s as usize];
        if r == 0 {
            r = self.new_row(s);
        }
        k * (self.n + 1) + r as usize
    }

    #[inline(never)]
    fn new_row(&mut self, s: u32) -> u32 {
        let r = self.slot.len() as u32;
        self.slot.push(s);
        self.row[s as usize] = r;
        r
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
        debug_assert!(
            k < self.rounds_used,
            "round {k} is written after it is carried into"
        );
        let i = self.at_mut(k, s);
        self.veh[i] = INF - t;
        self.refs[i][0] = self.rides.len() as u32;
        self.rides.push(pack_ride(ride));
        self.note_changed(k, s);
    }

    #[inline]
    pub fn set_ready(&mut self, k: usize, s: u32, t: i64, from: ReadyFrom) {
        debug_assert!(
            k < self.rounds_used,
            "round {k} is written after it is carried into"
        );
        let i = self.at_mut(k, s);
        self.ready[i] = INF - t;
        self.refs[i][1] = self.froms.len() as u32;
        self.froms.push(pack_from(from));
        self.note_changed(k, s);
    }

    /// The ride of the vehicle label of slot `s` in round `k`, if it is reached.
    pub fn veh_from(&self, k: usize, s: u32) -> Option<Ride> {
        if s as usize >= self.n {
            return None;
        }
        let i = self.at(k, s);
        (self.veh[i] != 0).then(|| unpack_ride(self.rides[self.refs[i][0] as usize]))
    }

    /// How the ready label of slot `s` in round `k` was reached.
    pub fn ready_from(&self, k: usize, s: u32) -> ReadyFrom {
        let i = self.at(k, s);
        if self.ready[i] == 0 {
            return ReadyFrom::None;
        }
        unpack_from(self.froms[self.refs[i][1] as usize])
    }

    /// Makes round `k` hold, for every slot, the better of its own labels and round k − 1's
    /// ("at most k rides" includes at most k − 1), looking only at the slots of round k − 1
    /// that changed since they were last carried (at every row when they were too many to
    /// list).
    pub fn carry(&mut self, k: usize) {
        self.rounds_used = self.rounds_used.max(k + 1);
        let listed = self.changed[k - 1].replace(Vec::new());
        let bit = 1u16.checked_shl(k as u32 - 1).unwrap_or(0);
        let w = self.n + 1;
        match listed {
            Some(mut c) => {
                for &s in &c {
                    self.pending[s as usize] &= !bit;
                    let i = self.at(k, s);
                    if self.carry_row(i - w, i) {
                        self.note_changed(k, s);
                    }
                }
                c.clear();
                self.changed[k - 1] = Some(c);
            }
            None => {
                // Too many to list: every row, and round k is then not listed either.
                let rows = 1..self.slot.len();
                carry_round(&mut self.veh, &mut self.refs, 0, k, w, rows.clone());
                carry_round(&mut self.ready, &mut self.refs, 1, k, w, rows);
                for p in &mut self.pending {
                    *p &= !bit;
                }
                if k + 1 < self.rounds {
                    self.changed[k] = None;
                }
            }
        }
    }

    /// Takes the labels at `p` into `i` where they are better (stored values are `INF − t`:
    /// larger is better); whether any was.
    #[inline(always)]
    fn carry_row(&mut self, p: usize, i: usize) -> bool {
        let (v, r) = (self.veh[p] > self.veh[i], self.ready[p] > self.ready[i]);
        if v {
            self.veh[i] = self.veh[p];
            self.refs[i][0] = self.refs[p][0];
        }
        if r {
            self.ready[i] = self.ready[p];
            self.refs[i][1] = self.refs[p][1];
        }
        v || r
    }
}

/// One kind of label (`times`, with reference `j` of `refs`) of rows `rows` carried from round
/// k − 1 into round k (rounds `w` apart) where better: a pass over two whole rounds, which the
/// compiler keeps free of bounds checks (a per-row loop over both kinds was not vectorized).
fn carry_round(
    times: &mut [i64],
    refs: &mut [[u32; 2]],
    j: usize,
    k: usize,
    w: usize,
    rows: std::ops::Range<usize>,
) {
    let (lo, hi) = times.split_at_mut(k * w);
    let (prev, cur) = (&lo[(k - 1) * w..][rows.clone()], &mut hi[rows.clone()]);
    let (lo, hi) = refs.split_at_mut(k * w);
    let (from_prev, from_cur) = (&lo[(k - 1) * w..][rows.clone()], &mut hi[rows]);
    // Stored values are `INF − t`: larger is better.
    for (((p, c), fp), fc) in prev.iter().zip(cur).zip(from_prev).zip(from_cur) {
        if *p > *c {
            *c = *p;
            fc[j] = fp[j];
        }
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
        l.carry(1);
        l.set_veh(1, 5, 10, ride(1));
        drop(l);
        let l = Labels::take(64, 2);
        assert_eq!(l.veh(1, 5), INF);
    }
}
