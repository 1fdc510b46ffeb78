//! The reference search: slow, plainly written, and worked out from the [`Spec`] (what the feed
//! *means*), not from the compiled timetable, so comparing it with the router checks the
//! compiler and the router together.
//!
//! The model (the router implements the same):
//! - a *trip instance* is a trip (or one departure of a frequency-based trip) on a date its
//!   service runs; its stop time `s` is the instant `day_start(date) + s`, where `day_start` is
//!   local noon minus 12 h in the agency zone;
//! - a *ride* boards an instance at position i (pickup allowed) and alights at a later position
//!   j (drop-off allowed); with `wheelchair`, the trip and both stops must be accessible;
//! - a ride may also *stay on board* through continuations ([`continuation`]): it boards the
//!   first trip at a position before its last, rides through every following trip, and alights
//!   from the last one at a position after its first; it is one ride;
//! - consecutive rides are joined by exactly one *change* ([`change_secs`]): at the same stop
//!   or a walk to another, never two walks in a row; its rule depends on the stops and on the
//!   trip alighted from and the trip boarded (route- and trip-specific transfers.txt rows);
//! - a journey is 1..=K+1 rides, the first boarding at an origin, the last alighting at a
//!   target; it departs at the first boarding minus the origin's access time and arrives at the
//!   last alighting plus the target's egress time.
//!
//! How it answers: [`candidates`] lists *every* (departure, arrival) pair any journey achieves,
//! each with the fewest rides that achieve it (a breadth-first search over rides from every
//! possible first ride). All answers are then plain filters and minima over that list, so each
//! definition below reads as the sentence that defines it.

use super::builder::{Place, Sel, Spec};
use chrono::{NaiveDate, NaiveTime, TimeZone};
use std::collections::BTreeMap;

/// (departure, arrival, transfers) of one answer.
pub type Triple = (i64, i64, u32);

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    DepartAt,
    ArriveBy,
}

/// A query in spec terms: stops are platform indices of the spec.
#[derive(Clone, Debug)]
pub struct OQuery {
    pub kind: Kind,
    pub time: i64,
    pub window: u32,
    /// (platform, walking seconds to it)
    pub origins: Vec<(usize, u32)>,
    /// (platform, walking seconds from it)
    pub targets: Vec<(usize, u32)>,
    pub max_transfers: u32,
    pub min_transfer_secs: u32,
    pub walk_radius_m: u32,
    pub walk_speed_mps: f64,
    pub wheelchair: bool,
    /// The first journey-length bound: depart-at journeys must leave the last vehicle strictly
    /// before `T + W + horizon`, arrive-by journeys must board the first vehicle strictly after
    /// `T − W − horizon` (vehicle times: walks at either end are not counted). While the answer
    /// within it is empty it doubles, up to `max_duration` (see [`answer_from`]).
    pub horizon: i64,
    /// The largest horizon (`--max-duration`); `None`: unbounded (every journey the spec has).
    pub max_duration: Option<u32>,
    /// Which journeys may dominate one in the window (see [`WindowRule`]).
    pub window_rule: WindowRule,
}

/// What a window answer is the Pareto set *of*.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WindowRule {
    /// The journeys in the window only (the task's model and the README's wording): a journey
    /// leaving at 7:25 and arriving 13:30 is shown for a 7:00–7:30 window even if one leaving
    /// at 9:45 arrives at 13:30 too.
    InWindow,
    /// The range-RAPTOR reading the router implements: the Pareto set over *all* journeys
    /// leaving at or after T (depart-at; arriving at or before T for arrive-by), restricted to
    /// those in the window. The 7:25 journey above is then dropped: it departs in the window
    /// only by waiting for nothing.
    Unbeaten,
}

/// The UTC instant of local noon minus 12 h on `date` in the agency zone.
pub fn day_start(date: NaiveDate) -> i64 {
    let tz: chrono_tz::Tz = super::builder::TZ.parse().expect("known zone");
    let noon = date.and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("valid time"));
    // Noon is never skipped or repeated in America/Los_Angeles.
    let t = tz
        .from_local_datetime(&noon)
        .single()
        .expect("noon exists once");
    t.timestamp() - 12 * 3600
}

/// One run of a trip on one date, with absolute times.
#[derive(Clone, Debug)]
pub struct Instance {
    pub trip: usize,
    pub date: NaiveDate,
    pub arr: Vec<i64>,
    pub dep: Vec<i64>,
}

