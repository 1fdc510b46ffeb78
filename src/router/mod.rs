//! Journey planning: what a query is, what a journey is, and how the RAPTOR engine
//! ([`raptor`]) answers depart-at, arrive-by and range (window) queries.
//!
//! Semantics (also in the README):
//! - **depart-at T**: the Pareto set over (earlier arrival, fewer transfers) of journeys leaving
//!   at or after T. Each is reported with the *latest* departure that still arrives as early
//!   with no more transfers (a backward pass), so riders never leave earlier than needed.
//! - **arrive-by T**: the Pareto set over (later departure, fewer transfers) of journeys
//!   arriving at or before T, each with the earliest arrival from that departure (a forward
//!   pass). The first itinerary is the one leaving latest.
//! - **window W**: every Pareto-optimal journey over (later departure, earlier arrival, fewer
//!   transfers) departing in [T, T+W] (depart-at) or arriving in [T−W, T] (arrive-by), sorted
//!   by departure.
//! - **Any journey length.** A search looks a *horizon* past the window: every vehicle event of
//!   a journey lies within it (depart-at: the last alighting before `T + W + horizon`;
//!   arrive-by: the first boarding after `T − W − horizon`). The first horizon is a day
//!   ([`FIRST_HORIZON_SECS`]); while nothing is found it doubles (2, 4, 8 … days) up to the
//!   query's bound (`--max-duration`, else the end — or, arriving by, the start — of the feed's
//!   service). The first journey of an answer is then optimal over journeys of any length
//!   within the bound: anything arriving earlier (leaving later) lies inside the horizon that
//!   found it. Journeys with fewer transfers that arrive later are those within that horizon.
//!   The service days searched are those whose trips (up to the feed's latest stop time, e.g.
//!   86:52 → three days back) can have events in the horizon, so trips that started days
//!   before are found.

mod labels;
mod lower;
pub mod profile;
pub mod raptor;
mod reach;
mod scratch;

use crate::time::Instant;
use crate::timetable::{StopIdx, Timetable, TripIdx};
use raptor::{Backward, Direction, Forward, Found, ScanLeg, ScanQuery, Search};

/// The first horizon a query searches past its window (see the module docs: it doubles while
/// nothing is found, up to [`Query::max_duration_secs`] or the feed's service).
pub const FIRST_HORIZON_SECS: i64 = 24 * 3600;

/// A stop where a journey can start (or end), with the walk to (from) it.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize)]
pub struct Access {
    pub stop: StopIdx,
    pub secs: u32,
    pub metres: u32,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueryKind {
    DepartAt,
    ArriveBy,
}

/// A resolved journey-planning query: places already turned into stops with walking times.
#[derive(Clone, Debug)]
pub struct Query {
    pub kind: QueryKind,
    pub time: Instant,
    /// 0 for a single query; else the range (seconds).
    pub window_secs: u32,
    pub origins: Vec<Access>,
    pub targets: Vec<Access>,
    pub max_transfers: u32,
    /// Change time at the same stop when transfers.txt says nothing.
    pub min_transfer_secs: u32,
    /// Generated walking links between stops up to this distance; 0 turns them off.
    pub walk_radius_m: u32,
    pub walk_speed_mps: f64,
    pub wheelchair: bool,
    /// How far past the window a journey may reach (`--max-duration`): depart-at, its last
    /// vehicle arrives within this of `time + window`; arrive-by, its first vehicle leaves
    /// within this of `time − window`. `None`: as far as the feed's service goes.
    pub max_duration_secs: Option<u32>,
}

/// One leg of a journey.
#[derive(Clone, Debug, PartialEq)]
pub enum Leg {
    /// On foot. `from`/`to` are `None` for the query's own coordinates.
    Walk {
        from: Option<StopIdx>,
        to: Option<StopIdx>,
        departure: Instant,
        arrival: Instant,
        metres: u32,
    },
    /// On a vehicle: trip `trip` on service day index `day`, boarding at pattern position
    /// `board_pos` and alighting at `alight_pos`.
    Transit {
        trip: TripIdx,
        day: u32,
        from: StopIdx,
        to: StopIdx,
        board_pos: u32,
        alight_pos: u32,
        departure: Instant,
        arrival: Instant,
        /// The rider stays on board from the previous leg: the vehicle continues as this trip
        /// (same block, or a type 4 in-seat transfer). Not a transfer.
        stay_on_board: bool,
    },
}

/// A journey from the origin to the destination.
#[derive(Clone, Debug, PartialEq)]
pub struct Journey {
    pub departure: Instant,
    pub arrival: Instant,
    pub legs: Vec<Leg>,
}

impl Journey {
    /// Vehicles boarded (staying on board through a continuation is not a new ride).
    pub fn rides(&self) -> u32 {
        self.legs
            .iter()
            .filter(|l| {
                matches!(
                    l,
                    Leg::Transit {
                        stay_on_board: false,
                        ..
                    }
                )
            })
            .count() as u32
    }

