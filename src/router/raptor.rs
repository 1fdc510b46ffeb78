//! The RAPTOR engine: one search, two directions.
//!
//! The search runs in *scan time*. Forward (depart-at), scan time is the real instant and a
//! pattern is scanned from its first stop to its last. Backward (arrive-by), scan time is the
//! *negated* instant and patterns are scanned last stop first, so "board" means "alight" and
//! "the earliest trip departing after t" means "the latest trip arriving before −t". With that
//! mapping (the `Direction` trait) the same code finds earliest arrivals and latest
//! departures, which is what keeps arrive-by exactly as good as depart-at.
//!
//! Labels are kept per round with "at most k rides" meaning (monotone in k), which makes the
//! range query (rRAPTOR: departure times scanned latest first, labels reused between them)
//! and the Pareto set by number of rides exact.
//!
//! Transfer model (the reference search in the tests implements the same):
//! - the same stop: `transfers.txt` type 3 forbids it, type 2 gives its time, type 1 is 0 s,
//!   otherwise the query's minimum transfer time;
//! - another stop: type 3 forbids it, type 2 with a time is a footpath of that time, otherwise
//!   a generated walking link within the walk radius takes
//!   `max(ceil(metres × 1.3 / speed), min transfer time)`;
//! - walks do not chain: one change between two rides.

use super::{Access, Query};
use crate::time::Instant;
use crate::timetable::{
    CAN_ALIGHT, CAN_BOARD, Pattern, PatternIdx, StopIdx, Timetable, TransferRule, Wheelchair,
};

/// Scan times beyond this are "unreached".
pub(crate) const INF: i64 = i64::MAX / 4;

/// The straight-line walking model lives in [`crate::walk`].
pub use crate::walk::{DETOUR_FACTOR, walk_secs};

/// The mapping between scan time/order and real time/order.
pub(crate) trait Direction {
    const FORWARD: bool;
    /// The flag that allows "boarding" in scan order.
    const BOARD: u8;
    /// The flag that allows "alighting" in scan order.
    const ALIGHT: u8;

    /// Real pattern position of scan position `i` in a pattern of `n` stops.
    #[inline]
    fn real_pos(i: usize, n: usize) -> usize {
        if Self::FORWARD { i } else { n - 1 - i }
    }
    /// Real instant ↔ scan time (the map is its own inverse).
    #[inline]
    fn scan(t: Instant) -> i64 {
        if Self::FORWARD { t } else { -t }
    }
    /// The transfers.txt rule for a change from scan stop `x` to scan stop `y`.
    #[inline]
    fn rule(tt: &Timetable, x: StopIdx, y: StopIdx) -> Option<TransferRule> {
        if Self::FORWARD {
            tt.transfer_rule(x, y)
        } else {
            tt.transfer_rule(y, x)
        }
    }
    /// Explicit rules for changes leaving scan stop `x`, as (scan target, rule).
    #[inline]
    fn explicit(tt: &Timetable, x: StopIdx) -> &[(StopIdx, TransferRule)] {
        if Self::FORWARD {
            tt.transfers_from(x)
        } else {
            tt.transfers_into(x)
        }
    }
}

pub(crate) struct Forward;
pub(crate) struct Backward;

impl Direction for Forward {
    const FORWARD: bool = true;
    const BOARD: u8 = CAN_BOARD;
    const ALIGHT: u8 = CAN_ALIGHT;
}

impl Direction for Backward {
    const FORWARD: bool = false;
    const BOARD: u8 = CAN_ALIGHT;
    const ALIGHT: u8 = CAN_BOARD;
}

/// A search in scan space: depart at `start` (or during `[start, start + window]`) from the
/// `origins`, reach the `targets`.
pub(crate) struct ScanQuery<'a> {
    pub start: i64,
    pub window: i64,
    pub origins: &'a [Access],
    pub targets: &'a [Access],
    pub max_rides: usize,
    pub q: &'a Query,
    /// No label beyond this scan time is kept (the journey-length horizon).
    pub limit: i64,
    /// Service days that may be used.
    pub days: std::ops::RangeInclusive<usize>,
}

/// A ride in scan terms.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Ride {
    pub pattern: PatternIdx,
    /// Trip index within the pattern.
    pub trip: u32,
    pub day: u32,
    /// Scan positions.
    pub board: u32,
    pub alight: u32,
}

#[derive(Copy, Clone, Debug)]
enum ReadyFrom {
    None,
    Origin,
    /// A change from the vehicle label of `from` in round `round`.
    Change {
        from: StopIdx,
        round: u8,
    },
}

