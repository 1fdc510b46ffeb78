//! Trip updates → the realtime timetable of one query (see the module docs of `realtime`).
//!
//! Matching, per the GTFS-Realtime reference: a `TripDescriptor` names a trip by `trip_id` and
//! `start_date` (the service day; absent: the service day around the message's time on which
//! the trip runs) and, for frequency-based trips, `start_time`. A `StopTimeUpdate` names its
//! stop by `stop_sequence`, else by `stop_id` (the first position at or after the previous
//! update's). Times are an absolute `time` or a `delay`; a delay propagates downstream to
//! stops without an update of their own, never upstream; `NO_DATA` ends the propagation (the
//! schedule holds there); `SKIPPED` keeps the time but allows neither boarding nor alighting.
//! Times are then made monotone along the trip (never earlier than the stop before).

use super::proto::{self, stop_rel, trip_rel};
use crate::time::Instant;
use crate::timetable::{
    CAN_ALIGHT, CAN_BOARD, NO_HEADSIGN, NO_STRING, Pattern, RouteIdx, StopIdx, Timetable, Trip,
    TripIdx,
};
use std::collections::{BTreeMap, HashMap};

/// What realtime did to one query's timetable.
#[derive(Clone, Debug, Default)]
pub struct Overlay {
    /// Realtime trips (new trip indices) → what they replace.
    pub trips: HashMap<TripIdx, RtTrip>,
    /// Scheduled trip instances (trip, day) that were cancelled.
    pub cancelled: Vec<(TripIdx, u32)>,
    pub stats: ApplyStats,
    pub alerts: Vec<super::AlertView>,
}

/// A realtime trip instance: its scheduled times (none for an added trip) and skipped stops.
#[derive(Clone, Debug)]
pub struct RtTrip {
    /// The scheduled trip it replaces (`None` for an added trip).
    pub original: Option<TripIdx>,
    pub day: u32,
    pub sched_arr: Vec<u32>,
    pub sched_dep: Vec<u32>,
    pub skipped: Vec<bool>,
}

/// Counts for `--stats` and `feed info`.
#[derive(Clone, Debug, Default, serde::Serialize, PartialEq, Eq)]
pub struct ApplyStats {
    pub trip_updates: usize,
    pub matched: usize,
    pub cancelled: usize,
    pub added: usize,
    /// Trip updates naming a trip_id (or start time) the static feed does not have.
    pub unknown_trips: usize,
    /// Trip updates whose trip does not run on the named day (or the day is outside the feed).
    pub not_running: usize,
    /// Stop time updates whose stop_sequence / stop_id is not on the trip.
    pub unknown_stops: usize,
    /// Trip updates ignored for other reasons (unsupported relationship, added trip without
    /// usable stops, …).
    pub ignored: usize,
}

/// One instance's new times (before it becomes a trip).
struct Instance {
    original: Option<TripIdx>,
    day: usize,
    /// Group: original pattern, or (for added trips) its route and stops.
    group: GroupKey,
    route: RouteIdx,
    stops: Vec<StopIdx>,
    flags: Vec<u8>,
    headsigns: Vec<u32>,
    arr: Vec<u32>,
    dep: Vec<u32>,
    sched_arr: Vec<u32>,
    sched_dep: Vec<u32>,
    skipped: Vec<bool>,
    template: Trip,
    /// The GTFS trip_id (of `template`, or of an added trip, whose `template.id` is set when
    /// it is added to the timetable's strings).
    id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum GroupKey {
    Pattern(u32, Vec<u8>),
    Added(u32, Vec<StopIdx>, Vec<u8>),
}

fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y%m%d").ok()
}

/// "HH:MM:SS" (hours may exceed 24) → seconds.
fn parse_hms(s: &str) -> Option<u32> {
    let mut it = s.split(':');
    let h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let sec: u32 = it.next()?.parse().ok()?;
    (it.next().is_none() && m < 60 && sec < 60 && h < 200).then_some(h * 3600 + m * 60 + sec)
}