    pub fn transfers(&self) -> u32 {
        self.rides().saturating_sub(1)
    }

    /// Seconds on foot.
    pub fn walk_secs(&self) -> i64 {
        self.legs
            .iter()
            .map(|l| match l {
                Leg::Walk {
                    departure, arrival, ..
                } => arrival - departure,
                Leg::Transit { .. } => 0,
            })
            .sum()
    }

    pub fn walk_metres(&self) -> u32 {
        self.legs
            .iter()
            .map(|l| match l {
                Leg::Walk { metres, .. } => *metres,
                Leg::Transit { .. } => 0,
            })
            .sum()
    }
}

/// The answer to a query.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub journeys: Vec<Journey>,
    pub counters: raptor::Counters,
    /// The horizon the answer was found with (the last one searched when none was).
    pub horizon: Horizon,
}

/// How far past its window a query looked (see the module docs).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Horizon {
    pub secs: i64,
    /// The bound came from the feed (no `--max-duration`) and this horizon reached it: nothing
    /// of the feed's service in that direction was left unsearched.
    pub whole_feed: bool,
}

/// The largest horizon `q` may search, and whether it is the feed's own extent: with
/// `max_duration_secs`, that; else up to the last event of the feed's service (depart-at) or
/// back to its first service day (arrive-by). At least [`FIRST_HORIZON_SECS`] either way, so
/// a query outside the service still searches (and says) a day.
pub fn horizon_bound(tt: &Timetable, q: &Query) -> Horizon {
    if let Some(d) = q.max_duration_secs {
        return Horizon {
            secs: d as i64,
            whole_feed: false,
        };
    }
    let w = q.window_secs as i64;
    // Over every zone of the region: the earliest first day start, the latest last one.
    let zones = 0..tt.zones.len().max(1) as u32;
    let first = zones
        .clone()
        .filter_map(|z| tt.day_starts(z).first().copied())
        .min();
    let last = zones.filter_map(|z| tt.day_starts(z).last().copied()).max();
    let (first, last) = match (first, last) {
        (Some(f), Some(l)) => (f, l + tt.max_time as i64),
        _ => (q.time, q.time),
    };
    // One second more: a journey's vehicles run strictly within the horizon.
    let extent = match q.kind {
        QueryKind::DepartAt => last - (q.time + w),
        QueryKind::ArriveBy => (q.time - w) - first,
    } + 1;
    Horizon {
        secs: extent.max(FIRST_HORIZON_SECS),
        whole_feed: true,
    }
}

/// Answers a query. Journeys come sorted: arrive-by latest departure first, depart-at earliest
/// arrival first, windows by departure; ties by fewer transfers, then less walking.
///
/// The horizon grows from [`FIRST_HORIZON_SECS`], doubling, until something is found or the
/// bound ([`horizon_bound`]) is searched, or [`reach::connected`] proves that no journey of
/// any length exists (then the answer says the bound was searched: it may as well have been).
pub fn plan(tt: &Timetable, q: &Query) -> Plan {
    let mut counters = raptor::Counters::default();
    let bound = horizon_bound(tt, q);
    let mut h = FIRST_HORIZON_SECS.min(bound.secs);
    let mut connected = None;
    // The lower bounds of the query's own search (its targets in scan terms are the
    // destination forward, the origins backward); the same for every horizon.
    let rides = q.max_transfers as usize + 1;
    let lower = match q.kind {
        QueryKind::DepartAt => lower::LazyLower::new(tt, &q.targets, true, q, rides),
        QueryKind::ArriveBy => lower::LazyLower::new(tt, &q.origins, false, q, rides),
    };
    loop {
        // Before searching more days: maybe a proof that no day would do.
        if h > FIRST_HORIZON_SECS && !*connected.get_or_insert_with(|| reach::connected(tt, q)) {
            return Plan {
                journeys: Vec::new(),
                counters,
                horizon: bound,
            };
        }
        let journeys = plan_within(tt, q, h, lower.as_ref(), &mut counters);
        if !journeys.is_empty() || h >= bound.secs {
            let horizon = Horizon {
                secs: h,
                whole_feed: bound.whole_feed && h >= bound.secs,
            };
            return Plan {
                journeys,
                counters,
                horizon,
            };
        }
        h = h.saturating_mul(2).min(bound.secs);
    }
}

