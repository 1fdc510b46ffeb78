//! Many origins, one destination, one deadline: the journey [`super::plan`] lists first for
//! each origin, with one search for all of them.
//!
//! An arrive-by query is answered by a backward search from the destination; its labels are
//! the latest departure from *every* stop with at most k rides, not only from the origin
//! asked about (RAPTOR is one-to-many). So for a table of people × venues, one backward
//! search per venue serves every person: a person's latest departure is the best of their
//! walking access over the labels, and the fewest rides achieving it is the first round
//! where it appears. Only the last step is per person: `plan` reports that departure with
//! the earliest arrival from it (a forward search bounded by the departure and the deadline),
//! and so does this module, with the same function.
//!
//! Why this equals `plan`: `plan`'s backward search prunes labels by its own target (they
//! cannot improve it) and this one does not, so every label that can matter has the same
//! value in both; the answer of `plan` listed first is the one leaving latest, which is fixed
//! by (departure, rides) alone once the forward pass is run from it. `tests/cli/meet_props.rs`
//! checks the equality on random timetables.

use super::raptor::{Backward, Counters, Forward, Found, INF, ScanQuery, Search};
use super::{Access, Journey, MAX_JOURNEY_SECS, Query, QueryKind, day_range, search, to_journey};

/// For each origin in `people`, the journey `plan` lists first for the arrive-by query `q`
/// with that origin (`q.origins` is ignored; `q.targets` is the destination, which must share
/// no stop with any origin — `plan`'s caller removes such stops first), if it leaves at or
/// after `q.time − max_secs`; `None` otherwise. `q` must be an arrive-by query without a
/// window.
pub fn arrive_by_each(
    tt: &crate::timetable::Timetable,
    q: &Query,
    people: &[&[Access]],
    max_secs: u32,
    counters: &mut Counters,
) -> Vec<Option<Journey>> {
    debug_assert!(q.kind == QueryKind::ArriveBy && q.window_secs == 0);
    let mut out = vec![None; people.len()];
    let rides = q.max_transfers as usize + 1;
    // The same service days as `plan`'s backward search (its default span), so the same trip
    // instances are seen; the label limit is the tighter bound asked for.
    let Some(days) = day_range(tt, q.time - MAX_JOURNEY_SECS, q.time) else {
        return out;
    };
    let lo = q.time - (max_secs as i64).min(MAX_JOURNEY_SECS);
    let sq = ScanQuery {
        start: -q.time,
        window: 0,
        origins: &q.targets,
        targets: &[],
        max_rides: rides,
        q,
        limit: -lo + 1,
        days,
    };
    let mut s = Search::<Backward>::new(tt, sq);
    s.run();
    add(counters, &s.counters);
    for (person, slot) in people.iter().zip(out.iter_mut()) {
        // As the engine evaluates a target: each stop's shortest walk, stops in the order
        // given, a strict improvement to move on; the first round reaching the best value.
        let egress = |stop| {
            person
                .iter()
                .filter(|a| a.stop == stop)
                .map(|a| a.secs)
                .min()
                .unwrap_or(0)
        };
        let mut best: Option<(i64, usize, crate::timetable::StopIdx)> = None;
        for k in 1..=rides {
            let mut round: Option<(i64, crate::timetable::StopIdx)> = None;
            for a in person.iter() {
                let v = s.vehicle_label(k, a.stop);
                if v >= INF {
                    continue;
                }
                let t = v + egress(a.stop) as i64;
                if round.is_none_or(|(b, _)| t < b) {
                    round = Some((t, a.stop));
                }
            }
            if let Some((t, stop)) = round
                && best.is_none_or(|(b, _, _)| t < b)
            {
                best = Some((t, k, stop));
            }
        }
        // Labels are bounded at the boarding stop; the walk to it may start before the bound.
        let Some((arr, k, stop)) = best.filter(|&(arr, _, _)| -arr >= lo) else {
            continue;
        };
        let qp = Query {
            origins: person.to_vec(),
            ..q.clone()
        };
        // `plan`'s tightening: the earliest arrival, not after the deadline, leaving as late,
        // with no more rides. The journey the labels hold already arrives by `back.arrival`,
        // so the forward search is bounded there instead of at the deadline: no label beyond
        // it can be part of an earlier arrival (the property test holds the legs equal too).
        let dep = -arr;
        let f = Found {
            rides: k,
            arr,
            legs: s.legs_to(k, stop),
        };
        let back = to_journey::<Backward>(tt, &qp, &f);
        let until = back.arrival.min(q.time);
        let fwd = search::<Forward>(tt, &qp, dep, 0, k, Some((dep, until)), counters);
        *slot = Some(
            fwd.last()
                .map(|x| to_journey::<Forward>(tt, &qp, x))
                .unwrap_or(back),
        );
    }
    out
}

fn add(total: &mut Counters, c: &Counters) {
    total.iterations += c.iterations;
    total.rounds += c.rounds;
    total.patterns_scanned += c.patterns_scanned;
    total.stops_relaxed += c.stops_relaxed;
}