/// Applies every trip update of `messages` to `tt` (which must not be written to the cache
/// afterwards) and returns the overlay it recorded in `tt.realtime` too.
pub fn apply(tt: &mut Timetable, messages: &[super::Decoded]) {
    let mut stats = ApplyStats::default();
    // The ids a message can name: its feed's (a source bound with KEY=), else every feed's
    // ids that only one feed has.
    let mut scopes: HashMap<Option<&str>, IdMaps> = HashMap::new();
    for m in messages {
        let k = m.feed.as_deref();
        scopes.entry(k).or_insert_with(|| IdMaps::new(tt, k));
    }
    // Later messages (and later entities) win for the same instance.
    let mut instances: BTreeMap<(u32, u32), Instance> = BTreeMap::new();
    let mut cancelled: BTreeMap<(u32, u32), ()> = BTreeMap::new();
    let mut added: Vec<Instance> = Vec::new();
    for m in messages {
        let IdMaps {
            by_id,
            route_by_id,
            stop_by_id,
        } = &scopes[&m.feed.as_deref()];
        let ts = m.msg.header.as_ref().and_then(|h| h.timestamp).unwrap_or(0) as i64;
        for e in &m.msg.entity {
            if e.is_deleted == Some(true) {
                continue;
            }
            let Some(tu) = &e.trip_update else { continue };
            stats.trip_updates += 1;
            let Some(td) = &tu.trip else {
                stats.ignored += 1;
                continue;
            };
            let rel = td.schedule_relationship.unwrap_or(trip_rel::SCHEDULED);
            if rel == trip_rel::ADDED || rel == trip_rel::NEW {
                match added_instance(tt, td, tu, route_by_id, stop_by_id, ts, &mut stats) {
                    Some(i) => {
                        stats.added += 1;
                        added.push(i);
                    }
                    None => stats.ignored += 1,
                }
                continue;
            }
            if !matches!(
                rel,
                trip_rel::SCHEDULED | trip_rel::CANCELED | trip_rel::DELETED
            ) {
                stats.ignored += 1;
                continue;
            }
            let Some((t, day)) = match_trip(tt, td, by_id, ts, &mut stats) else {
                continue;
            };
            stats.matched += 1;
            let key = (t.0, day as u32);
            if rel != trip_rel::SCHEDULED {
                stats.cancelled += 1;
                instances.remove(&key);
                cancelled.insert(key, ());
                continue;
            }
            cancelled.remove(&key);
            let inst = scheduled_instance(tt, t, day, tu, stop_by_id, &mut stats);
            instances.insert(key, inst);
        }
    }

    if !(instances.is_empty() && cancelled.is_empty() && added.is_empty()) {
        tt.materialize_elided();
    }
    // A frequency pattern with an updated or cancelled run gets a row per run first.
    let mut touched: Vec<usize> = instances
        .keys()
        .chain(cancelled.keys())
        .map(|&(t, _)| tt.pattern_index_of(TripIdx(t)).ix())
        .collect();
    touched.sort_unstable();
    touched.dedup();
    for pi in touched {
        make_scheduled(tt, pi);
    }

    // Take every replaced or cancelled instance off its day.
    let mut off_days: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for &(t, d) in instances.keys().chain(cancelled.keys()) {
        off_days.entry(t).or_default().push(d as usize);
    }
    let words = tt.words_per_service as usize;
    let mut service_copy: HashMap<(u32, Vec<usize>), u32> = HashMap::new();
    for (t, days) in off_days {
        let rec = tt.record_of(TripIdx(t));
        let s = tt.trips[rec].service;
        let ns = *service_copy.entry((s, days.clone())).or_insert_with(|| {
            let base = s as usize * words;
            let mut bits = tt.service_bits[base..base + words].to_vec();
            for &d in &days {
                bits[d / 64] &= !(1u64 << (d % 64));
            }
            tt.service_bits.extend_from_slice(&bits);
            let id = format!("{} (realtime)", tt.service_ids[s as usize]);
            tt.service_ids.push(id);
            (tt.service_ids.len() - 1) as u32
        });
        tt.trips[rec].service = ns;
    }

    let mut all: Vec<Instance> = instances.into_values().collect();
    all.extend(added);
    let mut overlay = Overlay {
        cancelled: cancelled.keys().map(|&(t, d)| (TripIdx(t), d)).collect(),
        ..Default::default()
    };
    add_overlay_patterns(tt, all, &mut overlay);
    overlay.stats = stats;
    tt.realtime = Some(Box::new(overlay));
}