/// The answer within one horizon.
fn plan_within(
    tt: &Timetable,
    q: &Query,
    horizon: i64,
    lower: Option<&lower::LazyLower>,
    counters: &mut raptor::Counters,
) -> Vec<Journey> {
    let rides = q.max_transfers as usize + 1;
    let w = q.window_secs as i64;
    let mut journeys: Vec<Journey> = match (q.kind, q.window_secs) {
        (QueryKind::DepartAt, 0) => {
            let main = Bounds::Horizon(horizon, lower);
            let (found, corridor) = search::<Forward>(tt, q, q.time, 0, rides, main, counters);
            found
                .iter()
                .filter_map(|f| {
                    // The latest departure, not before the query time, arriving as early with no
                    // more rides.
                    let pass = Bounds::Pass((q.time, f.arr), corridor.as_ref());
                    let (back, _) = search::<Backward>(tt, q, f.arr, 0, f.rides, pass, counters);
                    back.last()
                        .map(|b| to_journey::<Backward>(tt, q, b))
                        .or_else(|| Some(to_journey::<Forward>(tt, q, f)))
                })
                .collect()
        }
        (QueryKind::ArriveBy, 0) => {
            let main = Bounds::Horizon(horizon, lower);
            let (found, corridor) = search::<Backward>(tt, q, q.time, 0, rides, main, counters);
            found
                .iter()
                .filter_map(|f| {
                    // The earliest arrival, not after the deadline, leaving as late.
                    let dep = -f.arr;
                    let pass = Bounds::Pass((dep, q.time), corridor.as_ref());
                    let (fwd, _) = search::<Forward>(tt, q, dep, 0, f.rides, pass, counters);
                    fwd.last()
                        .map(|x| to_journey::<Forward>(tt, q, x))
                        .or_else(|| Some(to_journey::<Backward>(tt, q, f)))
                })
                .collect()
        }
        (QueryKind::DepartAt, _) => {
            let main = Bounds::Horizon(horizon, lower);
            let (found, _) = search::<Forward>(tt, q, q.time, w, rides, main, counters);
            let v: Vec<Journey> = found
                .iter()
                .map(|f| to_journey::<Forward>(tt, q, f))
                .collect();
            v.into_iter()
                .filter(|j| j.departure >= q.time && j.departure <= q.time + w)
                .collect()
        }
        (QueryKind::ArriveBy, _) => {
            let main = Bounds::Horizon(horizon, lower);
            let (found, _) = search::<Backward>(tt, q, q.time, w, rides, main, counters);
            let v: Vec<Journey> = found
                .iter()
                .map(|f| to_journey::<Backward>(tt, q, f))
                .collect();
            v.into_iter()
                .filter(|j| j.arrival <= q.time && j.arrival >= q.time - w)
                .collect()
        }
    };
    pareto(&mut journeys);
    sort_journeys(&mut journeys, q.kind, q.window_secs > 0);
    journeys
}

/// What bounds a search: the horizon past the window (a query's own search), or a span of
/// real time holding every event of an answer (a tightening pass, or `router::profile`), with
/// the corridor of the search it tightens.
#[derive(Copy, Clone)]
pub(crate) enum Bounds<'c> {
    /// With the lower bounds that prune the search ([`lower`]), when there are any.
    Horizon(i64, Option<&'c lower::LazyLower<'c>>),
    Pass((Instant, Instant), Option<&'c raptor::Corridor>),
}

/// Runs the engine in direction `D` from real time `time` (depart at it, or arrive by it).
/// A single query's own search also returns its [`raptor::Corridor`] for its passes.
pub(crate) fn search<D: Direction>(
    tt: &Timetable,
    q: &Query,
    time: Instant,
    window: i64,
    max_rides: usize,
    bounds: Bounds,
    counters: &mut raptor::Counters,
) -> (Vec<Found>, Option<raptor::Corridor>) {
    let (span, corridor, horizon, lower) = match bounds {
        Bounds::Horizon(h, l) => (None, None, h, l),
        Bounds::Pass(span, c) => (Some(span), c, 0, None),
    };
    let (origins, targets) = if D::FORWARD {
        (&q.origins, &q.targets)
    } else {
        (&q.targets, &q.origins)
    };
    // The real-time span any event of an answer can fall in: `span` with both ends, the
    // horizon without its far end (a journey's vehicles run strictly within it).
    let (lo, hi) = span.unwrap_or(if D::FORWARD {
        (time, time + window + horizon - 1)
    } else {
        (time - window - horizon + 1, time)
    });
    let Some(days) = day_range(tt, lo, hi) else {
        return (Vec::new(), None);
    };
    let start = D::scan(time);
    let sq = ScanQuery {
        start,
        window,
        origins,
        targets,
        max_rides,
        q,
        // Scan times are kept strictly below this.
        limit: if D::FORWARD { hi + 1 } else { -lo + 1 },
        days,
        corridor,
        lower,
    };
    let mut s = Search::<D>::new(tt, sq);
    let found = s.run();
    counters.add(&s.counters);
    let keep = span.is_none() && window == 0 && !found.is_empty();
    (found, keep.then(|| s.into_corridor()))
}