/// One leg of a journey found in scan space.
#[derive(Clone, Debug)]
pub(crate) enum ScanLeg {
    /// From the origin place to the first boarding stop.
    Access {
        stop: StopIdx,
    },
    Ride(Ride),
    /// A change between two different stops.
    Change {
        from: StopIdx,
        to: StopIdx,
    },
    Egress {
        stop: StopIdx,
    },
}

/// A Pareto-optimal journey found in scan space.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub rides: usize,
    /// Scan-time arrival (last alighting plus egress).
    pub arr: i64,
    pub legs: Vec<ScanLeg>,
}

/// Counters for `--stats`.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counters {
    pub iterations: u64,
    pub rounds: u64,
    pub patterns_scanned: u64,
    pub stops_relaxed: u64,
}

/// The search state, reusable across the departure times of a range query.
pub(crate) struct Search<'a, D: Direction> {
    tt: &'a Timetable,
    sq: ScanQuery<'a>,
    n: usize,
    /// `veh[k * n + s]`: best scan arrival by vehicle at s with ≤ k rides.
    veh: Vec<i64>,
    veh_from: Vec<Option<Ride>>,
    /// `ready[k * n + s]`: best scan time one can board at s with ≤ k rides before it.
    ready: Vec<i64>,
    ready_from: Vec<ReadyFrom>,
    /// `tgt[k]`: best scan arrival at the destination with ≤ k rides.
    tgt: Vec<i64>,
    egress: Vec<u32>,
    marked: Vec<bool>,
    marked_list: Vec<StopIdx>,
    /// Stops whose vehicle label improved in the current round.
    improved: Vec<bool>,
    queue_pos: Vec<u32>,
    queued: Vec<PatternIdx>,
    pub counters: Counters,
    _d: std::marker::PhantomData<D>,
}

const NONE: u32 = u32::MAX;

impl<'a, D: Direction> Search<'a, D> {
    pub fn new(tt: &'a Timetable, sq: ScanQuery<'a>) -> Self {
        let n = tt.stops.len();
        let r = sq.max_rides + 1;
        let mut egress = vec![NONE; n];
        for a in sq.targets {
            egress[a.stop.ix()] = egress[a.stop.ix()].min(a.secs);
        }
        Search {
            tt,
            n,
            veh: vec![INF; r * n],
            veh_from: vec![None; r * n],
            ready: vec![INF; r * n],
            ready_from: vec![ReadyFrom::None; r * n],
            tgt: vec![INF; r],
            egress,
            marked: vec![false; n],
            marked_list: Vec::new(),
            improved: vec![false; n],
            queue_pos: vec![NONE; tt.patterns.len()],
            queued: Vec::new(),
            counters: Counters::default(),
            sq,
            _d: std::marker::PhantomData,
        }
    }

    /// Runs the search. Single query: one iteration at `start`. Range query: one iteration per
    /// distinct departure time in the window, latest first, reusing labels.
    pub fn run(&mut self) -> Vec<Found> {
        let mut found = Vec::new();
        if self.sq.window == 0 {
            self.iteration(self.sq.start, &mut found);
            return found;
        }
        let (sentinel, starts) = self.departure_times();
        // The first departure after the window is searched first and its journeys dropped.
        // They still compete: a journey leaving inside the window is reported only if nothing
        // leaving later (inside or after it) arrives as early with no more transfers. Leaving
        // at 00:49, riding the wrong way and waiting six hours for a 07:43 arrival is not an
        // answer when leaving at 07:29 arrives at 07:43 too.
        if let Some(t) = sentinel {
            self.iteration(t, &mut Vec::new());
        }
        for t in starts {
            self.iteration(t, &mut found);
        }
        found
    }

    fn stop_ok(&self, s: StopIdx) -> bool {
        !self.sq.q.wheelchair || self.tt.stops[s.ix()].wheelchair == Wheelchair::Accessible
    }

    fn trip_ok(&self, p: &Pattern, trip: usize, day: usize) -> bool {
        let t = &self.tt.trips[p.trips_start as usize + trip];
        self.tt.service_active(t.service, day)
            && (!self.sq.q.wheelchair || t.wheelchair == Wheelchair::Accessible)
    }

    /// Scan time of "boarding" (`board`) or "alighting" trip `trip` on `day` at scan position
    /// `i`. Backward, boarding in scan terms is alighting in real terms, negated.
    #[inline]
    fn event_time(&self, p: &Pattern, trip: usize, day: usize, i: usize, board: bool) -> i64 {
        let pos = D::real_pos(i, p.num_stops as usize);
        let base = self.tt.day_start[day];
        let k = p.times_start as usize + pos * p.num_trips as usize + trip;
        let departure = board == D::FORWARD;
        let t = base
            + if departure {
                self.tt.dep[k]
            } else {
                self.tt.arr[k]
            } as i64;
        if D::FORWARD { t } else { -t }
    }