/// The stop times of each run of a trip in seconds of its service day: one for a plain trip;
/// for a frequency-based one, the template shifted to depart at `start + k·headway` for every
/// such time before `end`.
pub fn runs(spec: &Spec, trip: usize) -> Vec<(Vec<u32>, Vec<u32>)> {
    let t = &spec.trips[trip];
    match &t.frequency {
        None => vec![(t.arr.clone(), t.dep.clone())],
        Some(f) => {
            let mut out = Vec::new();
            let mut start = f.start;
            while start < f.end {
                let shift = |v: &Vec<u32>| v.iter().map(|&x| x - t.dep[0] + start).collect();
                out.push((shift(&t.arr), shift(&t.dep)));
                start += f.headway;
            }
            out
        }
    }
}

/// Every trip instance: each run of each trip on each date its service is active.
pub fn instances(spec: &Spec) -> Vec<Instance> {
    let mut out = Vec::new();
    for (trip, t) in spec.trips.iter().enumerate() {
        for &date in &spec.services[t.service].active {
            let zero = day_start(date);
            for (arr, dep) in runs(spec, trip) {
                out.push(Instance {
                    trip,
                    date,
                    arr: arr.iter().map(|&s| zero + s as i64).collect(),
                    dep: dep.iter().map(|&s| zero + s as i64).collect(),
                });
            }
        }
    }
    out
}

/// Is platform `s` wheelchair-boardable? A platform that says 0 inherits its station's value.
pub fn stop_accessible(spec: &Spec, s: usize) -> bool {
    let st = &spec.stops[s];
    let w = match (st.wheelchair, st.parent) {
        (0, Some(p)) => spec.stations[p].wheelchair,
        (w, _) => w,
    };
    w == 1
}

/// Can a rider board trip `trip` at position `i` (and, with `wheelchair`, is that allowed)?
pub fn can_board(spec: &Spec, trip: usize, i: usize, wheelchair: bool) -> bool {
    let t = &spec.trips[trip];
    t.pickup[i] == 0 && (!wheelchair || (t.wheelchair == 1 && stop_accessible(spec, t.stops[i])))
}

/// Can a rider alight from trip `trip` at position `j`?
pub fn can_alight(spec: &Spec, trip: usize, j: usize, wheelchair: bool) -> bool {
    let t = &spec.trips[trip];
    t.drop_off[j] == 0 && (!wheelchair || (t.wheelchair == 1 && stop_accessible(spec, t.stops[j])))
}

/// One ride: board instance `inst` at position `board` (stop `from`, time `dep`), alight at
/// stop `to` at time `arr`; `first_trip`/`last_trip` are the trips boarded and alighted from
/// (different when the rider stayed on board through continuations).
#[derive(Clone, Debug)]
pub struct Ride {
    pub inst: usize,
    pub board: usize,
    pub from: usize,
    pub to: usize,
    pub dep: i64,
    pub arr: i64,
    pub first_trip: usize,
    pub last_trip: usize,
}

/// Platform `s`'s station, or itself.
fn station_of(spec: &Spec, s: usize) -> Option<usize> {
    spec.stops[s].parent
}

/// The trip that `trip` continues as on `date` (the rider may stay on board), per the GTFS
/// reference: on a service day the trips of a block, sorted by (first departure, last arrival,
/// trip_id as text), follow one another; type 4 rows come before the block and type 5 rows
/// forbid. The first candidate running that day decides; it is a continuation only if it
/// starts at the stop (or station) where `trip` ends, not before it arrives, and comes after
/// it in that order. Frequency-based trips never continue.
pub fn continuation(spec: &Spec, trip: usize, date: NaiveDate) -> Option<usize> {
    let t = &spec.trips[trip];
    if t.frequency.is_some() {
        return None;
    }
    let runs = |x: usize| spec.services[spec.trips[x].service].active.contains(&date);
    let key = |x: usize| {
        let u = &spec.trips[x];
        (u.dep[0], u.arr[u.arr.len() - 1], format!("T{x}"))
    };
    let meets = |a: usize, c: usize| {
        let (x, y) = (&spec.trips[a], &spec.trips[c]);
        let (ls, fs) = (x.stops[x.stops.len() - 1], y.stops[0]);
        let same_place = ls == fs
            || (station_of(spec, ls).is_some() && station_of(spec, ls) == station_of(spec, fs));
        same_place && y.dep[0] >= x.arr[x.arr.len() - 1] && key(c) > key(a)
    };
    let forbidden = |a: usize, c: usize| {
        spec.in_seat
            .iter()
            .any(|r| !r.allowed && r.from_trip == a && r.to_trip == c)
    };
    let mut cands: Vec<usize> = spec
        .in_seat
        .iter()
        .filter(|r| r.allowed && r.from_trip == trip && spec.trips[r.to_trip].frequency.is_none())
        .map(|r| r.to_trip)
        .collect();
    if let Some(b) = t.block {
        let mut block: Vec<usize> = (0..spec.trips.len())
            .filter(|&x| spec.trips[x].block == Some(b) && spec.trips[x].frequency.is_none())
            .collect();
        block.sort_by_key(|&x| key(x));
        if let Some(i) = block.iter().position(|&x| x == trip) {
            cands.extend(block[i + 1..].iter().copied().filter(|&x| runs(x)).take(1));
        }
    }
    let c = cands.into_iter().find(|&c| runs(c))?;
    (meets(trip, c) && !forbidden(trip, c)).then_some(c)
}