/// The service days whose trips can have events in `[lo, hi]`: a trip of day d runs between
/// `day_base(zone, d)` and `day_base(zone, d) + max_time`, in any of the timetable's zones.
pub fn day_range(
    tt: &Timetable,
    lo: Instant,
    hi: Instant,
) -> Option<std::ops::RangeInclusive<usize>> {
    let mut range: Option<(usize, usize)> = None;
    for z in 0..tt.zones.len().max(1) as u32 {
        let starts = tt.day_starts(z);
        let first = starts.partition_point(|&s| s + (tt.max_time as i64) < lo);
        let last = starts.partition_point(|&s| s <= hi);
        if first < last {
            range = Some(match range {
                None => (first, last - 1),
                Some((a, b)) => (a.min(first), b.max(last - 1)),
            });
        }
    }
    range.map(|(a, b)| a..=b)
}

/// Turns a journey found in scan space into real legs and times.
fn to_journey<D: Direction>(tt: &Timetable, q: &Query, f: &Found) -> Journey {
    // Put the scan legs into real order. Backward, a trip entered in-seat from the previous
    // ride leg in scan order is, in real order, the one the next leg is entered from.
    let mut legs: Vec<ScanLeg> = f.legs.clone();
    if !D::FORWARD {
        let joined: Vec<bool> = legs
            .iter()
            .map(|l| matches!(l, ScanLeg::Ride { stay: true, .. }))
            .collect();
        let n_legs = legs.len();
        legs.reverse();
        for (i, l) in legs.iter_mut().enumerate() {
            // Real leg i was scan leg n−1−i; it is entered in-seat iff scan leg n−i was.
            let stay_real = n_legs - i < n_legs && joined[n_legs - i];
            *l = match *l {
                ScanLeg::Access { stop } => ScanLeg::Egress { stop },
                ScanLeg::Egress { stop } => ScanLeg::Access { stop },
                ScanLeg::Change { from, to, secs } => ScanLeg::Change {
                    from: to,
                    to: from,
                    secs,
                },
                ScanLeg::Ride { ride: mut r, .. } => {
                    let n = tt.patterns[r.pattern.ix()].num_stops;
                    let (b, a) = (n - 1 - r.alight, n - 1 - r.board);
                    r.board = b;
                    r.alight = a;
                    ScanLeg::Ride {
                        ride: r,
                        stay: stay_real,
                    }
                }
            };
        }
    }
    let access = |list: &[Access], s: StopIdx| {
        list.iter()
            .filter(|a| a.stop == s)
            .min_by_key(|a| a.secs)
            .copied()
            .unwrap_or(Access {
                stop: s,
                secs: 0,
                metres: 0,
            })
    };
    // Transit legs first, so walks can be timed from them.
    let mut out: Vec<Leg> = Vec::with_capacity(legs.len());
    let mut last_arrival: Instant = 0;
    let mut pending_access: Option<Access> = None;
    for l in &legs {
        match *l {
            ScanLeg::Access { stop } => pending_access = Some(access(&q.origins, stop)),
            ScanLeg::Ride { ride: r, stay } => {
                let p = &tt.patterns[r.pattern.ix()];
                let base = tt.day_base(p.zone, r.day as usize);
                let departure = base + tt.dep_at(p, r.trip as usize, r.board as usize) as i64;
                let arrival = base + tt.arr_at(p, r.trip as usize, r.alight as usize) as i64;
                let stops = tt.pattern_stops(p);
                if let Some(a) = pending_access.take()
                    && a.secs > 0
                {
                    out.push(Leg::Walk {
                        from: None,
                        to: Some(a.stop),
                        departure: departure - a.secs as i64,
                        arrival: departure,
                        metres: a.metres,
                    });
                }
                out.push(Leg::Transit {
                    trip: TripIdx(p.trips_start + r.trip),
                    day: r.day,
                    from: stops[r.board as usize],
                    to: stops[r.alight as usize],
                    board_pos: r.board,
                    alight_pos: r.alight,
                    departure,
                    arrival,
                    stay_on_board: stay,
                });
                last_arrival = arrival;
            }
            ScanLeg::Change { from, to, secs } => {
                let metres = change_metres(tt, q, from, to);
                out.push(Leg::Walk {
                    from: Some(from),
                    to: Some(to),
                    departure: last_arrival,
                    arrival: last_arrival + secs as i64,
                    metres,
                });
            }
            ScanLeg::Egress { stop } => {
                let a = access(&q.targets, stop);
                if a.secs > 0 {
                    out.push(Leg::Walk {
                        from: Some(stop),
                        to: None,
                        departure: last_arrival,
                        arrival: last_arrival + a.secs as i64,
                        metres: a.metres,
                    });
                }
            }
        }
    }
    let first_dep = out
        .iter()
        .find_map(|l| match l {
            Leg::Transit { departure, .. } => Some(*departure),
            _ => None,
        })
        .unwrap_or(0);
    let departure = match out.first() {
        Some(Leg::Walk { departure, .. }) => *departure,
        _ => first_dep,
    };
    let arrival = match out.last() {
        Some(Leg::Walk { arrival, .. }) | Some(Leg::Transit { arrival, .. }) => *arrival,
        None => departure,
    };
    Journey {
        departure,
        arrival,
        legs: out,
    }
}