/// Makes frequency pattern `pi` scheduled in this query's copy: each run gets a record of its
/// own (its template's, with its window's headway) and a stop-major row of times, so that one
/// run can leave its day as any trip does. Trip indices do not change.
fn make_scheduled(tt: &mut Timetable, pi: usize) {
    let p = tt.patterns[pi];
    if !p.is_frequency() {
        return;
    }
    let (nt, n) = (p.num_trips as usize, p.num_stops as usize);
    let rec_start = tt.trips.len();
    for k in 0..nt {
        let trip = tt.trip(TripIdx(p.trips_start + k as u32));
        tt.trips.push(trip);
        tt.stop_seqs
            .copy_record(p.rec_start as usize, rec_start + k);
    }
    let times_start = tt.arr.len();
    for pos in 0..n {
        for k in 0..nt {
            let (a, d) = (tt.arr_at(&p, k, pos), tt.dep_at(&p, k, pos));
            tt.arr.push(a);
            tt.dep.push(d);
        }
    }
    let q = &mut tt.patterns[pi];
    q.rec_start = rec_start as u32;
    q.times_start = times_start as u32;
    q.windows_start = 0;
    q.num_windows = 0;
}

/// Trip, route and stop ids as one realtime message may name them.
struct IdMaps<'a> {
    by_id: HashMap<&'a str, Vec<TripIdx>>,
    route_by_id: HashMap<&'a str, RouteIdx>,
    stop_by_id: HashMap<&'a str, StopIdx>,
}

impl<'a> IdMaps<'a> {
    /// The ids of feed `key` (every feed when `None`; an id two feeds share is then left out:
    /// naming it, a message is ambiguous and its update is counted as unknown).
    fn new(tt: &'a Timetable, key: Option<&str>) -> IdMaps<'a> {
        let scope = key.and_then(|k| tt.feeds.iter().find(|f| f.key == k));
        let feed_of_stop = |s: u32| tt.feeds.iter().position(|f| f.stops.contains(&s));
        let feed_of_route = |r: u32| tt.feeds.iter().position(|f| f.routes.contains(&r));
        let in_scope_route = |r: u32| scope.is_none_or(|f| f.routes.contains(&r));
        let in_scope_stop = |s: u32| scope.is_none_or(|f| f.stops.contains(&s));
        // (index, feed) of the first id seen; a second feed with the id makes it ambiguous.
        fn unique<'a, T: Copy>(
            items: impl Iterator<Item = (&'a str, T, Option<usize>)>,
        ) -> HashMap<&'a str, T> {
            let mut seen: HashMap<&str, (T, Option<usize>, bool)> = HashMap::new();
            for (id, x, f) in items {
                match seen.get_mut(id) {
                    None => {
                        seen.insert(id, (x, f, true));
                    }
                    Some(e) if e.1 != f => e.2 = false,
                    Some(_) => {}
                }
            }
            seen.into_iter()
                .filter(|(_, v)| v.2)
                .map(|(k, v)| (k, v.0))
                .collect()
        }
        let route_by_id = unique(
            tt.routes
                .iter()
                .enumerate()
                .filter(|(i, _)| in_scope_route(*i as u32))
                .map(|(i, r)| (r.id.as_str(), RouteIdx(i as u32), feed_of_route(i as u32))),
        );
        let stop_by_id = unique(
            (0..tt.stops.len())
                .filter(|&i| in_scope_stop(i as u32))
                .map(|i| (tt.stops.id(i), StopIdx(i as u32), feed_of_stop(i as u32))),
        );
        let mut by_id: HashMap<&str, (Vec<TripIdx>, Option<usize>, bool)> = HashMap::new();
        for p in tt.patterns.iter() {
            for k in 0..p.num_trips as usize {
                let t = tt.trip_rec(p, k);
                if !in_scope_route(t.route.0) {
                    continue;
                }
                let f = feed_of_route(t.route.0);
                let e = by_id
                    .entry(tt.trip_strings.get(t.id))
                    .or_insert((Vec::new(), f, true));
                if e.1 != f {
                    e.2 = false;
                }
                e.0.push(TripIdx(p.trips_start + k as u32));
            }
        }
        IdMaps {
            by_id: by_id
                .into_iter()
                .filter(|(_, v)| v.2)
                .map(|(k, v)| (k, v.0))
                .collect(),
            route_by_id,
            stop_by_id,
        }
    }
}

