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
//!
//! The forward passes are shared too where they can be: one person often leaves at the same
//! time towards several destinations (the last bus to the centre), and one forward search
//! from that departure serves all of them ([`earliest_arrivals`]).

use super::raptor::{Backward, Counters, Forward, Found, INF, ScanLeg, ScanQuery, Search};
use super::{
    Access, Bounds, FIRST_HORIZON_SECS, Journey, Query, QueryKind, day_range, search, to_journey,
};
use crate::time::Instant;
use crate::timetable::{StopIdx, Timetable};

/// A person's latest departure towards a destination, read off a shared backward search.
#[derive(Clone, Debug)]
pub struct Latest {
    /// The latest departure arriving by the deadline.
    pub departure: Instant,
    /// The fewest rides that leave that late.
    pub rides: usize,
    /// The journey the labels hold for it (it arrives by the deadline, maybe not earliest).
    pub journey: Journey,
}

/// As the engine evaluates its targets after round `k`: each stop's shortest walk, stops in
/// the order given, a strict improvement to move on. Over rounds 1..=`rides`, the best value
/// and the first round (and stop) reaching it: what the last `Found` of a search holds.
fn best_over_rounds(
    targets: &[Access],
    rides: usize,
    label: impl Fn(usize, StopIdx) -> i64,
) -> Option<(i64, usize, StopIdx)> {
    let walk = |stop| {
        targets
            .iter()
            .filter(|a| a.stop == stop)
            .map(|a| a.secs)
            .min()
            .unwrap_or(0)
    };
    let mut best: Option<(i64, usize, StopIdx)> = None;
    for k in 1..=rides {
        let mut round: Option<(i64, StopIdx)> = None;
        for a in targets {
            let v = label(k, a.stop);
            if v >= INF {
                continue;
            }
            let t = v + walk(a.stop) as i64;
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
    best
}

/// For each origin in `people`, its latest departure for the arrive-by query `q`
/// (`q.origins` is ignored; `q.targets` is the destination, which must share no stop with any
/// origin — `plan`'s caller removes such stops first) if it leaves at or after
/// `q.time − max_secs`; `None` otherwise. One backward search for all. `q` must be an
/// arrive-by query without a window.
pub fn latest_departures(
    tt: &Timetable,
    q: &Query,
    people: &[&[Access]],
    max_secs: u32,
    counters: &mut Counters,
) -> Vec<Option<Latest>> {
    debug_assert!(q.kind == QueryKind::ArriveBy && q.window_secs == 0);
    let mut out = vec![None; people.len()];
    let rides = q.max_transfers as usize + 1;
    // The same service days as `plan`'s backward search (its default span), so the same trip
    // instances are seen; the label limit is the tighter bound asked for.
    let Some(days) = day_range(tt, q.time - FIRST_HORIZON_SECS, q.time) else {
        return out;
    };
    let lo = q.time - (max_secs as i64).min(FIRST_HORIZON_SECS);
    let sq = ScanQuery {
        start: -q.time,
        window: 0,
        origins: &q.targets,
        targets: &[],
        max_rides: rides,
        q,
        limit: -lo + 1,
        days,
        corridor: None,
        lower: None,
    };
    let mut s = Search::<Backward>::new(tt, sq);
    s.run();
    counters.add(&s.counters);
    for (person, slot) in people.iter().zip(out.iter_mut()) {
        // Labels are bounded at the boarding stop; the walk to it may start before the bound.
        let Some((arr, k, stop)) = best_over_rounds(person, rides, |k, s_| s.vehicle_label(k, s_))
            .filter(|&(arr, _, _)| -arr >= lo)
        else {
            continue;
        };
        let qp = Query {
            origins: person.to_vec(),
            ..q.clone()
        };
        let f = Found {
            rides: k,
            arr,
            legs: s.legs_to(k, stop),
        };
        *slot = Some(Latest {
            departure: -arr,
            rides: k,
            journey: to_journey::<Backward>(tt, &qp, &f),
        });
    }
    out
}

/// `plan`'s tightening for one origin towards several destinations: for each
/// (destination, latest departure), the earliest arrival, not after the journey the labels
/// hold, leaving at that departure with no more rides. `q` gives the origin and the routing
/// options (its targets are ignored). Destinations sharing a departure share one forward
/// search; a lone one is asked exactly as `plan` asks it.
pub fn earliest_arrivals(
    tt: &Timetable,
    q: &Query,
    dests: &[(&[Access], &Latest)],
    counters: &mut Counters,
) -> Vec<Journey> {
    let mut out: Vec<Option<Journey>> = vec![None; dests.len()];
    let mut by_dep: std::collections::BTreeMap<Instant, Vec<usize>> = Default::default();
    for (i, (_, l)) in dests.iter().enumerate() {
        by_dep.entry(l.departure).or_default().push(i);
    }
    let with_targets = |targets: &[Access]| Query {
        targets: targets.to_vec(),
        ..q.clone()
    };
    for (dep, group) in by_dep {
        if let [i] = group[..] {
            let (targets, l) = dests[i];
            let qv = with_targets(targets);
            let until = l.journey.arrival.min(q.time);
            let span = Bounds::Pass((dep, until), None);
            let (fwd, _) = search::<Forward>(tt, &qv, dep, 0, l.rides, span, counters);
            out[i] = Some(
                fwd.last()
                    .map(|x| to_journey::<Forward>(tt, &qv, x))
                    .unwrap_or_else(|| l.journey.clone()),
            );
            continue;
        }
        // One forward search without targets (no pruning) from this departure, as far as the
        // latest of the journeys held, with as many rides as the most needs.
        let until = group
            .iter()
            .map(|&i| dests[i].1.journey.arrival.min(q.time))
            .max()
            .unwrap_or(dep);
        let rides = group.iter().map(|&i| dests[i].1.rides).max().unwrap_or(1);
        let Some(days) = day_range(tt, dep, until) else {
            continue;
        };
        let sq = ScanQuery {
            start: dep,
            window: 0,
            origins: &q.origins,
            targets: &[],
            max_rides: rides,
            q,
            limit: until + 1,
            days,
            corridor: None,
            lower: None,
        };
        let mut s = Search::<Forward>::new(tt, sq);
        s.run();
        counters.add(&s.counters);
        for &i in &group {
            let (targets, l) = dests[i];
            let qv = with_targets(targets);
            let found = best_over_rounds(targets, l.rides, |k, st| s.vehicle_label(k, st));
            out[i] = Some(match found {
                Some((arr, k, stop)) if arr <= l.journey.arrival => {
                    let legs: Vec<ScanLeg> = s.legs_to(k, stop);
                    to_journey::<Forward>(
                        tt,
                        &qv,
                        &Found {
                            rides: k,
                            arr,
                            legs,
                        },
                    )
                }
                _ => l.journey.clone(),
            });
        }
    }
    out.into_iter()
        .zip(dests)
        .map(|(j, (_, l))| j.unwrap_or_else(|| l.journey.clone()))
        .collect()
}

/// For each origin in `people`, the journey `plan` lists first for the arrive-by query `q`
/// with that origin, if it leaves at or after `q.time − max_secs` (see [`latest_departures`]
/// for what `q` must be).
pub fn arrive_by_each(
    tt: &Timetable,
    q: &Query,
    people: &[&[Access]],
    max_secs: u32,
    counters: &mut Counters,
) -> Vec<Option<Journey>> {
    latest_departures(tt, q, people, max_secs, counters)
        .into_iter()
        .zip(people)
        .map(|(l, person)| {
            let l = l?;
            let qp = Query {
                origins: person.to_vec(),
                ..q.clone()
            };
            earliest_arrivals(tt, &qp, &[(&q.targets, &l)], counters).pop()
        })
        .collect()
}