    #[inline]
    fn board_time(&self, p: &Pattern, trip: usize, day: usize, i: usize) -> i64 {
        self.event_time(p, trip, day, i, true)
    }

    #[inline]
    fn alight_time(&self, p: &Pattern, trip: usize, day: usize, i: usize) -> i64 {
        self.event_time(p, trip, day, i, false)
    }

    /// The trip instance (trip, day) of `p` with the earliest scan board time ≥ `t` at scan
    /// position `i`, over the query's service days.
    fn earliest_trip(&self, p: &Pattern, i: usize, t: i64) -> Option<(u32, u32, i64)> {
        let n = p.num_stops as usize;
        let pos = D::real_pos(i, n);
        let nt = p.num_trips as usize;
        let col_start = p.times_start as usize + pos * nt;
        let mut best: Option<(u32, u32, i64)> = None;
        let days = self.sq.days.clone();
        if D::FORWARD {
            let col = &self.tt.dep[col_start..col_start + nt];
            for d in days {
                let base = self.tt.day_start[d];
                if base + col[nt - 1] as i64 >= t {
                    if let Some((_, _, b)) = best
                        && base + col[0] as i64 >= b
                    {
                        break;
                    }
                    let from = col.partition_point(|&x| base + (x as i64) < t);
                    for (k, &x) in col.iter().enumerate().skip(from) {
                        let bt = base + x as i64;
                        if best.is_some_and(|(_, _, b)| bt >= b) {
                            break;
                        }
                        if self.trip_ok(p, k, d) {
                            best = Some((k as u32, d as u32, bt));
                            break;
                        }
                    }
                }
            }
        } else {
            // Scan time −(arrival): the latest arrival at or before −t.
            let col = &self.tt.arr[col_start..col_start + nt];
            let real = -t;
            for d in days.rev() {
                let base = self.tt.day_start[d];
                if base + (col[0] as i64) <= real {
                    if let Some((_, _, b)) = best
                        && -(base + col[nt - 1] as i64) >= b
                    {
                        break;
                    }
                    let upto = col.partition_point(|&x| base + (x as i64) <= real);
                    for k in (0..upto).rev() {
                        let bt = -(base + col[k] as i64);
                        if best.is_some_and(|(_, _, b)| bt >= b) {
                            break;
                        }
                        if self.trip_ok(p, k, d) {
                            best = Some((k as u32, d as u32, bt));
                            break;
                        }
                    }
                }
            }
        }
        best
    }

    /// All scan departure times in the window (each possible boarding at an origin minus its
    /// access time), latest first, and the first departure time after the window.
    fn departure_times(&self) -> (Option<i64>, Vec<i64>) {
        let (lo, hi) = (self.sq.start, self.sq.start + self.sq.window);
        let mut times = Vec::new();
        let mut sentinel: Option<i64> = None;
        for a in self.sq.origins {
            if !self.stop_ok(a.stop) {
                continue;
            }
            for &(pi, pos) in self.tt.patterns_at(a.stop) {
                let p = &self.tt.patterns[pi.ix()];
                let n = p.num_stops as usize;
                let i = D::real_pos(pos as usize, n); // real → scan is the same map
                if self.tt.pattern_flags(p)[pos as usize] & D::BOARD == 0 {
                    continue;
                }
                for d in self.sq.days.clone() {
                    for k in 0..p.num_trips as usize {
                        let t = self.board_time(p, k, d, i) - a.secs as i64;
                        if t < lo || !self.trip_ok(p, k, d) {
                            continue;
                        }
                        if t <= hi {
                            times.push(t);
                        } else if sentinel.is_none_or(|x| t < x) {
                            sentinel = Some(t);
                        }
                    }
                }
            }
        }
        times.sort_unstable_by(|a, b| b.cmp(a));
        times.dedup();
        (sentinel, times)
    }

    fn mark(&mut self, s: StopIdx) {
        if !self.marked[s.ix()] {
            self.marked[s.ix()] = true;
            self.marked_list.push(s);
        }
    }