/// Every allowed ride on every instance, including rides staying on board through
/// continuations.
pub fn rides(spec: &Spec, insts: &[Instance], wheelchair: bool) -> Vec<Ride> {
    let mut out = Vec::new();
    for (k, inst) in insts.iter().enumerate() {
        let t = &spec.trips[inst.trip];
        for i in 0..t.stops.len() {
            if !can_board(spec, inst.trip, i, wheelchair) {
                continue;
            }
            for j in i + 1..t.stops.len() {
                if can_alight(spec, inst.trip, j, wheelchair) {
                    out.push(Ride {
                        inst: k,
                        board: i,
                        from: t.stops[i],
                        to: t.stops[j],
                        dep: inst.dep[i],
                        arr: inst.arr[j],
                        first_trip: inst.trip,
                        last_trip: inst.trip,
                    });
                }
            }
            // Staying on board: boarding before the last stop, through the continuations.
            if i + 1 >= t.stops.len() || spec.trips[inst.trip].frequency.is_some() {
                continue;
            }
            let date = inst.date;
            let zero = day_start(date);
            let mut cur = inst.trip;
            let mut guard = spec.trips.len();
            while let Some(c) = continuation(spec, cur, date) {
                if guard == 0 || (wheelchair && spec.trips[c].wheelchair != 1) {
                    break;
                }
                guard -= 1;
                let ct = &spec.trips[c];
                for j in 1..ct.stops.len() {
                    if can_alight(spec, c, j, wheelchair) {
                        out.push(Ride {
                            inst: k,
                            board: i,
                            from: t.stops[i],
                            to: ct.stops[j],
                            dep: inst.dep[i],
                            arr: zero + ct.arr[j] as i64,
                            first_trip: inst.trip,
                            last_trip: c,
                        });
                    }
                }
                cur = c;
            }
        }
    }
    out
}

/// Does a transfers.txt end cover platform `s`? A station covers its platforms.
fn covers(spec: &Spec, p: Place, s: usize) -> bool {
    match p {
        Place::Stop(i) => i == s,
        Place::Station(j) => spec.stops[s].parent == Some(j),
    }
}

/// What transfers.txt says about changing from platform `a` to platform `b`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// No row with a rule of its own (none, type 0, type 2 without a time).
    Nothing,
    Forbidden,
    /// Type 2 with a time, or type 1 (0 s). The largest of several wins.
    MinTime(u32),
}

/// How specific a row is, per the GTFS reference (larger wins): both trips; a trip and a
/// route; one trip; both routes; one route; only stops.
fn specificity(f: Sel, t: Sel) -> u8 {
    let w = |s: Sel| match s {
        Sel::Any => 0,
        Sel::Route(_) => 1,
        Sel::Trip(_) => 3,
    };
    match (w(f), w(t)) {
        (3, 3) => 6,
        (3, 1) | (1, 3) => 5,
        (3, 0) | (0, 3) => 4,
        (1, 1) => 3,
        (1, 0) | (0, 1) => 2,
        _ => 1,
    }
}

fn sel_matches(spec: &Spec, s: Sel, trip: usize) -> bool {
    match s {
        Sel::Any => true,
        Sel::Route(r) => spec.trips[trip].route == r,
        Sel::Trip(t) => t == trip,
    }
}

/// The rule for changing from trip `ft` at platform `a` to trip `tt` at platform `b`: of the
/// rows covering both platforms and matching both trips, the most specific; rows equally
/// specific combine, the stricter winning.
pub fn rule(spec: &Spec, a: usize, b: usize, ft: usize, tt: usize) -> Rule {
    let mut best: Option<(u8, Rule)> = None;
    for x in &spec.transfers {
        if !(covers(spec, x.from, a) && covers(spec, x.to, b)) {
            continue;
        }
        if !(sel_matches(spec, x.from_sel, ft) && sel_matches(spec, x.to_sel, tt)) {
            continue;
        }
        let this = match (x.kind, x.min_time) {
            (3, _) => Rule::Forbidden,
            (2, Some(t)) => Rule::MinTime(t),
            (1, _) => Rule::MinTime(0),
            _ => Rule::Nothing,
        };
        let w = specificity(x.from_sel, x.to_sel);
        best = match best {
            Some((bw, _)) if bw > w => best,
            Some((bw, r)) if bw == w => Some((
                w,
                match (r, this) {
                    (Rule::Forbidden, _) | (_, Rule::Forbidden) => Rule::Forbidden,
                    (Rule::MinTime(p), Rule::MinTime(q)) => Rule::MinTime(p.max(q)),
                    (Rule::MinTime(p), Rule::Nothing) | (Rule::Nothing, Rule::MinTime(p)) => {
                        Rule::MinTime(p)
                    }
                    (Rule::Nothing, Rule::Nothing) => Rule::Nothing,
                },
            )),
            _ => Some((w, this)),
        };
    }
    best.map_or(Rule::Nothing, |(_, r)| r)
}

