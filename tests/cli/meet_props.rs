//! Properties of `gethere meet`'s table on random timetables ([`super::builder`]): the table
//! computed with one backward search per venue ([`Sharing::Shared`]) equals, cell by cell and
//! leg by leg, the first answer of `router::plan` for the same pair, asked as `gethere plan`
//! asks it ([`Sharing::PerCell`]), with "no way" exactly when that answer leaves before the
//! `--max-duration` bound. People and venues may share stops (the per-pair fallback and the
//! "already there" cell are then exercised too).

use super::builder::{Spec, spec};
use super::oracle;
use gethere::app::Routing;
use gethere::meet::{Cell, MeetOptions, Sharing, table};
use gethere::place::Resolved;
use gethere::router::{Access, QueryKind, plan};
use gethere::timetable::{StopIdx, Timetable};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

/// Places as lists of (stop number, walking seconds); stop numbers are taken modulo the
/// spec's stop count.
type Places = Vec<Vec<(usize, u32)>>;

#[derive(Clone, Debug)]
struct Params {
    people: Places,
    venues: Places,
    anchor: usize,
    offset: i64,
    /// 0: people and venues as drawn; 1: person 0 starts where the anchor trip starts and
    /// venue 0 is where it ends; 2: the same with a chain of two rides (a transfer).
    anchor_mode: u8,
    max_transfers: u32,
    min_transfer_secs: u32,
    walk_radius_m: u32,
    walk_speed_mps: f64,
    wheelchair: bool,
    max_secs: u32,
}

fn places(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Places> {
    prop::collection::vec(
        prop::collection::vec(
            (
                any::<usize>(),
                prop_oneof![2 => Just(0u32), 1 => 0u32..=600],
            ),
            1..=2,
        ),
        n,
    )
}

fn params() -> impl Strategy<Value = Params> {
    (
        places(1..=5),
        places(1..=3),
        any::<usize>(),
        -3 * 3600i64..=3600,
        (
            0u32..=3,
            0u8..=2,
            prop_oneof![Just(0u32), Just(60u32), 0u32..=600],
        ),
        (
            prop_oneof![1 => Just(0u32), 2 => 0u32..=1000],
            prop::sample::select(vec![1.0f64, 1.2, 1.5]),
            prop::bool::weighted(0.2),
            prop_oneof![2 => Just(7200u32), 1 => 600u32..=24 * 3600],
        ),
    )
        .prop_map(
            |(
                people,
                venues,
                anchor,
                offset,
                (max_transfers, anchor_mode, min_transfer_secs),
                (walk_radius_m, walk_speed_mps, wheelchair, max_secs),
            )| Params {
                people,
                venues,
                anchor,
                offset,
                anchor_mode,
                max_transfers,
                min_transfer_secs,
                walk_radius_m,
                walk_speed_mps,
                wheelchair,
                max_secs,
            },
        )
}

fn resolved(tt: &Timetable, n: usize, list: &[(usize, u32)], name: String) -> Resolved {
    let access = list
        .iter()
        .map(|&(s, secs)| Access {
            stop: tt
                .find_stop_id(&format!("S{}", s % n))
                .unwrap_or(StopIdx(0)),
            secs,
            metres: secs,
        })
        .collect();
    Resolved {
        name,
        venue: None,
        stop: None,
        lat: 0.0,
        lon: 0.0,
        access,
        points: vec![(0.0, 0.0)],
        walk_note: None,
    }
}

fn check(s: &Spec, p: &Params) -> Result<(), TestCaseError> {
    let (_dir, tt) = s.compile().map_err(TestCaseError::fail)?;
    let n = s.stops.len();
    let insts = oracle::instances(s);
    let inst = &insts[p.anchor % insts.len()];
    let last = inst.arr.len() - 1;
    let stops = &s.trips[inst.trip].stops;
    let mut p = p.clone();
    let mut time = inst.arr[last] - p.offset;
    if p.anchor_mode >= 1 {
        let mut ends = (stops[0], stops[last], inst.arr[last]);
        if p.anchor_mode == 2 {
            p.max_transfers = p.max_transfers.max(1);
            let oq = oracle::OQuery {
                kind: oracle::Kind::ArriveBy,
                time: 0,
                window: 0,
                origins: Vec::new(),
                targets: Vec::new(),
                max_transfers: p.max_transfers,
                min_transfer_secs: p.min_transfer_secs,
                walk_radius_m: p.walk_radius_m,
                walk_speed_mps: p.walk_speed_mps,
                wheelchair: p.wheelchair,
                horizon: gethere::router::FIRST_HORIZON_SECS,
                max_duration: None,
                window_rule: oracle::WindowRule::Unbeaten,
            };
            let rides = oracle::rides(s, &insts, p.wheelchair);
            let mut chains = Vec::new();
            for a in &rides {
                for b in &rides {
                    let ok = oracle::change_secs(s, &oq, a.to, b.from, a.last_trip, b.first_trip)
                        .is_some_and(|g| (0..=1800).contains(&(b.dep - (a.arr + g as i64))));
                    if ok && b.to != a.from && insts[a.inst].trip != insts[b.inst].trip {
                        chains.push((a.from, b.to, b.arr));
                    }
                }
            }
            if !chains.is_empty() {
                ends = chains[p.anchor % chains.len()];
            }
        }
        p.people[0][0].0 = ends.0;
        p.venues[0][0].0 = ends.1;
        time = ends.2 + p.offset.rem_euclid(1200);
    }
    let p = &p;
    let people: Vec<Resolved> = p
        .people
        .iter()
        .enumerate()
        .map(|(i, l)| resolved(&tt, n, l, format!("P{i}")))
        .collect();
    let venues: Vec<Resolved> = p
        .venues
        .iter()
        .enumerate()
        .map(|(i, l)| resolved(&tt, n, l, format!("V{i}")))
        .collect();
    let o = MeetOptions {
        time,
        window_secs: 0,
        max_secs: p.max_secs,
        routing: Routing {
            max_transfers: p.max_transfers,
            min_transfer_secs: p.min_transfer_secs,
            walk_radius_m: p.walk_radius_m,
            walk_radius_given: None,
            max_walk_secs: 15 * 60,
            walk_speed_mps: p.walk_speed_mps,
            wheelchair: p.wheelchair,
            max_duration_secs: Some(gethere::router::FIRST_HORIZON_SECS as u32),
        },
    };
    let shared = table(&tt, &venues, &people, &o, Sharing::Shared);
    let each = table(&tt, &venues, &people, &o, Sharing::PerCell);
    for (v, (a, b)) in shared.cells.iter().zip(&each.cells).enumerate() {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            prop_assert_eq!(x, y, "venue V{} person P{}", v, i);
            // And the per-cell answer is `plan`'s first itinerary, bounded.
            if let Some(q) = o
                .routing
                .query(QueryKind::ArriveBy, time, 0, &people[i], &venues[v])
            {
                let first = plan(&tt, &q).journeys.into_iter().next();
                let expect = match first {
                    Some(j) if j.departure >= time - p.max_secs as i64 => Cell::Journey(j),
                    _ => Cell::None,
                };
                prop_assert_eq!(x, &expect, "venue V{} person P{} against plan", v, i);
            } else {
                prop_assert_eq!(x, &Cell::Here);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Every shared cell is `plan`'s first answer for that person and venue.
    #[test]
    fn shared_table_equals_plan_cell_by_cell((s, p) in (spec(), params())) {
        check(&s, &p)?;
    }
}