/// The (trip, service day) a descriptor names, or `None` (counted).
fn match_trip(
    tt: &Timetable,
    td: &proto::TripDescriptor,
    by_id: &HashMap<&str, Vec<TripIdx>>,
    ts: Instant,
    stats: &mut ApplyStats,
) -> Option<(TripIdx, usize)> {
    let Some(cands) = td.trip_id.as_deref().and_then(|id| by_id.get(id)) else {
        stats.unknown_trips += 1;
        return None;
    };
    let start = td.start_time.as_deref().and_then(parse_hms);
    let first_dep = |t: TripIdx| {
        let p = tt.pattern_of(t);
        tt.dep_at(p, (t.0 - p.trips_start) as usize, 0)
    };
    let t = match (cands.as_slice(), start) {
        ([t], None) => *t,
        (_, Some(s)) => match cands.iter().find(|&&t| first_dep(t) == s) {
            Some(&t) => t,
            // A non-frequency trip with a start_time that differs from its schedule is still
            // that trip (start_time is informative there).
            None if cands.len() == 1 && tt.trip(cands[0]).frequency().is_none() => cands[0],
            None => {
                stats.unknown_trips += 1;
                return None;
            }
        },
        _ => {
            // A frequency-based trip without start_time is ambiguous.
            stats.unknown_trips += 1;
            return None;
        }
    };
    let day = match td.start_date.as_deref() {
        Some(d) => {
            let Some(day) = parse_date(d).and_then(|d| tt.day_index(d)) else {
                stats.not_running += 1;
                return None;
            };
            day
        }
        None => {
            // The running instance nearest the message's time.
            let p = tt.pattern_of(t);
            let k = (t.0 - p.trips_start) as usize;
            let a = tt.dep_at(p, k, 0) as i64;
            let b = tt.arr_at(p, k, p.num_stops as usize - 1) as i64;
            let dist = |d: usize| {
                let s = tt.day_base(p.zone, d);
                if ts < s + a {
                    s + a - ts
                } else if ts > s + b {
                    ts - s - b
                } else {
                    0
                }
            };
            let local = chrono::DateTime::from_timestamp(ts, 0)
                .map(|d| d.with_timezone(&tt.tz()).date_naive());
            let center = local.and_then(|d| tt.day_index(d));
            let Some(c) = center else {
                stats.not_running += 1;
                return None;
            };
            let Some(day) = [c.saturating_sub(1), c, c + 1]
                .into_iter()
                .filter(|&d| d < tt.num_days() && tt.trip_active(t, d))
                .min_by_key(|&d| dist(d))
            else {
                stats.not_running += 1;
                return None;
            };
            day
        }
    };
    if !tt.trip_active(t, day) {
        stats.not_running += 1;
        return None;
    }
    Some((t, day))
}