/// Straight-line metres between two platforms, rounded up, as the compiler measures them.
pub fn metres(spec: &Spec, a: usize, b: usize) -> u32 {
    let (p, q) = (&spec.stops[a], &spec.stops[b]);
    gethere::timetable::compile::distance_m(p.lat, p.lon, q.lat, q.lon).ceil() as u32
}

/// The least time between alighting from trip `ft` at `a` and boarding trip `tt` at `b` for
/// the change to be possible, or `None` if it never is. A later boarding is always as good, so
/// this one number decides every such change.
pub fn change_secs(
    spec: &Spec,
    q: &OQuery,
    a: usize,
    b: usize,
    ft: usize,
    tt: usize,
) -> Option<u32> {
    match rule(spec, a, b, ft, tt) {
        Rule::Forbidden => None,
        Rule::MinTime(x) => Some(x),
        Rule::Nothing if a == b => Some(q.min_transfer_secs),
        // Along a street map: the links' street metres, walked without a detour factor.
        Rule::Nothing if spec.street_links.is_some() => {
            let l = spec.street_links.as_ref()?;
            let m = *(if q.wheelchair { &l.step_free } else { &l.any }).get(&(a, b))?;
            (q.walk_radius_m > 0 && m <= q.walk_radius_m).then(|| {
                let walk = (m as f64 / q.walk_speed_mps).ceil() as u32;
                walk.max(q.min_transfer_secs)
            })
        }
        Rule::Nothing => {
            let d = metres(spec, a, b);
            if q.walk_radius_m > 0 && d <= q.walk_radius_m && d <= 1000 {
                let walk = (d as f64 * 1.3 / q.walk_speed_mps).ceil() as u32;
                Some(walk.max(q.min_transfer_secs))
            } else {
                None
            }
        }
    }
}

/// A (departure, arrival) pair that some journey achieves, with the fewest rides that do.
/// `board`/`alight` are its first boarding and last alighting (for the horizon).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub dep: i64,
    pub arr: i64,
    pub board: i64,
    pub alight: i64,
    pub rides: u32,
}

/// Every (departure, arrival) pair of any journey with at most `max_transfers + 1` rides, each
/// with the fewest rides achieving it.
///
/// For each possible first ride r (boarding at an origin) a breadth-first search over rides
/// finds, for every ride s, the fewest rides of a chain r → … → s: a ride s follows a ride p
/// iff `s.dep >= p.arr + change_secs(p.to, s.from)`. Level by level, s is reachable at the
/// next level iff it follows *some* ride of the current level, i.e. iff `s.dep` is at least
/// the smallest `p.arr + change_secs(p.to, s.from)` over the level (`ready` below). Every
/// chain from r ending at a target gives the pair (r's departure, s's arrival); the first
/// level that reaches s is the fewest rides. Because a journey's departure depends only on its
/// first ride and its arrival only on its last, this lists every pair any journey achieves.
pub fn candidates(spec: &Spec, q: &OQuery) -> Vec<Candidate> {
    let insts = instances(spec);
    let rides = rides(spec, &insts, q.wheelchair);
    let max_rides = q.max_transfers as usize + 1;
    let access = |s: usize| q.origins.iter().find(|o| o.0 == s).map(|o| o.1);
    let egress = |s: usize| q.targets.iter().find(|t| t.0 == s).map(|t| t.1);
    // change[((a, ft), (b, tt))], computed when first needed.
    let mut change: std::collections::HashMap<(usize, usize, usize, usize), Option<u32>> =
        std::collections::HashMap::new();
    let mut cost = |a: usize, ft: usize, b: usize, tt: usize| -> Option<u32> {
        *change
            .entry((a, ft, b, tt))
            .or_insert_with(|| change_secs(spec, q, a, b, ft, tt))
    };

    // (dep, arr, first boarding, last alighting) → fewest rides
    let mut best: BTreeMap<(i64, i64, i64, i64), u32> = BTreeMap::new();
    for (r0, first) in rides.iter().enumerate() {
        let Some(acc) = access(first.from) else {
            continue;
        };
        let dep = first.dep - acc as i64;
        let mut level: Vec<Option<u32>> = vec![None; rides.len()];
        level[r0] = Some(1);
        let mut frontier = vec![r0];
        let mut k = 1u32;
        loop {
            for &s in &frontier {
                if let Some(egr) = egress(rides[s].to) {
                    let key = (dep, rides[s].arr + egr as i64, first.dep, rides[s].arr);
                    let e = best.entry(key).or_insert(k);
                    *e = (*e).min(k);
                }
            }
            if k as usize == max_rides || frontier.is_empty() {
                break;
            }
            // The earliest arrival of this level at each (stop, trip alighted from): only that
            // one matters for any change from there.
            let mut arrived: BTreeMap<(usize, usize), i64> = BTreeMap::new();
            for &p in &frontier {
                let p = &rides[p];
                let e = arrived.entry((p.to, p.last_trip)).or_insert(p.arr);
                *e = (*e).min(p.arr);
            }
            // ready[(b, trip boarded)]: the earliest a rider from this level can board there.
            let mut ready: std::collections::HashMap<(usize, usize), i64> =
                std::collections::HashMap::new();
            k += 1;
            let mut next = Vec::new();
            for (s, ride) in rides.iter().enumerate() {
                if level[s].is_some() {
                    continue;
                }
                let key = (ride.from, ride.first_trip);
                let r = match ready.get(&key) {
                    Some(&r) => r,
                    None => {
                        let mut r = i64::MAX;
                        for (&(a, ft), &arr) in &arrived {
                            if let Some(c) = cost(a, ft, ride.from, ride.first_trip) {
                                r = r.min(arr + c as i64);
                            }
                        }
                        ready.insert(key, r);
                        r
                    }
                };
                if ride.dep >= r {
                    level[s] = Some(k);
                    next.push(s);
                }
            }
            frontier = next;
        }
    }
    best.into_iter()
        .map(|((dep, arr, board, alight), rides)| Candidate {
            dep,
            arr,
            board,
            alight,
            rides,
        })
        .collect()
}

