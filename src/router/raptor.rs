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
//! - the most specific `transfers.txt` rule matching the change decides (trip pair, trip and
//!   route, one trip, route pair, one route, stops; see [`crate::timetable::rules`]): type 3
//!   forbids it, type 2 with a time and type 1 (0 s) give its time, at the same stop or as a
//!   footpath to another;
//! - otherwise (no rule, type 0, type 2 without a time): at the same stop the query's minimum
//!   transfer time; to another stop a generated walking link within the walk radius taking
//!   `max(ceil(metres × 1.3 / speed), min transfer time)`;
//! - walks do not chain: one change between two rides.
//!
//! Labels live in *slots*: one per stop, plus one per (stop, class of trips) that a route- or
//! trip-specific rule singles out (see [`crate::timetable::rules`]); without such rules the
//! slots are the stops.
//!
//! **Staying on board.** A trip may continue as another (same `block_id`, or a type 4 row): the
//! rider stays seated, with no transfer counted and no change time. When a pattern scan ends,
//! every trip instance the rider could have been on at its last stop (all instances from the
//! earliest catchable one on, per service day) is followed into its continuation, which is
//! scanned from its first stop in the same round; a continuation of a trip of the same pattern
//! and day as one already followed this round is dominated (FIFO) and only followed further.
//! Backward, the same happens with the trips a trip continues from. A ride through
//! continuations is one ride over the concatenated stops of its trips.

use super::labels::Labels;
use super::lower::{LazyLower, LowerBound};
use super::scratch::{NONE, Scratch};
use super::{Access, Query};
use crate::time::Instant;
use crate::timetable::freq::Times;
use crate::timetable::{
    CAN_ALIGHT, CAN_BOARD, Column, Pattern, PatternIdx, StopIdx, Timetable, TransferRule,
    Wheelchair,
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
    /// The route- or trip-specific rule for a change from scan slot `x` to scan slot `y`.
    #[inline]
    fn specific(tt: &Timetable, x: u32, y: u32) -> Option<TransferRule> {
        if Self::FORWARD {
            tt.specific_rule(x, y)
        } else {
            tt.specific_rule(y, x)
        }
    }
    /// The stops that specific rules lead to from scan stop `a` (with repeats).
    #[inline]
    fn specific_targets(tt: &Timetable, a: StopIdx) -> impl Iterator<Item = StopIdx> + '_ {
        let (list, fwd) = if Self::FORWARD {
            (tt.specific_from(a), true)
        } else {
            (tt.specific_into(a), false)
        };
        list.iter()
            .map(move |r| if fwd { r.to_stop } else { r.from_stop })
    }
    /// The slot a scan alighting at real position `pos` of `p` writes.
    #[inline]
    fn alight_slot(tt: &Timetable, p: &Pattern, pos: usize) -> u32 {
        if Self::FORWARD {
            tt.arrive_slot(p, pos)
        } else {
            tt.board_slot(p, pos)
        }
    }
    /// The slot a scan boarding at real position `pos` of `p` reads.
    #[inline]
    fn board_slot(tt: &Timetable, p: &Pattern, pos: usize) -> u32 {
        if Self::FORWARD {
            tt.board_slot(p, pos)
        } else {
            tt.arrive_slot(p, pos)
        }
    }
    /// Extra slots of scan boardings at stop `s`.
    #[inline]
    fn board_slots_at(tt: &Timetable, s: StopIdx) -> &[u32] {
        if Self::FORWARD {
            tt.to_slots_at(s)
        } else {
            tt.from_slots_at(s)
        }
    }
    /// Extra slots of scan alightings at stop `s`.
    #[inline]
    fn alight_slots_at(tt: &Timetable, s: StopIdx) -> &[u32] {
        if Self::FORWARD {
            tt.from_slots_at(s)
        } else {
            tt.to_slots_at(s)
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
    /// For a tightening pass: what the search in the other direction found (see
    /// [`Corridor`]); labels no journey of the pass could use are not kept.
    pub corridor: Option<&'a Corridor>,
    /// Lower bounds towards the targets (see [`Search::below_bound`]); only for a search
    /// whose labels are read at its targets alone.
    pub lower: Option<&'a LazyLower<'a>>,
}

/// What a finished search knows about each stop, kept to prune a tightening pass run the
/// other way (the latest departure for a depart-at answer, the earliest arrival for an
/// arrive-by one): that search's own label arrays, moved out of it (labels are "at most m
/// rides" up to the last round it ran, which stands for the rounds after it); a stop's label is
/// the best over its slots, in that search's scan time.
///
/// Why pruning by it is exact: a pass in round k with at most K rides builds the end of a
/// journey whose beginning has at most K − k rides and lies inside the first search's span
/// and below its target bounds (the pass's answer arrives no later than a journey the first
/// search found with K rides, and every bound it used with fewer rides is later than that).
/// So the first search's label at the stop is at least as good as that beginning's. A pass
/// vehicle label (a boarding, in real terms, for a backward pass) needs the first search's
/// ready label there to be no later; a pass ready label needs its vehicle label. Scan times
/// of the two directions are negatives of each other: keep `t` only if `t ≤ −label`. A label
/// pruned this way is no better than one that is infeasible, so what the pass keeps and
/// finds is unchanged.
///
/// The first search may itself be pruned by lower bounds ([`Search::below_bound`]); the
/// argument still holds. The pass's answer arrives (first-search scan terms, egress included)
/// at some `A'` no later than the first search's journey with K rides, and every label of its
/// beginning, of scan time `t` at a stop `s`, has `t + lb(s) ≤ A'` (the rest of the answer is
/// a way on from `s`). In rounds ≤ K the first search's target bound was later than that
/// journey (it was an improvement on fewer rides), and `A'` is within the horizon widened by
/// the longest egress, so none of those labels, nor any label as good at their stops, was
/// pruned: the first search's labels there are still at least as good as the beginning's.
pub(crate) struct Corridor {
    /// The last round the search ran.
    reached: usize,
    labels: Labels,
}

/// A ride (or one trip of a ride through continuations) in scan terms.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Ride {
    pub pattern: PatternIdx,
    /// Trip index within the pattern.
    pub trip: u32,
    pub day: u32,
    /// Scan positions.
    pub board: u32,
    pub alight: u32,
    /// The trip before this one in scan order when the rider stayed on board into it: an
    /// index into the search's chain links, or [`NONE`].
    pub chain: u32,
}

/// One trip of a ride through continuations, before the trip that follows it in scan order.
#[derive(Copy, Clone, Debug)]
struct Link {
    pattern: PatternIdx,
    trip: u32,
    day: u32,
    /// Scan position where the rider boarded (0 when entered in-seat).
    board: u32,
    prev: u32,
}

#[derive(Copy, Clone, Debug)]
pub(crate) enum ReadyFrom {
    None,
    Origin,
    /// A change from the vehicle label of slot `from` in round `round`, taking `secs`.
    Change {
        from: u32,
        round: u8,
        secs: u32,
    },
}