fn event(ev: &Option<proto::StopTimeEvent>, base: Instant, sched: u32) -> Option<(i64, i64)> {
    let ev = ev.as_ref()?;
    if let Some(t) = ev.time.filter(|&t| t != 0) {
        // Network input: an absurd time must not overflow (it is clamped to the week later).
        let x = t.saturating_sub(base).clamp(-MAX_TIME, 2 * MAX_TIME);
        Some((x, x - sched as i64))
    } else {
        ev.delay.map(|d| (sched as i64 + d as i64, d as i64))
    }
}

/// The compiler bounds stop times to a week; realtime times stay within it too.
const MAX_TIME: i64 = 7 * 24 * 3600;

fn to_secs(x: i64) -> u32 {
    x.clamp(0, MAX_TIME) as u32
}

/// The realtime times of a scheduled trip instance.
fn scheduled_instance(
    tt: &Timetable,
    t: TripIdx,
    day: usize,
    tu: &proto::TripUpdate,
    stop_by_id: &HashMap<&str, StopIdx>,
    stats: &mut ApplyStats,
) -> Instance {
    let pi = tt.pattern_index_of(t);
    let p = *tt.pattern(pi);
    let n = p.num_stops as usize;
    let k = (t.0 - p.trips_start) as usize;
    let sched_arr: Vec<u32> = (0..n).map(|i| tt.arr_at(&p, k, i)).collect();
    let sched_dep: Vec<u32> = (0..n).map(|i| tt.dep_at(&p, k, i)).collect();
    let stops = tt.pattern_stops(&p).to_vec();
    let base = tt.day_base(p.zone, day);
    // Updates by position, in order.
    let mut ups: Vec<(usize, &proto::StopTimeUpdate)> = Vec::new();
    let mut from = 0usize;
    for u in &tu.stop_time_update {
        let pos = match (u.stop_sequence, u.stop_id.as_deref()) {
            (Some(seq), _) => tt.stop_seqs.position(tt.record_of(t), n, seq),
            // Updates come in stop order; a loop trip visits a stop twice, so look after the
            // previous update first, then anywhere (an out-of-order feed).
            (None, Some(id)) => stop_by_id.get(id).and_then(|&s| {
                (from..n)
                    .find(|&i| stops[i] == s)
                    .or_else(|| (0..n).find(|&i| stops[i] == s))
            }),
            (None, None) => None,
        };
        match pos {
            Some(pos) => {
                from = pos;
                ups.push((pos, u));
            }
            None => stats.unknown_stops += 1,
        }
    }
    ups.sort_by_key(|&(pos, _)| pos);
    let mut arr: Vec<i64> = sched_arr.iter().map(|&x| x as i64).collect();
    let mut dep: Vec<i64> = sched_dep.iter().map(|&x| x as i64).collect();
    let mut skipped = vec![false; n];
    // The trip-level delay applies to stops without a prediction of their own.
    let mut delay: Option<i64> = tu.delay.map(|d| d as i64);
    let mut u = 0;
    for pos in 0..n {
        let mut own = false;
        while u < ups.len() && ups[u].0 == pos {
            let up = ups[u].1;
            u += 1;
            own = true;
            match up.schedule_relationship.unwrap_or(stop_rel::SCHEDULED) {
                stop_rel::NO_DATA => {
                    delay = None;
                    arr[pos] = sched_arr[pos] as i64;
                    dep[pos] = sched_dep[pos] as i64;
                }
                rel => {
                    if rel == stop_rel::SKIPPED {
                        skipped[pos] = true;
                    }
                    let a = event(&up.arrival, base, sched_arr[pos]);
                    let d = event(&up.departure, base, sched_dep[pos]);
                    match (a, d) {
                        (Some((a, da)), Some((d, dd))) => {
                            arr[pos] = a;
                            dep[pos] = d;
                            delay = Some(dd);
                            let _ = da;
                        }
                        (Some((a, da)), None) => {
                            arr[pos] = a;
                            dep[pos] = (sched_dep[pos] as i64 + da).max(a);
                            delay = Some(da);
                        }
                        (None, Some((d, dd))) => {
                            dep[pos] = d;
                            arr[pos] = (sched_arr[pos] as i64 + dd).min(d);
                            delay = Some(dd);
                        }
                        (None, None) => {
                            if let Some(dl) = delay {
                                arr[pos] = sched_arr[pos] as i64 + dl;
                                dep[pos] = sched_dep[pos] as i64 + dl;
                            }
                        }
                    }
                }
            }
        }
        if !own && let Some(dl) = delay {
            arr[pos] = sched_arr[pos] as i64 + dl;
            dep[pos] = sched_dep[pos] as i64 + dl;
        }
    }
    let (arr, dep) = monotone(arr, dep);
    let flags: Vec<u8> = tt
        .pattern_flags(&p)
        .iter()
        .zip(&skipped)
        .map(|(&f, &s)| if s { f & !(CAN_BOARD | CAN_ALIGHT) } else { f })
        .collect();
    Instance {
        original: Some(t),
        day,
        group: GroupKey::Pattern(pi.0, flags.clone()),
        route: p.route,
        stops,
        flags,
        headsigns: (0..n).map(|i| tt.pattern_headsign(&p, i)).collect(),
        arr,
        dep,
        sched_arr,
        sched_dep,
        skipped,
        template: tt.trip(t),
        id: tt.trip_id(t).to_string(),
    }
}

