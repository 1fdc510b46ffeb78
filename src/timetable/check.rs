//! Validation of a loaded timetable's index sections, so that a damaged cache is rejected
//! rather than panicking later (see [`super::cache`] for what else is checked on open).
//!
//! Every array whose values index another array is checked here: CSR offsets, patterns'
//! ranges, stops of patterns, walking links' offsets, trips' routes and services,
//! continuations and label slots, stops' columns, and the service days. The work is linear in
//! stops, patterns, pattern stops and trips, never in stop times: `arr`/`dep` hold times (any
//! `u32` is a time) and are only length-checked; a frequency pattern's windows are checked, not its offsets. The walking links' bytes are not read: their
//! reader ends a list at anything out of range ([`super::links`]).

use super::flat::NO_STRING;
use super::{NO_HEADSIGN, Timetable};

type Check = std::result::Result<(), String>;

/// Are all `xs` below `bound` ? A max fold, which vectorises: this runs over
/// every trip of a country on each open.
fn below(xs: impl Iterator<Item = u32>, bound: usize) -> bool {
    (xs.fold(0u32, |m, x| m.max(x)) as usize) < bound
}

fn ensure(ok: bool, what: &str) -> Check {
    if ok {
        Ok(())
    } else {
        Err(format!("bad {what}"))
    }
}

/// `start` is a CSR offset array over `keys` keys into `items` items (or empty when `optional`).
fn csr(start: &[u32], keys: usize, items: usize, optional: bool, what: &str) -> Check {
    if optional && start.is_empty() {
        return ensure(items == 0, what);
    }
    ensure(
        start.len() == keys + 1
            && start[0] == 0
            && start[keys] as usize == items
            && start.windows(2).all(|w| w[0] <= w[1]),
        what,
    )
}

/// A frequency pattern's windows ([`super::freq`]): inside `freq_windows`, numbered from run 0
/// without gaps up to `num_trips`, each at least one run with a headway, sorted without
/// overlap (so every column is ascending). Like stop times, the offsets are not read: any value
/// gives a time (the arithmetic wraps, never panics), so damage there is a wrong time.
fn frequency_pattern(tt: &Timetable, p: &super::Pattern) -> Check {
    let (ws, nw) = (p.windows_start as u64, p.num_windows as u64);
    ensure(ws + nw <= tt.freq_windows.len() as u64, "frequency windows")?;
    let mut next = 0u64;
    let mut last = 0u64;
    for (i, x) in tt.windows(p).iter().enumerate() {
        ensure(
            x.first_run as u64 == next
                && x.runs >= 1
                && x.headway >= 1
                && x.exact <= 1
                && (i == 0 || x.start as u64 >= last),
            "frequency windows",
        )?;
        next += x.runs as u64;
        last = x.last_start();
    }
    ensure(next == p.num_trips as u64, "frequency runs")
}