/// One leg of a journey found in scan space.
#[derive(Clone, Debug)]
pub(crate) enum ScanLeg {
    /// From the origin place to the first boarding stop.
    Access {
        stop: StopIdx,
    },
    /// A trip ridden; `stay` when the rider stayed on board into it from the previous ride
    /// leg in scan order.
    Ride {
        ride: Ride,
        stay: bool,
    },
    /// A change between two different stops, taking `secs`.
    Change {
        from: StopIdx,
        to: StopIdx,
        secs: u32,
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
    /// Trips scanned because a rider stayed on board into them.
    pub continuations_scanned: u64,
    /// Trip instances whose continuations were looked up.
    pub continuations_followed: u64,
}

impl Counters {
    /// Adds another search's counters to these.
    pub fn add(&mut self, c: &Counters) {
        self.iterations += c.iterations;
        self.rounds += c.rounds;
        self.patterns_scanned += c.patterns_scanned;
        self.stops_relaxed += c.stops_relaxed;
        self.continuations_scanned += c.continuations_scanned;
        self.continuations_followed += c.continuations_followed;
    }
}

/// The search state, reusable across the departure times of a range query.
pub(crate) struct Search<'a, D: Direction> {
    tt: &'a Timetable,
    sq: ScanQuery<'a>,
    /// Per round k and label slot s (stops, then the extra slots of specific rules): the best
    /// scan arrival by vehicle with ≤ k rides, and the best scan time one can board with ≤ k
    /// rides before it.
    labels: Labels,
    /// `tgt[k]`: best scan arrival at the destination with ≤ k rides.
    tgt: Vec<i64>,
    /// The per-stop, per-slot, per-pattern and continuation work arrays, kept by the thread
    /// between searches ([`Scratch`]): `egress` per stop, `marked` stops, slots whose vehicle
    /// label `improved` in the current round, `queue_pos` per pattern, and the continuation
    /// marks described below.
    scr: Scratch,
    marked_list: Vec<StopIdx>,
    /// The slots `improved` as a list (kept between rounds so it is allocated once).
    improved_list: Vec<u32>,
    /// `tgt` as it was when the current iteration started.
    tgt_before: Vec<i64>,
    /// The query asks for wheelchair-accessible trips and stops only.
    wheelchair: bool,
    /// The last round any iteration ran (labels of later rounds were never written).
    reached: usize,
    queued: Vec<PatternIdx>,
    /// Whether the feed has any in-seat continuation or specific rule (else the plain paths).
    has_cont: bool,
    has_specific: bool,
    /// Trips of a ride through continuations (see [`Ride::chain`]); kept for the whole search
    /// because labels are reused across range iterations.
    links: Vec<Link>,
    /// Continuation work of the current round: trip instances entered in-seat, to scan.
    cont_queue: Vec<(PatternIdx, u32, u32, u32)>,
    // In `scr`: per (pattern, day), `cont_best`: the earliest (in scan order) trip scanned
    // in-seat this round, as (round stamp, rank), valid when the stamp is this round's;
    // `wave_best`: (wave stamp, the earliest rank the current wave queues). The stamps
    // `stamp` (rounds) and `wave_stamp` count on over searches, so neither needs clearing.
    /// Reused buffer of a pattern scan's boardable positions.
    boardable: Vec<(u32, i64)>,
    /// The work done for continuations is remembered for the whole search, by round: labels
    /// are "at most k rides", so whatever was done in round k' ≤ k already holds in round k
    /// (and in later range iterations, whose labels only improve). Per (trip, day): the round
    /// in which it was entered in-seat (`scr.seated`), and in which its own continuation was
    /// followed (`scr.followed`), as `scr.base` + round + 1; at or below `scr.base` when not
    /// yet (marks of earlier searches; zero-filled arrays: on a country network the pages of
    /// trips a search never meets are never touched). Per (pattern, day, round),
    /// `scr.enumerated`: the first scan-order rank from which the pattern's ridable trips were
    /// followed in that round (the rest of the pattern was then followed too), bitwise
    /// negated (0: none).
    first_day: usize,
    num_days: usize,
    /// The feed's number of service days (`Timetable::num_days`, a division: kept here).
    feed_days: usize,
    // `scr.days_fifo`, per pattern: whether its instances on different service days never
    // overtake each other ([`Self::days_fifo`]): 0 not yet known, 1 yes, 2 no.
    /// The shortest gap between consecutive service-day starts searched (23 h over a
    /// spring-forward night).
    min_day_gap: i64,
    pub counters: Counters,
    /// What `t + lb(stop)` must stay below in the current round or change step (see
    /// [`Self::below_bound`]).
    lb_bound: i64,
    /// The bounds in use: taken from `sq.lower` once the search has done enough work
    /// ([`LazyLower::threshold`]).
    lower: Option<&'a LowerBound>,
    _d: std::marker::PhantomData<D>,
}

/// Whether a per-(trip, day) round mark (`seated`, `followed`) of the search whose marks are
/// above `base` says "in round ≤ k".
#[inline]
fn by_round(mark: u16, base: u16, k: usize) -> bool {
    mark > base && (mark - base) as usize <= k + 1
}

impl<D: Direction> Drop for Search<'_, D> {
    /// The work arrays go back to the thread for its next search.
    fn drop(&mut self) {
        std::mem::take(&mut self.scr).give_back(self.sq.max_rides + 1);
    }
}

impl<'a, D: Direction> Search<'a, D> {
    /// The [`Corridor`] of this finished search.
    pub fn into_corridor(mut self) -> Corridor {
        Corridor {
            reached: self.reached,
            labels: std::mem::replace(&mut self.labels, Labels::empty()),
        }
    }

    /// Whether a label of round `k` at `slot` with scan time `t` can be part of a journey the
    /// corridor allows (always, without one): a vehicle label needs the other search's ready
    /// label, a ready label its vehicle label.
    #[inline(always)]
    fn in_corridor(&self, k: usize, slot: u32, t: i64, vehicle: bool) -> bool {
        match self.sq.corridor {
            None => true,
            Some(c) => self.corridor_allows(c, k, slot, t, vehicle),
        }
    }

    /// [`Search::in_corridor`] with a corridor, out of line: most searches have none, and
    /// their check stays one comparison where it is inlined.
    #[inline(never)]
    fn corridor_allows(&self, c: &Corridor, k: usize, slot: u32, t: i64, vehicle: bool) -> bool {
        let tt = self.tt;
        let s = tt.slot_stop(slot);
        let m = (self.sq.max_rides - k).min(c.reached);
        let at = |x: u32| {
            if vehicle {
                c.labels.ready(m, x)
            } else {
                c.labels.veh(m, x)
            }
        };
        let mut other = at(s.0);
        if self.has_specific {
            for &x in tt.from_slots_at(s).iter().chain(tt.to_slots_at(s)) {
                other = other.min(at(x));
            }
        }
        t <= -other
    }