/// Times never earlier than the stop before; departure never before arrival.
fn monotone(arr: Vec<i64>, dep: Vec<i64>) -> (Vec<u32>, Vec<u32>) {
    let mut a = Vec::with_capacity(arr.len());
    let mut d = Vec::with_capacity(arr.len());
    let mut last = 0u32;
    for (x, y) in arr.into_iter().zip(dep) {
        let x = to_secs(x).max(last);
        let y = to_secs(y).max(x);
        a.push(x);
        d.push(y);
        last = y;
    }
    (a, d)
}

/// An ADDED/NEW trip: a known route and at least two stop updates with known stops and
/// absolute times (or delays against a start date, which mean nothing without a schedule).
fn added_instance(
    tt: &Timetable,
    td: &proto::TripDescriptor,
    tu: &proto::TripUpdate,
    route_by_id: &HashMap<&str, RouteIdx>,
    stop_by_id: &HashMap<&str, StopIdx>,
    ts: Instant,
    stats: &mut ApplyStats,
) -> Option<Instance> {
    let route = *route_by_id.get(td.route_id.as_deref()?)?;
    let date = match td.start_date.as_deref() {
        Some(d) => parse_date(d)?,
        None => chrono::DateTime::from_timestamp(ts, 0)?
            .with_timezone(&tt.tz())
            .date_naive(),
    };
    let day = tt.day_index(date)?;
    let base = tt.day_base(tt.feed_of_route(route).zone, day);
    let mut stops = Vec::new();
    let mut arr = Vec::new();
    let mut dep = Vec::new();
    let mut skipped = Vec::new();
    for u in &tu.stop_time_update {
        let Some(&s) = u.stop_id.as_deref().and_then(|id| stop_by_id.get(id)) else {
            stats.unknown_stops += 1;
            continue;
        };
        let a = u
            .arrival
            .as_ref()
            .and_then(|e| e.time)
            .map(|t| t.saturating_sub(base));
        let d = u
            .departure
            .as_ref()
            .and_then(|e| e.time)
            .map(|t| t.saturating_sub(base));
        let (Some(a), Some(d)) = (a.or(d), d.or(a)) else {
            continue;
        };
        stops.push(s);
        arr.push(a);
        dep.push(d);
        skipped.push(u.schedule_relationship == Some(stop_rel::SKIPPED));
    }
    if stops.len() < 2 {
        return None;
    }
    let (arr, dep) = monotone(arr, dep);
    let n = stops.len();
    let flags: Vec<u8> = (0..n)
        .map(|i| {
            if skipped[i] {
                0
            } else if i == 0 {
                CAN_BOARD
            } else if i == n - 1 {
                CAN_ALIGHT
            } else {
                CAN_BOARD | CAN_ALIGHT
            }
        })
        .collect();
    let template = Trip {
        key: u32::MAX,
        id: NO_STRING,
        route,
        service: 0,
        headsign: NO_STRING,
        short_name: NO_STRING,
        headway_secs: 0,
        direction_id: td
            .direction_id
            .and_then(|d| u8::try_from(d).ok())
            .filter(|&d| d != Trip::NO_DIRECTION)
            .unwrap_or(Trip::NO_DIRECTION),
        wheelchair_code: 0,
        exact_times: 0,
        reserved: 0,
    };
    let id = td.trip_id.clone().unwrap_or_else(|| "added".into());
    Some(Instance {
        original: None,
        day,
        group: GroupKey::Added(route.0, stops.clone(), flags.clone()),
        route,
        stops,
        flags,
        headsigns: vec![NO_HEADSIGN; n],
        sched_arr: arr.clone(),
        sched_dep: dep.clone(),
        arr,
        dep,
        skipped,
        template,
        id,
    })
}