/// The oracle's answer to a query, sorted. See the module docs and the task's definitions:
///
/// - depart-at, no window: for k = 1..=K+1, EA_k = earliest arrival with ≤ k rides among
///   journeys departing ≥ T; each k where EA_k improves on EA_{k-1} is an answer, reported with
///   the latest departure (≥ T) of a journey with ≤ k rides arriving by EA_k;
/// - arrive-by, no window: mirror image, LD_k = latest departure with ≤ k rides among journeys
///   arriving ≤ T, reported with the earliest arrival of a journey with ≤ k rides leaving at or
///   after LD_k;
/// - window: the Pareto set over (later departure, earlier arrival, fewer rides) of the
///   journeys departing in [T, T+W] (depart-at) or arriving in [T−W, T] (arrive-by); with
///   [`WindowRule::Unbeaten`], of all journeys departing ≥ T (arriving ≤ T), keeping those in
///   the window.
pub fn answer(spec: &Spec, q: &OQuery) -> Vec<Triple> {
    answer_from(&candidates(spec, q), q)
}

/// [`answer`] over an already computed candidate list: the answer within the first horizon of
/// `h, 2h, 4h, …` (`h` = `q.horizon`, each capped at `q.max_duration`) that has any journey, or
/// the empty answer within the cap. So the first journey is the best of any length within the
/// cap, and slower ones with fewer transfers are those within that horizon.
pub fn answer_from(cands: &[Candidate], q: &OQuery) -> Vec<Triple> {
    let cap = q.max_duration.map_or(i64::MAX / 4, i64::from);
    let mut h = q.horizon.min(cap);
    loop {
        let a = answer_within(cands, q, h);
        if !a.is_empty() || h >= cap {
            return a;
        }
        h = h.saturating_mul(2).min(cap);
    }
}