    pub fn new(tt: &'a Timetable, sq: ScanQuery<'a>) -> Self {
        let n = tt.num_slots();
        let r = sq.max_rides + 1;
        // Room for the query's own search, so that its passes' stores serve it later too.
        let labels = Labels::take(n, r.max(sq.q.max_transfers as usize + 2));
        let mut scr = Scratch::take(tt.stops.len(), n, tt.patterns.len(), r);
        let num_days = sq.days.clone().count();
        scr.size_active(tt.patterns.len() * num_days);
        for a in sq.targets {
            let e = &mut scr.egress[a.stop.ix()];
            if *e == NONE {
                scr.egress_set.push(a.stop.0);
            }
            *e = (*e).min(a.secs);
        }
        Search {
            tt,
            labels,
            tgt: vec![INF; r],
            scr,
            marked_list: Vec::new(),
            improved_list: Vec::new(),
            tgt_before: vec![INF; r],
            wheelchair: sq.q.wheelchair,
            reached: 0,
            queued: Vec::new(),
            has_cont: !tt.rules.cont.is_empty(),
            has_specific: !tt.rules.specific.is_empty(),
            links: Vec::new(),
            cont_queue: Vec::new(),
            boardable: Vec::new(),
            first_day: *sq.days.start(),
            num_days,
            feed_days: tt.num_days(),
            min_day_gap: (0..tt.zones.len().max(1) as u32)
                .flat_map(|z| {
                    tt.day_starts(z)[sq.days.clone()]
                        .windows(2)
                        .map(|w| w[1] - w[0])
                        .collect::<Vec<_>>()
                })
                .min()
                .unwrap_or(INF),
            counters: Counters::default(),
            lb_bound: INF,
            lower: None,
            sq,
            _d: std::marker::PhantomData,
        }
    }

    /// The index of (trip, day) in `seated`/`followed`.
    #[inline]
    fn td(&self, t: crate::timetable::TripIdx, d: usize) -> usize {
        t.ix() * self.num_days + (d - self.first_day)
    }