pub(super) fn indices(tt: &Timetable) -> Check {
    let (ns, nrec, nr) = (tt.stops.len(), tt.trips.len(), tt.routes.len());
    let nt = tt.num_trip_ids();
    let nsvc = tt.service_ids.len();
    let nz = tt.zones.len();
    ensure(
        nz > 0
            && tt.day_start.len().is_multiple_of(nz)
            && tt.zones.iter().all(|z| z.parse::<chrono_tz::Tz>().is_ok()),
        "time zones",
    )?;
    let days = tt.day_start.len() / nz;
    ensure(
        days > 0
            && (tt.words_per_service as usize) * 64 >= days
            && tt.service_bits.len() == nsvc * tt.words_per_service as usize,
        "service days",
    )?;
    // Day starts, zone by zone: within ±10,000 years of 1970 (so formatting never fails) and 23
    // to 25 hours apart (DST days).
    ensure(
        tt.day_start.chunks(days).all(|z| {
            z[0].abs() < 300_000_000_000
                && z.windows(2)
                    .all(|w| (82_800..=90_000).contains(&(w[1] - w[0])))
        }),
        "service day starts",
    )?;
    ensure(
        (tt.arr.is_empty() || tt.arr.len() == tt.dep.len())
            && (tt.freq_arr.is_empty() || tt.freq_arr.len() == tt.freq_dep.len()),
        "stop time columns",
    )?;
    let nps = tt.pattern_stops.len();
    ensure(
        tt.pattern_flags.len() == nps
            && (tt.pattern_headsigns.is_empty() || tt.pattern_headsigns.len() == nps),
        "pattern stop columns",
    )?;
    ensure(
        tt.scheduled_trips as usize <= nt.min(nrec),
        "scheduled trips",
    )?;
    let mut trips_seen = 0u64;
    for p in tt.patterns.iter() {
        let (ss, n, ts, k, rows) = (
            p.stops_start as u64,
            p.num_stops as u64,
            p.trips_start as u64,
            p.num_trips as u64,
            p.num_records() as u64,
        );
        ensure(
            p.route.ix() < nr
                && n >= 1
                && ss + n <= nps as u64
                && ts == trips_seen
                && p.rec_start as u64 + rows <= nrec as u64
                && p.times_start as u64 + n * rows
                    <= if p.is_frequency() {
                        tt.freq_dep.len()
                    } else {
                        tt.dep.len()
                    } as u64
                && p.max_time <= tt.max_time
                && (p.zone as usize) < nz,
            "pattern",
        )?;
        if p.is_frequency() {
            frequency_pattern(tt, p)?;
        }
        // `record_of` reads trips[t] for t below `scheduled_trips`.
        ensure(
            ts >= tt.scheduled_trips as u64
                || (!p.is_frequency()
                    && p.rec_start as u64 == ts
                    && ts + k <= tt.scheduled_trips as u64),
            "scheduled trips",
        )?;
        trips_seen = ts + k;
    }
    ensure(trips_seen == nt as u64, "pattern trips")?;
    ensure(
        tt.pattern_stops.iter().all(|s| s.ix() < ns),
        "pattern stops",
    )?;
    let nh = tt.headsigns.len();
    ensure(
        tt.pattern_headsigns
            .iter()
            .all(|&h| h == NO_HEADSIGN || (h as usize) < nh),
        "pattern headsigns",
    )?;
    ensure(tt.stop_patterns.valid(ns, &tt.patterns), "stop patterns")?;
    csr(
        &tt.transfers_start,
        ns,
        tt.transfers.len(),
        true,
        "transfers",
    )?;
    csr(
        &tt.transfers_to_start,
        ns,
        tt.transfers_to.len(),
        true,
        "transfers",
    )?;
    ensure(
        tt.transfers
            .iter()
            .chain(tt.transfers_to.iter())
            .all(|(s, _)| s.ix() < ns),
        "transfers",
    )?;
    csr(&tt.walk_start, ns, tt.walk.len(), false, "walking links")?;
    ensure(
        tt.trips.is_empty()
            || (below(tt.trips.iter().map(|t| t.route.0), nr)
                && below(tt.trips.iter().map(|t| t.service), nsvc)),
        "trips",
    )?;
    let r = &tt.rules;
    csr(&r.cont_start, nt, r.cont.len(), true, "continuations")?;
    csr(&r.prev_start, nt, r.prev.len(), true, "continuations")?;
    ensure(
        (r.cont.is_empty() || below(r.cont.iter().map(|(t, _)| t.0), nt))
            && (r.prev.is_empty() || below(r.prev.iter().map(|t| t.0), nt)),
        "continuations",
    )?;
    let slots = tt.num_slots();
    for col in [&r.pattern_from_slot, &r.pattern_to_slot] {
        ensure(
            (col.is_empty() || col.len() == nps) && col.iter().all(|&s| (s as usize) < slots),
            "label slots",
        )?;
    }
    ensure(
        r.extra.iter().all(|(s, _)| s.ix() < ns)
            && [&r.from_slots, &r.to_slots]
                .iter()
                .all(|v| v.iter().all(|&s| (s as usize) < slots)),
        "label slots",
    )?;
    csr(
        &r.from_slots_start,
        ns,
        r.from_slots.len(),
        true,
        "label slots",
    )?;
    csr(&r.to_slots_start, ns, r.to_slots.len(), true, "label slots")?;
    csr(
        &r.specific_start,
        ns,
        r.specific.len(),
        true,
        "transfer rules",
    )?;
    csr(
        &r.specific_into_start,
        ns,
        r.specific_into.len(),
        true,
        "transfer rules",
    )?;
    let st = &tt.stops;
    let nstr = st.strings.capacity();
    ensure(
        st.ids.len() == ns
            && ((st.lats.len() == ns && st.lons.len() == ns && st.lats_e7.is_empty())
                || (st.lats_e7.len() == ns && st.lons_e7.len() == ns && st.lats.is_empty()))
            && st.parents_valid()
            && (st.kinds.is_empty() || st.kinds.len() == ns)
            && (st.wheelchair.is_empty() || st.wheelchair.len() == ns),
        "stops",
    )?;
    // String indices: a bad one would only read as "", but a damaged column is a damaged
    // cache. The id index's order is not checked (that reads every id): out of order it finds
    // too little, never panics.
    ensure(
        st.names.len() == ns
            && st.extras.len() == 3 * st.extra_stops.len()
            && [&st.names, &st.extras]
                .iter()
                .all(|c| c.iter().all(|&i| i == NO_STRING || (i as usize) < nstr))
            && st.strings.valid()
            && (st.by_id.is_empty() || st.by_id.len() == ns)
            && below(st.by_id.iter().copied(), ns.max(1)),
        "stops",
    )?;
    shapes(tt)
}

/// The shapes for maps: the CSR of points over the coordinates (a shape id is read as "" if
/// damaged), and each pattern's shape a shape or [`super::shapes::NO_SHAPE`].
fn shapes(tt: &Timetable) -> Check {
    let sh = &tt.shapes;
    let n = sh.ids.len();
    csr(&sh.start, n, sh.coords.len(), true, "shapes")?;
    ensure(
        sh.pattern_shape.len() <= tt.patterns.len()
            && sh
                .pattern_shape
                .iter()
                .all(|&k| k == super::shapes::NO_SHAPE || (k as usize) < n),
        "shapes",
    )
}