    fn iteration(&mut self, start: i64, found: &mut Vec<Found>) {
        self.counters.iterations += 1;
        let n = self.n;
        let r_max = self.sq.max_rides;
        let tgt_before = self.tgt.clone();
        // Round 0: the origins.
        for a in self.sq.origins {
            let s = a.stop;
            let t = start + a.secs as i64;
            if t < self.ready[s.ix()] && self.stop_ok(s) {
                self.ready[s.ix()] = t;
                self.ready_from[s.ix()] = ReadyFrom::Origin;
                self.mark(s);
            }
        }
        for k in 1..=r_max {
            if self.marked_list.is_empty() {
                break;
            }
            self.counters.rounds += 1;
            // "At most k rides" includes everything with at most k − 1.
            let (lo, hi) = self.veh.split_at_mut(k * n);
            let (vprev, vcur) = (&lo[(k - 1) * n..], &mut hi[..n]);
            let (flo, fhi) = self.veh_from.split_at_mut(k * n);
            for s in 0..n {
                if vprev[s] < vcur[s] {
                    vcur[s] = vprev[s];
                    fhi[s] = flo[(k - 1) * n + s];
                }
            }
            let (lo, hi) = self.ready.split_at_mut(k * n);
            let (rprev, rcur) = (&lo[(k - 1) * n..], &mut hi[..n]);
            let (flo, fhi) = self.ready_from.split_at_mut(k * n);
            for s in 0..n {
                if rprev[s] < rcur[s] {
                    rcur[s] = rprev[s];
                    fhi[s] = flo[(k - 1) * n + s];
                }
            }
            let bound = self.tgt[k].min(self.tgt[k - 1]).min(self.sq.limit);

            // Collect the patterns through marked stops, from their first marked position.
            for s in std::mem::take(&mut self.marked_list) {
                self.marked[s.ix()] = false;
                for &(pi, pos) in self.tt.patterns_at(s) {
                    let p = &self.tt.patterns[pi.ix()];
                    let i = D::real_pos(pos as usize, p.num_stops as usize) as u32;
                    let q = &mut self.queue_pos[pi.ix()];
                    if *q == NONE {
                        self.queued.push(pi);
                        *q = i;
                    } else if i < *q {
                        *q = i;
                    }
                }
            }
            let queued = std::mem::take(&mut self.queued);
            let mut improved: Vec<StopIdx> = Vec::new();
            for &pi in &queued {
                let first = std::mem::replace(&mut self.queue_pos[pi.ix()], NONE) as usize;
                self.scan_pattern(pi, first, k, bound, &mut improved);
            }
            self.queued = queued;
            self.queued.clear();

            // Destination.
            let mut best_k = INF;
            let mut best_stop = None;
            for a in self.sq.targets {
                let s = a.stop;
                let e = self.egress[s.ix()];
                let v = self.veh[k * n + s.ix()];
                if v < INF && v + (e as i64) < best_k {
                    best_k = v + e as i64;
                    best_stop = Some(s);
                }
            }
            if best_k < self.tgt[k - 1]
                && best_k < tgt_before[k]
                && let Some(stop) = best_stop
            {
                let legs = self.reconstruct(k, stop);
                found.push(Found {
                    rides: k,
                    arr: best_k,
                    legs,
                });
            }
            self.tgt[k] = self.tgt[k].min(best_k).min(self.tgt[k - 1]);

            // Changes.
            for s in &improved {
                self.improved[s.ix()] = false;
            }
            if k < r_max {
                self.relax_changes(k, &improved);
            }
        }
        // Rounds not reached still need the "at most k" copy for the next iteration's bound.
        for k in 1..=r_max {
            self.tgt[k] = self.tgt[k].min(self.tgt[k - 1]);
        }
        for s in std::mem::take(&mut self.marked_list) {
            self.marked[s.ix()] = false;
        }
    }