/// Appends the realtime instances as trips of overlay patterns (FIFO by construction) and
/// rebuilds the stop → patterns index.
fn add_overlay_patterns(tt: &mut Timetable, all: Vec<Instance>, overlay: &mut Overlay) {
    if all.is_empty() {
        return;
    }
    let words = tt.words_per_service as usize;
    // One "this day only" service per day.
    let mut day_service: HashMap<usize, u32> = HashMap::new();
    let mut groups: BTreeMap<(GroupKey, usize), Vec<Instance>> = BTreeMap::new();
    for i in all {
        groups.entry((i.group.clone(), i.day)).or_default().push(i);
    }
    let had_slots = !tt.rules.pattern_from_slot.is_empty();
    let had_cont = !tt.rules.cont_start.is_empty();
    let had_prev = !tt.rules.prev_start.is_empty();
    for ((key, day), mut g) in groups {
        let service = *day_service.entry(day).or_insert_with(|| {
            let mut bits = vec![0u64; words];
            bits[day / 64] |= 1u64 << (day % 64);
            tt.service_bits.extend_from_slice(&bits);
            tt.service_ids
                .push(format!("realtime {}", tt.date_of(day).format("%Y-%m-%d")));
            (tt.service_ids.len() - 1) as u32
        });
        g.sort_by(|a, b| {
            a.dep[0]
                .cmp(&b.dep[0])
                .then_with(|| a.arr.last().cmp(&b.arr.last()))
                .then_with(|| a.dep.cmp(&b.dep))
                .then_with(|| a.arr.cmp(&b.arr))
                .then_with(|| a.id.cmp(&b.id))
        });
        // The compiler's split: a trip joins the first sub-pattern whose last trip it does not
        // overtake (≤ at every stop, arrivals and departures).
        let mut subs: Vec<Vec<Instance>> = Vec::new();
        for i in g {
            let pos = subs.iter().position(|s| {
                let last = s.last().expect("sub-patterns are never empty");
                last.arr.iter().zip(&i.arr).all(|(a, b)| a <= b)
                    && last.dep.iter().zip(&i.dep).all(|(a, b)| a <= b)
            });
            match pos {
                Some(k) => subs[k].push(i),
                None => subs.push(vec![i]),
            }
        }
        let slots_of = |tt: &Timetable| -> Option<(Vec<u32>, Vec<u32>)> {
            match &key {
                GroupKey::Pattern(pi, _) if had_slots => {
                    let p = &tt.patterns[*pi as usize];
                    let s = p.stops_start as usize;
                    let n = p.num_stops as usize;
                    Some((
                        tt.rules.pattern_from_slot[s..s + n].to_vec(),
                        tt.rules.pattern_to_slot[s..s + n].to_vec(),
                    ))
                }
                _ if had_slots => None,
                _ => None,
            }
        };
        let slots = slots_of(tt);
        for sub in subs {
            let r0 = &sub[0];
            let n = r0.stops.len();
            let p = Pattern {
                route: r0.route,
                stops_start: tt.pattern_stops.len() as u32,
                num_stops: n as u32,
                trips_start: tt.num_trip_ids() as u32,
                num_trips: sub.len() as u32,
                times_start: tt.arr.len() as u32,
                max_time: sub
                    .iter()
                    .map(|i| *i.arr.last().unwrap_or(&0))
                    .max()
                    .unwrap_or(0),
                zone: tt.feed_of_route(r0.route).zone,
                rec_start: tt.trips.len() as u32,
                windows_start: 0,
                num_windows: 0,
            };
            tt.max_time = tt.max_time.max(p.max_time);
            tt.pattern_stops.extend_from_slice(&r0.stops);
            tt.pattern_flags.extend_from_slice(&r0.flags);
            tt.pattern_headsigns.extend_from_slice(&r0.headsigns);
            if had_slots {
                match &slots {
                    Some((f, t)) => {
                        tt.rules.pattern_from_slot.extend_from_slice(f);
                        tt.rules.pattern_to_slot.extend_from_slice(t);
                    }
                    None => {
                        tt.rules
                            .pattern_from_slot
                            .extend(r0.stops.iter().map(|s| s.0));
                        tt.rules
                            .pattern_to_slot
                            .extend(r0.stops.iter().map(|s| s.0));
                    }
                }
            }
            for pos in 0..n {
                for i in &sub {
                    tt.arr.push(i.arr[pos]);
                    tt.dep.push(i.dep[pos]);
                }
            }
            for i in sub {
                let idx = TripIdx(p.trips_start + tt.trips.len() as u32 - p.rec_start);
                let mut trip = i.template;
                trip.service = service;
                if trip.id == NO_STRING {
                    trip.id = tt.trip_strings.push(&i.id);
                }
                tt.trips.push(trip);
                if had_cont {
                    let last = *tt.rules.cont_start.last().unwrap_or(&0);
                    tt.rules.cont_start.push(last);
                }
                if had_prev {
                    let last = *tt.rules.prev_start.last().unwrap_or(&0);
                    tt.rules.prev_start.push(last);
                }
                overlay.trips.insert(
                    idx,
                    RtTrip {
                        original: i.original,
                        day: i.day as u32,
                        sched_arr: i.sched_arr,
                        sched_dep: i.sched_dep,
                        skipped: i.skipped,
                    },
                );
            }
            tt.patterns.push(p);
        }
    }
    // Stop → (pattern, position), rebuilt (patterns keep their order, so it stays sorted the
    // way the compiler sorts it: by stop, then pattern).
    tt.stop_patterns = crate::timetable::stop_patterns::StopPatterns::build(
        tt.stops.len(),
        &tt.patterns,
        &tt.pattern_stops,
    );
}

impl Overlay {
    /// The realtime record of trip `t`, if it is a realtime trip.
    pub fn trip(&self, t: TripIdx) -> Option<&RtTrip> {
        self.trips.get(&t)
    }

    /// Is the scheduled instance (trip, day) cancelled?
    pub fn is_cancelled(&self, t: TripIdx, day: u32) -> bool {
        self.cancelled.binary_search(&(t, day)).is_ok()
    }
}