    /// Runs the search. Single query: one iteration at `start`. Range query: one iteration per
    /// distinct departure time in the window, latest first, reusing labels.
    pub fn run(&mut self) -> Vec<Found> {
        let mut found = Vec::new();
        if self.has_cont && self.num_days > 0 {
            let tt = self.tt;
            self.scr.size_continuations(
                tt.num_trip_ids() * self.num_days,
                tt.patterns.len() * self.num_days,
                self.sq.max_rides + 1,
            );
        }
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

    /// `Timetable::day_base` without its division.
    #[inline(always)]
    fn day_base(&self, zone: u32, day: usize) -> Instant {
        self.tt.day_start[zone as usize * self.feed_days + day]
    }

    fn stop_ok(&self, s: StopIdx) -> bool {
        !self.wheelchair || self.tt.stops[s.ix()].wheelchair == Wheelchair::Accessible
    }

    fn trip_ok(&self, p: &Pattern, trip: usize, day: usize) -> bool {
        let t = self.tt.trip_rec(p, trip);
        self.tt.service_active(t.service, day)
            && (!self.wheelchair || t.wheelchair() == Wheelchair::Accessible)
    }

    /// Scan time of "boarding" (`board`) or "alighting" trip `trip` on `day` at scan position
    /// `i`. Backward, boarding in scan terms is alighting in real terms, negated.
    #[inline]
    fn event_time(&self, p: &Pattern, trip: usize, day: usize, i: usize, board: bool) -> i64 {
        self.event_time_from(p, trip, self.day_base(p.zone, day), i, board)
    }

    /// [`Self::event_time`] with the day's base instant (`day_base`) given.
    #[inline(always)]
    fn event_time_from(&self, p: &Pattern, trip: usize, base: i64, i: usize, board: bool) -> i64 {
        let pos = D::real_pos(i, p.num_stops as usize);
        let departure = board == D::FORWARD;
        let t = base + self.tt.stop_time(p, trip, pos, departure) as i64;
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

    /// The pattern-local trips of `pi` from the first to the last one that can be taken on
    /// `day`, as `first..end` (empty when none can): computed once per search and (pattern,
    /// day). A pattern holds the trips of all its services (weekday, Saturday, Sunday), so on
    /// a given day many of its trips do not run, often all of them; without this range the
    /// earliest-trip search walked through every such trip again at each stop.
    fn active_trips(&mut self, pi: PatternIdx, p: &Pattern, day: usize) -> (usize, usize) {
        let ix = pi.ix() * self.num_days + (day - self.first_day);
        let (first, end1) = self.scr.active[ix];
        if end1 != 0 {
            return (first as usize, end1 as usize - 1);
        }
        let nt = p.num_trips as usize;
        // A frequency pattern's runs share one record: all run or none.
        let range = if p.is_frequency() {
            if self.trip_ok(p, 0, day) {
                (0, nt)
            } else {
                (0, 0)
            }
        } else {
            match (0..nt).find(|&k| self.trip_ok(p, k, day)) {
                None => (0, 0),
                Some(first) => {
                    let last = (first..nt).rev().find(|&k| self.trip_ok(p, k, day));
                    (first, last.unwrap_or(first) + 1)
                }
            }
        };
        self.scr.active[ix] = (range.0 as u32, range.1 as u32 + 1);
        self.scr.active_set.push(ix as u32);
        range
    }

    /// The trip instance (trip, day) of `p` (= pattern `pi`) with the earliest scan board time
    /// ≥ `t` at scan position `i`, over the query's service days (or on day `only`).
    fn earliest_trip(
        &mut self,
        pi: PatternIdx,
        p: &Pattern,
        i: usize,
        t: i64,
        only: Option<usize>,
    ) -> Option<(u32, u32, i64)> {
        let tt = self.tt;
        let pos = D::real_pos(i, p.num_stops as usize);
        let col = if D::FORWARD {
            tt.dep_column(p, pos)
        } else {
            tt.arr_column(p, pos)
        };
        // A scheduled row is searched as a plain slice; a frequency pattern's column is
        // arithmetic: the first run at or after a time is computed (see `timetable::freq`).
        match col {
            Column::Rows(row) => self.earliest_in(pi, p, row, t, only),
            runs => self.earliest_in(pi, p, runs, t, only),
        }
    }

    /// [`Self::earliest_trip`] over column `col`. On each day only the trips within its
    /// [`Self::active_trips`] range are looked at; the pruning by the first and last trip of
    /// the column (days do not overtake each other's first and last trips) stays as it was.
    #[inline(always)]
    fn earliest_in<C: Times>(
        &mut self,
        pi: PatternIdx,
        p: &Pattern,
        col: C,
        t: i64,
        only: Option<usize>,
    ) -> Option<(u32, u32, i64)> {
        let nt = p.num_trips as usize;
        let mut best: Option<(u32, u32, i64)> = None;
        let days = only.map_or(self.sq.days.clone(), |d| d..=d);
        if D::FORWARD {
            for d in days {
                let (lo, hi) = self.active_trips(pi, p, d);
                if lo >= hi {
                    continue;
                }
                let base = self.day_base(p.zone, d);
                if base + col.at(hi - 1) as i64 >= t {
                    if let Some((_, _, b)) = best
                        && base + col.at(0) as i64 >= b
                    {
                        break;
                    }
                    let from = col.at_least(t - base).max(lo);
                    for k in from..hi {
                        let bt = base + col.at(k) as i64;
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
            let real = -t;
            for d in days.rev() {
                let (lo, hi) = self.active_trips(pi, p, d);
                if lo >= hi {
                    continue;
                }
                let base = self.day_base(p.zone, d);
                if base + (col.at(lo) as i64) <= real {
                    if let Some((_, _, b)) = best
                        && -(base + col.at(nt - 1) as i64) >= b
                    {
                        break;
                    }
                    let upto = col.above(real - base).min(hi);
                    for k in (lo..upto).rev() {
                        let bt = -(base + col.at(k) as i64);
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
            for (pi, pos) in self.tt.patterns_at(a.stop) {
                let p = &self.tt.patterns[pi.ix()];
                let n = p.num_stops as usize;
                let i = D::real_pos(pos as usize, n); // real → scan is the same map
                if self.tt.pattern_flags(p)[pos as usize] & D::BOARD == 0 {
                    continue;
                }
                for d in self.sq.days.clone() {
                    if p.is_frequency() && !self.trip_ok(p, 0, d) {
                        continue;
                    }
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
        if !self.scr.marked[s.ix()] {
            self.scr.marked[s.ix()] = true;
            self.marked_list.push(s);
        }
    }

    fn iteration(&mut self, start: i64, found: &mut Vec<Found>) {
        self.counters.iterations += 1;
        let tt = self.tt;
        let r_max = self.sq.max_rides;
        let mut tgt_before = std::mem::take(&mut self.tgt_before);
        tgt_before.clone_from(&self.tgt);
        // Round 0: the origins (every boarding slot of the stop).
        for a in self.sq.origins {
            let s = a.stop;
            if !self.stop_ok(s) {
                continue;
            }
            let t = start + a.secs as i64;
            let mut any = false;
            for slot in std::iter::once(s.0).chain(D::board_slots_at(tt, s).iter().copied()) {
                if t < self.labels.ready(0, slot) {
                    self.labels.set_ready(0, slot, t, ReadyFrom::Origin);
                    any = true;
                }
            }
            if any {
                self.mark(s);
            }
        }
        // `k` is the round (rides), not only an index into `tgt_before`.
        #[allow(clippy::needless_range_loop)]
        for k in 1..=r_max {
            if self.marked_list.is_empty() {
                break;
            }
            self.counters.rounds += 1;
            self.reached = self.reached.max(k);
            // "At most k rides" includes everything with at most k − 1.
            self.labels.carry(k);
            let bound = self.tgt[k].min(self.tgt[k - 1]).min(self.sq.limit);
            if self.lower.is_none()
                && let Some(l) = self.sq.lower
                && self.counters.stops_relaxed + self.marked_list.len() as u64 >= l.threshold()
            {
                self.lower = l.get();
            }
            self.set_lb_bound(self.tgt[k].min(self.tgt[k - 1]));

            // Collect the patterns through marked stops, from their first marked position.
            for s in std::mem::take(&mut self.marked_list) {
                self.scr.marked[s.ix()] = false;
                // `for_each` decides the index's form once per stop, not per entry.
                tt.patterns_at(s).for_each(|(pi, pos)| {
                    let p = &tt.patterns[pi.ix()];
                    let i = D::real_pos(pos as usize, p.num_stops as usize) as u32;
                    let q = self.scr.queue_pos[pi.ix()];
                    // A ride on it (this round's k-th, with its continuations) could not end
                    // in a journey within the rides: its scan would only offer pruned labels.
                    if q == NONE
                        && let Some(l) = self.lower
                        && k + l.on_board(tt, pi) as usize > r_max
                    {
                        return;
                    }
                    let q = &mut self.scr.queue_pos[pi.ix()];
                    if *q == NONE {
                        self.queued.push(pi);
                        *q = i;
                    } else if i < *q {
                        *q = i;
                    }
                });
            }
            let queued = std::mem::take(&mut self.queued);
            let mut improved = std::mem::take(&mut self.improved_list);
            improved.clear();
            for &pi in &queued {
                let first = std::mem::replace(&mut self.scr.queue_pos[pi.ix()], NONE) as usize;
                self.scan_pattern(pi, first, k, bound, &mut improved);
            }
            self.queued = queued;
            self.queued.clear();
            if self.has_cont {
                self.follow_continuations(k, bound, &mut improved);
            }

            // Destination.
            let mut best_k = INF;
            let mut best_slot = None;
            for a in self.sq.targets {
                let s = a.stop;
                let e = self.scr.egress[s.ix()];
                for slot in std::iter::once(s.0).chain(D::alight_slots_at(tt, s).iter().copied()) {
                    let v = self.labels.veh(k, slot);
                    if v < INF && v + (e as i64) < best_k {
                        best_k = v + e as i64;
                        best_slot = Some(slot);
                    }
                }
            }
            if best_k < self.tgt[k - 1]
                && best_k < tgt_before[k]
                && let Some(slot) = best_slot
            {
                let legs = self.reconstruct(k, slot);
                found.push(Found {
                    rides: k,
                    arr: best_k,
                    legs,
                });
            }
            self.tgt[k] = self.tgt[k].min(best_k).min(self.tgt[k - 1]);

            // Changes.
            for s in &improved {
                self.scr.improved[*s as usize] = false;
            }
            if k < r_max {
                self.relax_changes(k, &improved);
            }
            self.improved_list = improved;
        }
        // Rounds not reached still need the "at most k" copy for the next iteration's bound.
        for k in 1..=r_max {
            self.tgt[k] = self.tgt[k].min(self.tgt[k - 1]);
        }
        for s in std::mem::take(&mut self.marked_list) {
            self.scr.marked[s.ix()] = false;
        }
        self.tgt_before = tgt_before;
    }

    /// Records a vehicle arrival at scan position `i` of the ride `ride` if it improves slot's
    /// label in round `k`.
    #[inline(always)]
    fn offer_vehicle(
        &mut self,
        k: usize,
        slot: u32,
        t: i64,
        bound: i64,
        ride: Ride,
        improved: &mut Vec<u32>,
    ) {
        if t < self.labels.veh(k, slot)
            && t < bound
            && self.below_bound(k, slot, t, true)
            && self.in_corridor(k, slot, t, true)
        {
            if !self.scr.improved[slot as usize] {
                self.scr.improved[slot as usize] = true;
                improved.push(slot);
            }
            self.labels.set_veh(k, slot, t, ride);
        }
    }

    /// Sets what labels must stay below with their lower bound added: the target bound
    /// `tgt` of this round (a journey must arrive strictly earlier to be found), and the
    /// horizon, which limits vehicle events: the bound counts the egress walk too, so the
    /// limit is widened by the longest one.
    #[inline]
    fn set_lb_bound(&mut self, tgt: i64) {
        if let Some(l) = self.lower {
            self.lb_bound = tgt.min(self.sq.limit.saturating_add(l.max_end_secs));
        }
    }

    /// **Goal-directed pruning**, the one place it is applied: a label of scan time `t` at
    /// `slot` is kept only if `t + lb(stop) < lb_bound`. Every journey through the label arrives
    /// (scan terms, egress included) no earlier than `t + lb`, since `lb` is a lower bound of
    /// any way on from the stop ([`crate::timetable::cells`]): if that is not below the target
    /// bound, it cannot improve on what was found (the same strict `<` as the target pruning
    /// beside it); if it is not below the horizon widened by the longest egress, its last
    /// vehicle event lies past the horizon. An unreachable cell (`lb` = [`INF`]) prunes always.
    /// So exactly the labels that no answer could use are dropped, and the answers are
    /// unchanged; the labels at other stops are not complete, which is why searches that read
    /// them (`router::profile`, the tightening passes' corridor aside, see [`Corridor`]) run
    /// without bounds.
    ///
    /// The same holds for rides: a label of round `k` is kept only if `k + rides` is at most
    /// the search's rides, every way on from it boarding at least `rides` more vehicles (a
    /// vehicle label and a ready label have bounds of their own: a change does not follow a
    /// change, see `router::lower`).
    #[inline(always)]
    fn below_bound(&self, k: usize, slot: u32, t: i64, vehicle: bool) -> bool {
        match self.lower {
            None => true,
            Some(l) => {
                let b = l.at(self.tt, self.tt.slot_stop(slot));
                let rides = if vehicle { b.veh_rides } else { b.ready_rides };
                t + b.secs < self.lb_bound && k + rides as usize <= self.sq.max_rides
            }
        }
    }

    /// Whether the instances of `p` on different service days never overtake each other, so
    /// that one "current trip" over all days is exact. True when at every stop the pattern's
    /// trips (FIFO within a day, so each column is sorted) span no more than the shortest gap
    /// between day starts: then every instance of a day is at or before every instance of the
    /// next day, everywhere. Long-distance patterns (trips past 48:00 beside short ones) may
    /// fail it; they are scanned once per service day.
    fn days_fifo(&mut self, pi: PatternIdx) -> bool {
        if self.num_days <= 1 {
            return true;
        }
        let known = self.scr.days_fifo[pi.ix()];
        if known != 0 {
            return known == 1;
        }
        let tt = self.tt;
        let p = &tt.patterns[pi.ix()];
        let gap = self.min_day_gap;
        // Every time of the pattern lies between its first departure and its latest time: when
        // those are close enough (a city pattern), no column can spread wider.
        let earliest = tt.dep_column(p, 0).first().unwrap_or(0);
        let n = p.num_stops as usize;
        let latest = p
            .max_time
            .max(tt.dep_column(p, n.saturating_sub(1)).last().unwrap_or(0));
        if (latest as i64 - earliest as i64) <= gap {
            self.scr.days_fifo[pi.ix()] = 1;
            return true;
        }
        let spread_ok = |col: crate::timetable::Column| match (col.first(), col.last()) {
            (Some(a), Some(b)) => (b as i64 - a as i64) <= gap,
            _ => true,
        };
        let fifo = (0..p.num_stops as usize)
            .all(|pos| spread_ok(tt.dep_column(p, pos)) && spread_ok(tt.arr_column(p, pos)));
        self.scr.days_fifo[pi.ix()] = if fifo { 1 } else { 2 };
        fifo
    }

    fn scan_pattern(
        &mut self,
        pi: PatternIdx,
        first: usize,
        k: usize,
        bound: i64,
        improved: &mut Vec<u32>,
    ) {
        // A pattern none of whose trips runs on the search's days (a weekend pattern on a
        // weekday) can neither be boarded nor continue into another trip: not scanned.
        let p = &self.tt.patterns[pi.ix()];
        if !self.sq.days.clone().any(|d| {
            let (first, end) = self.active_trips(pi, p, d);
            first < end
        }) {
            return;
        }
        self.counters.patterns_scanned += 1;
        let mut boardable = std::mem::take(&mut self.boardable);
        if self.days_fifo(pi) {
            self.scan_trips(pi, first, k, bound, None, &mut boardable, improved);
        } else {
            for d in self.sq.days.clone() {
                self.scan_trips(pi, first, k, bound, Some(d), &mut boardable, improved);
            }
        }
        if !boardable.is_empty() {
            self.queue_continuations(pi, &boardable, bound, k);
        }
        self.boardable = boardable;
    }

    /// One pass over pattern `pi` from scan position `first`, riding the current trip over
    /// all service days (or over day `only`); fills `boardable`.
    #[allow(clippy::too_many_arguments)]
    fn scan_trips(
        &mut self,
        pi: PatternIdx,
        first: usize,
        k: usize,
        bound: i64,
        only: Option<usize>,
        boardable: &mut Vec<(u32, i64)>,
        improved: &mut Vec<u32>,
    ) {
        let tt = self.tt;
        let p = &tt.patterns[pi.ix()];
        let n = p.num_stops as usize;
        let stops = tt.pattern_stops(p);
        let flags = tt.pattern_flags(p);
        // Where boarding was possible (scan position, ready time), for continuations: the same
        // on every pass.
        boardable.clear();
        // (trip, day, scan board position)
        let mut cur: Option<(u32, u32, u32)> = None;
        // The day base of the current trip's day.
        let mut cur_base = 0;
        // The trip that runs on the current trip's day just before it in scan order, once
        // looked up for this current trip (`Some(None)`: none does).
        let mut cur_before: Option<Option<usize>> = None;
        // `event_time_from` for this pattern, its rows looked up once.
        let rows = tt.scheduled_rows(p);
        let nt = p.num_trips as usize;
        let ev = |trip: usize, base: i64, i: usize, board: bool| -> i64 {
            let pos = D::real_pos(i, n);
            let departure = board == D::FORWARD;
            let t = base
                + match rows {
                    Some((dep, arr)) => (if departure { dep } else { arr })[pos * nt + trip],
                    None => tt.stop_time(p, trip, pos, departure),
                } as i64;
            if D::FORWARD { t } else { -t }
        };
        for i in first..n {
            let pos = D::real_pos(i, n);
            let s = stops[pos];
            let f = flags[pos];
            if let Some((trip, day, board)) = cur
                && f & D::ALIGHT != 0
                && self.stop_ok(s)
            {
                let t = ev(trip as usize, cur_base, i, false);
                let ride = Ride {
                    pattern: pi,
                    trip,
                    day,
                    board,
                    alight: i as u32,
                    chain: NONE,
                };
                self.offer_vehicle(k, D::alight_slot(tt, p, pos), t, bound, ride, improved);
            }
            if f & D::BOARD != 0 {
                let r = self.labels.ready(k - 1, D::board_slot(tt, p, pos));
                if r < INF && self.stop_ok(s) {
                    // Boarding at the last scan stop to stay on board is not riding: the
                    // vehicle only changes trips there.
                    if self.has_cont && i + 1 < n {
                        boardable.push((i as u32, r));
                    }
                    let current =
                        cur.map(|(trip, day, _)| (trip, day, ev(trip as usize, cur_base, i, true)));
                    // The running trip before the current one (in scan order, same day) leaves
                    // before `r`, or none runs before it and the day's first trip leaves before
                    // `r`: no earlier instance can be caught here, on this day or (days never
                    // overtaking in a pass, see `days_fifo`) any other, so the search for one
                    // is skipped. (Trips that do not run that day lie between them: the trip
                    // just before in the pattern often belongs to another service.)
                    let mut settled = false;
                    if let Some((trip, day, c)) = current
                        && r <= c
                    {
                        let before = match cur_before {
                            Some(b) => b,
                            None => {
                                let (t, d) = (trip as usize, day as usize);
                                let (lo, hi) = self.active_trips(pi, p, d);
                                let b = if D::FORWARD {
                                    (lo..t).rev().find(|&x| self.trip_ok(p, x, d))
                                } else {
                                    (t + 1..hi).find(|&x| self.trip_ok(p, x, d))
                                };
                                cur_before = Some(b);
                                b
                            }
                        };
                        let first = if D::FORWARD { 0 } else { nt - 1 };
                        settled = ev(before.unwrap_or(first), cur_base, i, true) < r;
                    }
                    if !settled
                        && current.is_none_or(|(_, _, c)| r <= c)
                        && let Some((trip, day, bt)) = self.earliest_trip(pi, p, i, r, only)
                    {
                        // Switch to the earlier trip; on a tie here, to the one that is better at
                        // the end of the pattern (and so, trips never overtaking, everywhere on).
                        let better = match current {
                            None => true,
                            Some((ct, cd, c)) => {
                                bt < c
                                    || (bt == c
                                        && self.alight_time(p, trip as usize, day as usize, n - 1)
                                            < self.alight_time(p, ct as usize, cd as usize, n - 1))
                            }
                        };
                        if better {
                            cur = Some((trip, day, i as u32));
                            cur_base = self.day_base(p.zone, day as usize);
                            cur_before = None;
                        }
                    }
                }
            }
        }
    }

    /// After a scan of `pi`: every trip instance a rider could be on at the pattern's last scan
    /// stop (per day, all instances from the earliest catchable at some boardable position) that
    /// continues as another trip is followed into it ([`Self::push_next`]). Ranks a previous
    /// round (≤ k) already followed are skipped.
    fn queue_continuations(
        &mut self,
        pi: PatternIdx,
        boardable: &[(u32, i64)],
        bound: i64,
        k: usize,
    ) {
        let tt = self.tt;
        let p = &tt.patterns[pi.ix()];
        let n = p.num_stops as usize;
        let nt = p.num_trips as usize;
        let rounds = self.sq.max_rides + 1;
        // Only days with trips that can run between the earliest ready time and the bound (a
        // search over many days would otherwise look at each of them for every pattern).
        let min_r = boardable.iter().map(|&(_, r)| r).min().unwrap_or(INF);
        let (lo, hi) = if D::FORWARD {
            (min_r, bound - 1)
        } else {
            (1 - bound, -min_r)
        };
        let Some(near) = super::day_range(tt, lo, hi) else {
            return;
        };
        let days = *near.start().max(self.sq.days.start())..=*near.end().min(self.sq.days.end());
        for d in days {
            let cover = (pi.ix() * self.num_days + (d - self.first_day)) * rounds;
            let done = !self.scr.enumerated[cover + 1..=cover + k]
                .iter()
                .copied()
                .max()
                .unwrap_or(0) as usize;
            let end = nt.min(done);
            if end == 0 {
                continue;
            }
            // Scan-order rank of the first catchable trip, if below `end`: each boardable
            // position is searched only when it lowers the least rank so far, and then only
            // below it.
            let mut from = end;
            let base = self.day_base(p.zone, d);
            for &(i, r) in boardable {
                let pos = D::real_pos(i as usize, n);
                if D::FORWARD {
                    if let Some(rank) = tt.dep_column(p, pos).first_at_least_below(r - base, from) {
                        from = rank;
                    }
                } else if let Some(x) = tt
                    .arr_column(p, pos)
                    .first_above_beyond(-r - base, nt - from)
                {
                    from = nt - x;
                }
            }
            if from >= end {
                continue;
            }
            let e = &mut self.scr.enumerated[cover + k];
            if *e == 0 {
                self.scr.enumerated_set.push((cover + k) as u32);
            }
            *e = (*e).max(!(from as u32));
            for rank in from..end {
                let trip = if D::FORWARD { rank } else { nt - 1 - rank };
                if self.event_time_from(p, trip, base, n - 1, false) >= bound {
                    break;
                }
                let t = crate::timetable::TripIdx(p.trips_start + trip as u32);
                let linked = if D::FORWARD {
                    tt.has_continuations(t)
                } else {
                    tt.has_predecessors(t)
                };
                if !linked {
                    continue;
                }
                let f = self.td(t, d);
                if by_round(self.scr.followed[f], self.scr.base, k) || !self.trip_ok(p, trip, d) {
                    continue;
                }
                self.scr.followed[f] = self.scr.base + k as u16 + 1;
                // The position it is caught at: the first boardable one from which it is.
                let board = boardable
                    .iter()
                    .find(|&&(i, r)| self.event_time_from(p, trip, base, i as usize, true) >= r)
                    .map(|&(i, _)| i);
                let Some(board) = board else { continue };
                self.links.push(Link {
                    pattern: pi,
                    trip: trip as u32,
                    day: d as u32,
                    board,
                    prev: NONE,
                });
                let link = (self.links.len() - 1) as u32;
                self.push_next(t, d, link, k);
            }
        }
    }

    /// Queues the trips that trip `t` continues into (forward) or from (backward) on day `d`,
    /// entered in-seat after chain link `link`, unless entered in-seat in round ≤ k before.
    fn push_next(&mut self, t: crate::timetable::TripIdx, d: usize, link: u32, k: usize) {
        let tt = self.tt;
        self.counters.continuations_followed += 1;
        let push = |s: &mut Self, b: crate::timetable::TripIdx| {
            let i = s.td(b, d);
            if by_round(s.scr.seated[i], s.scr.base, k) {
                return;
            }
            s.scr.seated[i] = s.scr.base + k as u16 + 1;
            let qi = tt.pattern_index_of(b);
            let q = &tt.patterns[qi.ix()];
            let trip = b.0 - q.trips_start;
            if s.trip_ok(q, trip as usize, d) {
                s.cont_queue.push((qi, trip, d as u32, link));
            }
        };
        if D::FORWARD {
            if let Some(b) = tt.continuation(t, d) {
                push(self, b);
            }
        } else {
            for b in tt.continued_from(t, d) {
                push(self, b);
            }
        }
    }

    /// Scans every queued continuation from its first scan stop, riding only that trip, and
    /// follows its own continuations, until none is left.
    fn follow_continuations(&mut self, k: usize, bound: i64, improved: &mut Vec<u32>) {
        // In waves (what following a wave queues is the next one). Per pattern and day, only the
        // earliest (scan order) trip a wave queues is scanned: the later ones are dominated
        // (FIFO), whatever the order they were queued in.
        let mut wave = std::mem::take(&mut self.cont_queue);
        while !wave.is_empty() {
            self.scr.wave_stamp += 1;
            for &(qi, trip, day, _) in &wave {
                let (cb, rank) = self.cont_rank(qi, trip, day);
                let w = &mut self.scr.wave_best[cb];
                if w.0 != self.scr.wave_stamp || rank < w.1 {
                    *w = (self.scr.wave_stamp, rank);
                }
            }
            for &(qi, trip, day, link) in &wave {
                let (cb, rank) = self.cont_rank(qi, trip, day);
                let later = rank > self.scr.wave_best[cb].1;
                self.follow_one(qi, trip, day, link, later, k, bound, improved);
            }
            wave.clear();
            std::mem::swap(&mut wave, &mut self.cont_queue);
        }
        self.cont_queue = wave;
        self.scr.stamp += 1;
    }

    /// The index of (pattern, day) in `cont_best` and `wave_best`, and the scan-order rank of
    /// `trip` in the pattern.
    #[inline]
    fn cont_rank(&self, qi: PatternIdx, trip: u32, day: u32) -> (usize, u32) {
        let nt = self.tt.patterns[qi.ix()].num_trips;
        let rank = if D::FORWARD { trip } else { nt - 1 - trip };
        let cb = qi.ix() * self.num_days + (day as usize - self.first_day);
        (cb, rank)
    }

    /// Scans the continuation `trip` of pattern `qi` on `day` entered in-seat after chain link
    /// `link` (unless `later`, an earlier trip of the pattern and day being queued in the same
    /// wave, or a trip of them that is no later was scanned this round), then queues its own
    /// continuations.
    #[allow(clippy::too_many_arguments)]
    fn follow_one(
        &mut self,
        qi: PatternIdx,
        trip: u32,
        day: u32,
        link: u32,
        later: bool,
        k: usize,
        bound: i64,
        improved: &mut Vec<u32>,
    ) {
        let tt = self.tt;
        let q = &tt.patterns[qi.ix()];
        let n = q.num_stops as usize;
        let nt = q.num_trips;
        let (t, d) = (trip as usize, day as usize);
        let base = self.day_base(q.zone, d);
        if self.event_time_from(q, t, base, 0, true) >= bound {
            return;
        }
        let rank = if D::FORWARD { trip } else { nt - 1 - trip };
        let cb = qi.ix() * self.num_days + (d - self.first_day);
        let dominated = later
            || match self.scr.cont_best[cb] {
                (stamp, r) if stamp == self.scr.stamp && r <= rank => true,
                _ => {
                    self.scr.cont_best[cb] = (self.scr.stamp, rank);
                    false
                }
            };
        if !dominated {
            self.counters.continuations_scanned += 1;
            let stops = tt.pattern_stops(q);
            let flags = tt.pattern_flags(q);
            // The trip's scan alighting times, its row looked up once (as in `scan_trips`).
            let rows = tt.scheduled_rows(q);
            let alight = |i: usize| -> i64 {
                let pos = D::real_pos(i, n);
                let time = match rows {
                    Some((dep, arr)) => (if D::FORWARD { arr } else { dep })[pos * nt as usize + t],
                    None => tt.stop_time(q, t, pos, !D::FORWARD),
                };
                D::scan(base + time as i64)
            };
            // Not at its first scan stop: that is where the vehicle changes trips.
            for i in 1..n {
                let pos = D::real_pos(i, n);
                if flags[pos] & D::ALIGHT == 0 || !self.stop_ok(stops[pos]) {
                    continue;
                }
                let at = alight(i);
                let ride = Ride {
                    pattern: qi,
                    trip,
                    day,
                    board: 0,
                    alight: i as u32,
                    chain: link,
                };
                self.offer_vehicle(k, D::alight_slot(tt, q, pos), at, bound, ride, improved);
            }
        }
        let global = crate::timetable::TripIdx(q.trips_start + trip);
        let f = self.td(global, d);
        if by_round(self.scr.followed[f], self.scr.base, k) {
            return;
        }
        self.scr.followed[f] = self.scr.base + k as u16 + 1;
        self.links.push(Link {
            pattern: qi,
            trip,
            day,
            board: 0,
            prev: link,
        });
        let next_link = (self.links.len() - 1) as u32;
        self.push_next(global, d, next_link, k);
    }

    /// The change time from the vehicle label in slot `x` (stop `a`) to a boarding in slot `y`
    /// (stop `b`); `metres` is the walking link's length when known. `None`: no change.
    fn change_cost(
        &self,
        x: u32,
        a: StopIdx,
        y: u32,
        b: StopIdx,
        metres: Option<u32>,
    ) -> Option<u32> {
        let tt = self.tt;
        let q = self.sq.q;
        let default = || {
            if a == b {
                return Some(q.min_transfer_secs);
            }
            if q.walk_radius_m == 0 {
                return None;
            }
            let m = match metres {
                Some(m) => m,
                None => tt
                    .walk_links_for(a, q.wheelchair)
                    .find(|l| l.0 == b)
                    .map(|l| l.1)?,
            };
            (m <= q.walk_radius_m).then(|| {
                tt.link_walk_secs(m, q.walk_speed_mps)
                    .max(q.min_transfer_secs)
            })
        };
        let specific = if self.has_specific {
            D::specific(tt, x, y)
        } else {
            None
        };
        match specific.or_else(|| D::rule(tt, a, b)) {
            Some(TransferRule::Forbidden) => None,
            Some(TransferRule::MinTime(m)) => Some(m),
            Some(TransferRule::Recommended) | None => default(),
        }
    }

    /// From every slot reached by vehicle in round `k`, the changes to board again.
    fn relax_changes(&mut self, k: usize, improved: &[u32]) {
        let tt = self.tt;
        let q = self.sq.q;
        let min_change = q.min_transfer_secs as i64;
        let bound = self.tgt[k].min(self.sq.limit);
        self.set_lb_bound(self.tgt[k]);
        for &x in improved {
            self.counters.stops_relaxed += 1;
            let v = self.labels.veh(k, x);
            if v >= INF {
                continue;
            }
            let a = tt.slot_stop(x);
            if !self.has_specific {
                // Stops only: the plain per-stop model.
                let same = match D::rule(tt, a, a) {
                    Some(TransferRule::Forbidden) => None,
                    Some(TransferRule::MinTime(m)) => Some(m as i64),
                    _ => Some(min_change),
                };
                if let Some(c) = same {
                    self.offer_ready(k, a.0, v + c, x, c as u32, bound);
                }
                for &(y, rule) in D::explicit(tt, a) {
                    if let TransferRule::MinTime(m) = rule
                        && y != a
                    {
                        self.offer_ready(k, y.0, v + m as i64, x, m, bound);
                    }
                }
                if q.walk_radius_m > 0 {
                    for (y, metres) in tt.walk_links_for(a, q.wheelchair) {
                        if metres > q.walk_radius_m {
                            break;
                        }
                        match D::rule(tt, a, y) {
                            Some(TransferRule::Forbidden) | Some(TransferRule::MinTime(_)) => {
                                continue;
                            }
                            _ => {}
                        }
                        let c =
                            (tt.link_walk_secs(metres, q.walk_speed_mps) as i64).max(min_change);
                        self.offer_ready(k, y.0, v + c, x, c as u32, bound);
                    }
                }
                continue;
            }
            // With specific rules: every candidate target stop, every boarding slot there.
            self.relax_to(k, x, a, v, a, None, bound);
            for &(y, _) in D::explicit(tt, a) {
                if y != a {
                    self.relax_to(k, x, a, v, y, None, bound);
                }
            }
            if q.walk_radius_m > 0 {
                for (y, metres) in tt.walk_links_for(a, q.wheelchair) {
                    if metres > q.walk_radius_m {
                        break;
                    }
                    self.relax_to(k, x, a, v, y, Some(metres), bound);
                }
            }
            let targets: Vec<StopIdx> = D::specific_targets(tt, a).collect();
            for y in targets {
                self.relax_to(k, x, a, v, y, None, bound);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn relax_to(
        &mut self,
        k: usize,
        x: u32,
        a: StopIdx,
        v: i64,
        b: StopIdx,
        metres: Option<u32>,
        bound: i64,
    ) {
        let tt = self.tt;
        for y in std::iter::once(b.0).chain(D::board_slots_at(tt, b).iter().copied()) {
            if let Some(c) = self.change_cost(x, a, y, b, metres) {
                self.offer_ready(k, y, v + c as i64, x, c, bound);
            }
        }
    }

    #[inline(always)]
    fn offer_ready(&mut self, k: usize, y: u32, t: i64, from: u32, secs: u32, bound: i64) {
        let stop = self.tt.slot_stop(y);
        if t < self.labels.ready(k, y)
            && t < bound
            && self.below_bound(k, y, t, false)
            && self.stop_ok(stop)
            && self.in_corridor(k, y, t, false)
        {
            let from = ReadyFrom::Change {
                from,
                round: k as u8,
                secs,
            };
            self.labels.set_ready(k, y, t, from);
            self.mark(stop);
        }
    }

    /// Follows the parent pointers from the vehicle label of `slot` in round `k`.
    fn reconstruct(&self, k: usize, slot: u32) -> Vec<ScanLeg> {
        let tt = self.tt;
        let mut legs = vec![ScanLeg::Egress {
            stop: tt.slot_stop(slot),
        }];
        let (mut s, mut k) = (slot, k);
        // Bounded by the number of rounds: each step goes to a lower round.
        for _ in 0..=2 * self.sq.max_rides + 1 {
            let Some(ride) = self.labels.veh_from(k, s) else {
                break;
            };
            // The trips of the ride, last (in scan order) first.
            let mut first = ride;
            legs.push(ScanLeg::Ride {
                ride,
                stay: ride.chain != NONE,
            });
            let mut link = ride.chain;
            let mut guard = self.links.len();
            while link != NONE && guard > 0 {
                guard -= 1;
                let l = self.links[link as usize];
                let np = tt.patterns[l.pattern.ix()].num_stops;
                first = Ride {
                    pattern: l.pattern,
                    trip: l.trip,
                    day: l.day,
                    board: l.board,
                    alight: np - 1,
                    chain: l.prev,
                };
                legs.push(ScanLeg::Ride {
                    ride: first,
                    stay: l.prev != NONE,
                });
                link = l.prev;
            }
            let p = &tt.patterns[first.pattern.ix()];
            let pos = D::real_pos(first.board as usize, p.num_stops as usize);
            let b_slot = D::board_slot(tt, p, pos);
            let b = tt.slot_stop(b_slot);
            match self.labels.ready_from(k - 1, b_slot) {
                ReadyFrom::Origin | ReadyFrom::None => {
                    legs.push(ScanLeg::Access { stop: b });
                    break;
                }
                ReadyFrom::Change { from, round, secs } => {
                    let fs = tt.slot_stop(from);
                    if fs != b {
                        legs.push(ScanLeg::Change {
                            from: fs,
                            to: b,
                            secs,
                        });
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

/// Read access to the labels after [`Search::run`], for searches that serve many targets at
/// once (`router::profile`). Kept apart from the engine so it adds nothing to the hot path.
impl<D: Direction> Search<'_, D> {
    /// The best scan arrival by vehicle at `s` with at most `k` rides in the last iteration
    /// ([`INF`] when unreached or when the search stopped before round `k`).
    pub(crate) fn vehicle_label(&self, k: usize, s: StopIdx) -> i64 {
        self.best_slot(k, s).map_or(INF, |(_, t)| t)
    }

    /// The legs of the journey ending with the vehicle label of `stop` in round `k`.
    pub(crate) fn legs_to(&self, k: usize, stop: StopIdx) -> Vec<ScanLeg> {
        let slot = self.best_slot(k, stop).map_or(stop.0, |(slot, _)| slot);
        self.reconstruct(k, slot)
    }

    /// The slot of `s` (its own, or a class slot of a specific rule) with the best vehicle
    /// label in round `k`.
    fn best_slot(&self, k: usize, s: StopIdx) -> Option<(u32, i64)> {
        std::iter::once(s.0)
            .chain(D::alight_slots_at(self.tt, s).iter().copied())
            .filter(|_| k <= self.sq.max_rides)
            .map(|slot| (slot, self.labels.veh(k, slot)))
            .min_by_key(|&(slot, t)| (t, slot))
    }
}