    fn scan_pattern(
        &mut self,
        pi: PatternIdx,
        first: usize,
        k: usize,
        bound: i64,
        improved: &mut Vec<StopIdx>,
    ) {
        self.counters.patterns_scanned += 1;
        let tt = self.tt;
        let n_stops = self.n;
        let p = &tt.patterns[pi.ix()];
        let n = p.num_stops as usize;
        let stops = tt.pattern_stops(p);
        let flags = tt.pattern_flags(p);
        // (trip, day, scan board position, scan board time at current position)
        let mut cur: Option<(u32, u32, u32)> = None;
        for i in first..n {
            let pos = D::real_pos(i, n);
            let s = stops[pos];
            let f = flags[pos];
            if let Some((trip, day, board)) = cur
                && f & D::ALIGHT != 0
                && self.stop_ok(s)
            {
                let t = self.alight_time(p, trip as usize, day as usize, i);
                let idx = k * n_stops + s.ix();
                if t < self.veh[idx] && t < bound {
                    if !self.improved[s.ix()] {
                        self.improved[s.ix()] = true;
                        improved.push(s);
                    }
                    self.veh[idx] = t;
                    self.veh_from[idx] = Some(Ride {
                        pattern: pi,
                        trip,
                        day,
                        board,
                        alight: i as u32,
                    });
                }
            }
            if f & D::BOARD != 0 {
                let r = self.ready[(k - 1) * n_stops + s.ix()];
                if r < INF && self.stop_ok(s) {
                    let current = cur.map(|(trip, day, _)| {
                        (
                            self.board_time(p, trip as usize, day as usize, i),
                            self.alight_time(p, trip as usize, day as usize, n - 1),
                        )
                    });
                    if current.is_none_or(|(c, _)| r <= c)
                        && let Some((trip, day, bt)) = self.earliest_trip(p, i, r)
                    {
                        // Switch to the earlier trip; on a tie here, to the one that is better at
                        // the end of the pattern (and so, trips never overtaking, everywhere on).
                        let better = match current {
                            None => true,
                            Some((c, end)) => {
                                bt < c
                                    || (bt == c
                                        && self.alight_time(p, trip as usize, day as usize, n - 1)
                                            < end)
                            }
                        };
                        if better {
                            cur = Some((trip, day, i as u32));
                        }
                    }
                }
            }
        }
    }

    /// From every stop reached by vehicle in round `k`, the changes to board again.
    fn relax_changes(&mut self, k: usize, improved: &[StopIdx]) {
        let tt = self.tt;
        let q = self.sq.q;
        let n = self.n;
        let min_change = q.min_transfer_secs as i64;
        let bound = self.tgt[k].min(self.sq.limit);
        for &x in improved {
            self.counters.stops_relaxed += 1;
            let v = self.veh[k * n + x.ix()];
            if v >= INF {
                continue;
            }
            let same = match D::rule(tt, x, x) {
                Some(TransferRule::Forbidden) => None,
                Some(TransferRule::MinTime(m)) => Some(m as i64),
                _ => Some(min_change),
            };
            if let Some(c) = same {
                self.offer_ready(k, x, v + c, x, bound);
            }
            for &(y, rule) in D::explicit(tt, x) {
                if let TransferRule::MinTime(m) = rule
                    && y != x
                {
                    self.offer_ready(k, y, v + m as i64, x, bound);
                }
            }
            if q.walk_radius_m > 0 {
                for &(y, metres) in tt.walk_links_for(x, q.wheelchair) {
                    if metres > q.walk_radius_m {
                        break;
                    }
                    match D::rule(tt, x, y) {
                        Some(TransferRule::Forbidden) | Some(TransferRule::MinTime(_)) => continue,
                        _ => {}
                    }
                    let c = (tt.link_walk_secs(metres, q.walk_speed_mps) as i64).max(min_change);
                    self.offer_ready(k, y, v + c, x, bound);
                }
            }
        }
    }

    fn offer_ready(&mut self, k: usize, y: StopIdx, t: i64, from: StopIdx, bound: i64) {
        let idx = k * self.n + y.ix();
        if t < self.ready[idx] && t < bound && self.stop_ok(y) {
            self.ready[idx] = t;
            self.ready_from[idx] = ReadyFrom::Change {
                from,
                round: k as u8,
            };
            self.mark(y);
        }
    }

    /// Follows the parent pointers from the vehicle label of `stop` in round `k`.
    fn reconstruct(&self, k: usize, stop: StopIdx) -> Vec<ScanLeg> {
        let n = self.n;
        let mut legs = vec![ScanLeg::Egress { stop }];
        let (mut s, mut k) = (stop, k);
        // Bounded by the number of rounds: each step goes to a lower round.
        for _ in 0..=2 * self.sq.max_rides + 1 {
            let Some(ride) = self.veh_from[k * n + s.ix()] else {
                break;
            };
            legs.push(ScanLeg::Ride(ride));
            let p = &self.tt.patterns[ride.pattern.ix()];
            let b =
                self.tt.pattern_stops(p)[D::real_pos(ride.board as usize, p.num_stops as usize)];
            match self.ready_from[(k - 1) * n + b.ix()] {
                ReadyFrom::Origin | ReadyFrom::None => {
                    legs.push(ScanLeg::Access { stop: b });
                    break;
                }
                ReadyFrom::Change { from, round, .. } => {
                    if from != b {
                        legs.push(ScanLeg::Change { from, to: b });
                    }
                    s = from;
                    k = round as usize;
                }
            }
        }
        legs.reverse();
        legs
    }
}