/// The metres of a change between two different stops: along the streets when a street map
/// links them, else straight-line.
fn change_metres(tt: &Timetable, q: &Query, from: StopIdx, to: StopIdx) -> u32 {
    tt.walk_links_for(from, q.wheelchair)
        .find(|&(s, _)| s == to)
        .map(|(_, m)| m)
        .unwrap_or_else(|| {
            let (a, b) = (tt.stop(from), tt.stop(to));
            let d = crate::timetable::compile::distance_m(a.lat, a.lon, b.lat, b.lon);
            if d.is_finite() { d.ceil() as u32 } else { 0 }
        })
}

/// Adds walking the whole way (`secs`, `metres`; 0 rides) to a plan's journeys: arriving at
/// the query time (arrive-by) or leaving then (depart-at). Over (later departure, earlier
/// arrival, fewer rides) no journey with a ride dominates it; it removes those that leave no
/// later and arrive no earlier. The order is then the plan's usual one.
pub fn add_walk_only(
    js: &mut Vec<Journey>,
    q: &Query,
    from: Option<StopIdx>,
    to: Option<StopIdx>,
    secs: u32,
    metres: u32,
) {
    let (departure, arrival) = match q.kind {
        QueryKind::ArriveBy => (q.time - secs as i64, q.time),
        QueryKind::DepartAt => (q.time, q.time + secs as i64),
    };
    js.retain(|j| !(departure >= j.departure && arrival <= j.arrival));
    js.push(Journey {
        departure,
        arrival,
        legs: vec![Leg::Walk {
            from,
            to,
            departure,
            arrival,
            metres,
        }],
    });
    sort_journeys(js, q.kind, q.window_secs > 0);
}

/// Removes journeys dominated in (later departure, earlier arrival, fewer transfers), and
/// duplicates.
fn pareto(js: &mut Vec<Journey>) {
    let key = |j: &Journey| (j.departure, j.arrival, j.transfers());
    let keys: Vec<_> = js.iter().map(key).collect();
    let mut keep = vec![true; js.len()];
    for i in 0..js.len() {
        for k in 0..js.len() {
            if i == k || !keep[k] {
                continue;
            }
            let (a, b) = (keys[k], keys[i]);
            let dominates = a.0 >= b.0 && a.1 <= b.1 && a.2 <= b.2;
            if dominates && (a != b || k < i) {
                keep[i] = false;
                break;
            }
        }
    }
    let mut it = keep.iter();
    js.retain(|_| *it.next().unwrap_or(&false));
}

fn sort_journeys(js: &mut [Journey], kind: QueryKind, window: bool) {
    js.sort_by(|a, b| {
        let primary = if window {
            a.departure.cmp(&b.departure)
        } else {
            match kind {
                QueryKind::ArriveBy => b.departure.cmp(&a.departure),
                QueryKind::DepartAt => a.arrival.cmp(&b.arrival),
            }
        };
        primary
            .then_with(|| a.transfers().cmp(&b.transfers()))
            .then_with(|| a.walk_secs().cmp(&b.walk_secs()))
            .then_with(|| a.arrival.cmp(&b.arrival))
    });
}