/// The answer when every vehicle of a journey runs within horizon `h` past the window.
fn answer_within(cands: &[Candidate], q: &OQuery, h: i64) -> Vec<Triple> {
    let q = &OQuery {
        horizon: h,
        ..q.clone()
    };
    let t = q.time;
    let w = q.window as i64;
    let max_rides = q.max_transfers + 1;
    let mut out: Vec<Triple> = Vec::new();
    match (q.kind, q.window) {
        (Kind::DepartAt, 0) => {
            let usable = |c: &&Candidate| c.dep >= t && c.alight < t + q.horizon;
            let mut prev = i64::MAX;
            for k in 1..=max_rides {
                let Some(ea) = cands
                    .iter()
                    .filter(usable)
                    .filter(|c| c.rides <= k)
                    .map(|c| c.arr)
                    .min()
                else {
                    continue;
                };
                if ea < prev {
                    let dep = cands
                        .iter()
                        .filter(usable)
                        .filter(|c| c.rides <= k && c.arr <= ea)
                        .map(|c| c.dep)
                        .max()
                        .expect("the journey arriving at ea qualifies");
                    out.push((dep, ea, k - 1));
                    prev = ea;
                }
            }
        }
        (Kind::ArriveBy, 0) => {
            let usable = |c: &&Candidate| c.arr <= t && c.board > t - q.horizon;
            let mut prev = i64::MIN;
            for k in 1..=max_rides {
                let Some(ld) = cands
                    .iter()
                    .filter(usable)
                    .filter(|c| c.rides <= k)
                    .map(|c| c.dep)
                    .max()
                else {
                    continue;
                };
                if ld > prev {
                    // Any journey leaving at or after ld will do, even one arriving after T
                    // (none arrives earlier than the one that defined ld anyway).
                    let arr = cands
                        .iter()
                        .filter(|c| c.rides <= k && c.dep >= ld)
                        .map(|c| c.arr)
                        .min()
                        .expect("the journey leaving at ld qualifies");
                    out.push((ld, arr, k - 1));
                    prev = ld;
                }
            }
        }
        (kind, _) => {
            let in_window = |c: &Candidate| match kind {
                Kind::DepartAt => c.dep <= t + w,
                Kind::ArriveBy => c.arr >= t - w,
            };
            let searched = |c: &&Candidate| match kind {
                Kind::DepartAt => c.dep >= t && c.alight < t + w + q.horizon,
                Kind::ArriveBy => c.arr <= t && c.board > t - w - q.horizon,
            };
            let pool: Vec<&Candidate> = cands
                .iter()
                .filter(searched)
                .filter(|c| q.window_rule == WindowRule::Unbeaten || in_window(c))
                .collect();
            // c is dominated if another is at least as good in all three and better in one.
            let dominated = |c: &Candidate| {
                pool.iter().any(|o| {
                    o.dep >= c.dep
                        && o.arr <= c.arr
                        && o.rides <= c.rides
                        && (o.dep, o.arr, o.rides) != (c.dep, c.arr, c.rides)
                })
            };
            for c in &pool {
                if in_window(c) && !dominated(c) {
                    out.push((c.dep, c.arr, c.rides - 1));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn h(hours: u32, minutes: u32) -> u32 {
        hours * 3600 + minutes * 60
    }

    fn utc(y: i32, mo: u32, d: u32, hh: u32, mm: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, hh, mm, 0)
            .single()
            .expect("valid instant")
            .timestamp()
    }

    /// A depart-at query from `from` to `to` at `time`, no walking links, 0 s changes.
    pub fn query(kind: Kind, time: i64, from: usize, to: usize) -> OQuery {
        OQuery {
            kind,
            time,
            window: 0,
            origins: vec![(from, 0)],
            targets: vec![(to, 0)],
            max_transfers: 3,
            min_transfer_secs: 0,
            walk_radius_m: 0,
            walk_speed_mps: 1.0,
            wheelchair: false,
            horizon: 24 * 3600,
            max_duration: None,
            window_rule: WindowRule::InWindow,
        }
    }

    #[test]
    fn day_start_is_noon_minus_12h() {
        // An ordinary summer day: local midnight PDT.
        assert_eq!(day_start(date(2021, 6, 1)), utc(2021, 6, 1, 7, 0));
        // Fall-back day: noon is PST, so the day starts at 01:00 PDT (08:00 UTC), one hour
        // after midnight.
        assert_eq!(day_start(date(2021, 11, 7)), utc(2021, 11, 7, 8, 0));
        // Spring-forward day: noon is PDT, so the day starts at 23:00 PST the evening before.
        assert_eq!(day_start(date(2021, 3, 14)), utc(2021, 3, 14, 7, 0));
    }

    #[test]
    fn overnight_trip_from_the_previous_service_day() {
        let base = date(2021, 6, 1);
        let mut s = Spec::empty(base);
        let (a, b) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0));
        let v = s.service(&[base]);
        s.trip(v, &[(a, h(24, 30), h(24, 30)), (b, h(25, 0), h(25, 0))]);
        let d0 = day_start(base);
        // 00:10 on June 2nd: the trip of June 1st's service at 24:30 is the answer.
        let t = day_start(date(2021, 6, 2)) + 600;
        assert_eq!(t, d0 + h(24, 10) as i64);
        let want = vec![(d0 + h(24, 30) as i64, d0 + h(25, 0) as i64, 0)];
        assert_eq!(answer(&s, &query(Kind::DepartAt, t, a, b)), want);
        assert_eq!(
            answer(&s, &query(Kind::ArriveBy, t + 3600, a, b)),
            want,
            "arrive-by 01:10 on June 2nd"
        );
        // Too late: nothing on June 2nd's own service.
        assert_eq!(answer(&s, &query(Kind::DepartAt, t + 1800, a, b)), vec![]);
    }

    #[test]
    fn fall_back_day_has_two_0130_departures() {
        let tz: chrono_tz::Tz = super::super::builder::TZ.parse().expect("zone");
        let (sat, sun) = (date(2021, 11, 6), date(2021, 11, 7));
        let mut s = Spec::empty(sat);
        let (a, b) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0));
        let v = s.service(&[sat, sun]);
        s.trip(v, &[(a, h(25, 30), h(25, 30)), (b, h(25, 40), h(25, 40))]);
        s.trip(v, &[(a, h(1, 30), h(1, 30)), (b, h(1, 40), h(1, 40))]);
        // Saturday's 25:30 is 01:30 PDT (08:30 UTC); Sunday's 01:30 is 01:30 PST (09:30 UTC).
        let first = utc(2021, 11, 7, 8, 30);
        let second = utc(2021, 11, 7, 9, 30);
        for t in [first, second] {
            let wall = tz.timestamp_opt(t, 0).single().expect("instant");
            assert_eq!(
                wall.format("%Y-%m-%d %H:%M").to_string(),
                "2021-11-07 01:30"
            );
        }
        let q = |t| answer(&s, &query(Kind::DepartAt, t, a, b));
        assert_eq!(q(first - 1800), vec![(first, first + 600, 0)]);
        assert_eq!(q(first + 1), vec![(second, second + 600, 0)]);
        assert_eq!(
            answer(&s, &query(Kind::ArriveBy, second + 599, a, b)),
            vec![(first, first + 600, 0)]
        );
    }

    /// S0 →(A)→ S1 →(B)→ S2, with a 10 min change at S1.
    fn two_rides() -> (Spec, usize, usize, usize) {
        let base = date(2021, 6, 1);
        let mut s = Spec::empty(base);
        let (a, b, c) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0), s.stop(0.0, 6000.0));
        let v = s.service(&[base]);
        s.trip(v, &[(a, h(10, 0), h(10, 0)), (b, h(10, 10), h(10, 10))]);
        s.trip(v, &[(b, h(10, 20), h(10, 20)), (c, h(10, 30), h(10, 30))]);
        (s, a, b, c)
    }

    #[test]
    fn forbidden_transfer_makes_the_only_journey_impossible() {
        let (mut s, a, b, c) = two_rides();
        let d0 = day_start(s.base_date);
        let t = d0 + h(9, 0) as i64;
        let want = vec![(d0 + h(10, 0) as i64, d0 + h(10, 30) as i64, 1)];
        assert_eq!(answer(&s, &query(Kind::DepartAt, t, a, c)), want);
        let mut no_change = query(Kind::DepartAt, t, a, c);
        no_change.max_transfers = 0;
        assert_eq!(answer(&s, &no_change), vec![]);
        // A minimum change time longer than the gap: no journey either.
        let mut slow = query(Kind::DepartAt, t, a, c);
        slow.min_transfer_secs = 601;
        assert_eq!(answer(&s, &slow), vec![]);
        slow.min_transfer_secs = 600;
        assert_eq!(answer(&s, &slow), want);

        s.transfer(Place::Stop(b), Place::Stop(b), 3, None);
        assert_eq!(answer(&s, &query(Kind::DepartAt, t, a, c)), vec![]);
        assert_eq!(
            answer(&s, &query(Kind::ArriveBy, d0 + h(12, 0) as i64, a, c)),
            vec![]
        );
    }

    #[test]
    fn forbidden_transfer_on_a_station_applies_to_its_platforms() {
        let (mut s, a, b, c) = two_rides();
        s.stations.push(super::super::builder::StationSpec {
            lat: s.stops[b].lat,
            lon: s.stops[b].lon,
            wheelchair: 0,
        });
        s.stops[b].parent = Some(0);
        s.transfer(Place::Station(0), Place::Station(0), 3, None);
        let t = day_start(s.base_date) + h(9, 0) as i64;
        assert_eq!(answer(&s, &query(Kind::DepartAt, t, a, c)), vec![]);
    }

    #[test]
    fn footpath_from_transfers_txt() {
        let base = date(2021, 6, 1);
        let mut s = Spec::empty(base);
        let a = s.stop(0.0, 0.0);
        let b = s.stop(0.0, 3000.0);
        let c = s.stop(2000.0, 3000.0); // 2 km from b: beyond any walking radius
        let d = s.stop(2000.0, 6000.0);
        let v = s.service(&[base]);
        s.trip(v, &[(a, h(10, 0), h(10, 0)), (b, h(10, 10), h(10, 10))]);
        s.trip(v, &[(c, h(10, 15), h(10, 15)), (d, h(10, 30), h(10, 30))]);
        let d0 = day_start(base);
        let t = d0 + h(9, 0) as i64;
        let mut q = query(Kind::DepartAt, t, a, d);
        q.walk_radius_m = 1000;
        assert_eq!(answer(&s, &q), vec![], "too far to walk without a rule");
        // Exactly 5 min to walk: the 10:15 is just caught.
        s.transfer(Place::Stop(b), Place::Stop(c), 2, Some(300));
        let want = vec![(d0 + h(10, 0) as i64, d0 + h(10, 30) as i64, 1)];
        assert_eq!(answer(&s, &q), want);
        // A footpath is one-way: the rule says nothing about c → b.
        assert_eq!(change_secs(&s, &q, c, b, 0, 0), None);
        s.transfers[0].min_time = Some(301);
        assert_eq!(answer(&s, &q), vec![]);
    }

    #[test]
    fn generated_walking_link() {
        let base = date(2021, 6, 1);
        let mut s = Spec::empty(base);
        let a = s.stop(0.0, 0.0);
        let b = s.stop(0.0, 3000.0);
        let c = s.stop(400.0, 3000.0);
        let d = s.stop(400.0, 6000.0);
        let v = s.service(&[base]);
        s.trip(v, &[(a, h(10, 0), h(10, 0)), (b, h(10, 10), h(10, 10))]);
        let d0 = day_start(base);
        let mut q = query(Kind::DepartAt, d0 + h(9, 0) as i64, a, d);
        q.walk_radius_m = 500;
        q.walk_speed_mps = 1.3;
        let m = metres(&s, b, c);
        assert!((400..=401).contains(&m), "{m}");
        // 1.3 × m / 1.3 m/s = m seconds on foot (to floating-point rounding).
        let walk = change_secs(&s, &q, b, c, 0, 0).expect("within the radius");
        assert!(walk.abs_diff(m) <= 1, "{walk} vs {m}");
        let dep = h(10, 10) + walk;
        s.trip(v, &[(c, dep, dep), (d, h(10, 40), h(10, 40))]);
        let want = vec![(d0 + h(10, 0) as i64, d0 + h(10, 40) as i64, 1)];
        assert_eq!(answer(&s, &q), want);
        q.walk_radius_m = m - 1;
        assert_eq!(answer(&s, &q), vec![], "just outside the radius");
        q.walk_radius_m = 500;
        q.min_transfer_secs = walk + 1;
        assert_eq!(
            answer(&s, &q),
            vec![],
            "the change time applies to walks too"
        );
    }

    #[test]
    fn window_keeps_every_pareto_journey_and_single_tightens_departure() {
        // Three trips a → b at 10:00, 10:05 (slower, arrives 10:40) and 10:10 (arrives 10:30);
        // plus a two-ride way leaving 10:20 and arriving 10:35.
        let base = date(2021, 6, 1);
        let mut s = Spec::empty(base);
        let (a, b, m) = (s.stop(0.0, 0.0), s.stop(0.0, 5000.0), s.stop(100.0, 2500.0));
        let v = s.service(&[base]);
        s.trip(v, &[(a, h(10, 0), h(10, 0)), (b, h(10, 30), h(10, 30))]);
        s.trip(v, &[(a, h(10, 5), h(10, 5)), (b, h(10, 40), h(10, 40))]);
        s.trip(v, &[(a, h(10, 10), h(10, 10)), (b, h(10, 30), h(10, 30))]);
        s.trip(v, &[(a, h(10, 20), h(10, 20)), (m, h(10, 25), h(10, 25))]);
        s.trip(v, &[(m, h(10, 26), h(10, 26)), (b, h(10, 35), h(10, 35))]);
        let d0 = day_start(base);
        let at = |hh, mm| d0 + h(hh, mm) as i64;
        // Single depart-at 9:00: arrive 10:30 with no change, leaving as late as 10:10.
        let q = query(Kind::DepartAt, at(9, 0), a, b);
        assert_eq!(answer(&s, &q), vec![(at(10, 10), at(10, 30), 0)]);
        // Window 9:55–10:55: 10:10→10:30 (0) and 10:20→10:35 (1); 10:00 and 10:05 dominated.
        let mut w = q.clone();
        w.time = at(9, 55);
        w.window = 3600;
        assert_eq!(
            answer(&s, &w),
            vec![(at(10, 10), at(10, 30), 0), (at(10, 20), at(10, 35), 1)]
        );
        // Arrive by 10:36: leave 10:20 with a change, or 10:10 direct.
        let ab = query(Kind::ArriveBy, at(10, 36), a, b);
        assert_eq!(
            answer(&s, &ab),
            vec![(at(10, 10), at(10, 30), 0), (at(10, 20), at(10, 35), 1)]
        );
    }
}
