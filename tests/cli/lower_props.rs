//! Goal-directed pruning (`router::lower`, the cell graph of `timetable::cells`) changes no
//! answer: random specs are planned with cell graphs of several sizes and without one (no
//! pruning), for every query kind (depart-at, arrive-by, both with a window; one or two
//! origins and targets; walking along streets in some cases; bounds from the first round or
//! taken mid-search), and the journeys must be equal
//! leg by leg. Fixtures pin the bound to the second: a journey whose labels are exactly one
//! second inside it is found, and a label exactly at it is pruned.

use super::builder::{Spec, base_dates};
use super::oracle::{self, Kind, OQuery, WindowRule};
use super::router_props::{case, cases, check_journey, oquery, rquery, triples, with_streets};
use gethere::router::{FIRST_HORIZON_SECS, Plan, plan};
use gethere::timetable::{Timetable, cells};
use proptest::prelude::*;

fn without_cells(tt: &Timetable) -> Timetable {
    let mut t = tt.clone();
    t.cells = Default::default();
    t
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn pruned_answers_equal_unpruned(
        (s, p) in case(),
        size in prop_oneof![Just(20u32), Just(100), Just(400), Just(2000)],
        streets in any::<bool>(),
        min_work in prop_oneof![2 => Just(0u64), 1 => 1u64..=12],
    ) {
        let (_dir, mut tt) = s.compile().map_err(TestCaseError::fail)?;
        let s = if streets { with_streets(&s, &mut tt) } else { s };
        tt.cells = cells::build(&tt, Some(size));
        // Now and then the bounds are taken mid-search (after this much work), as on a big
        // feed, unless the ends are far apart.
        tt.cells.min_work = min_work;
        let plain = without_cells(&tt);
        for kind in [Kind::DepartAt, Kind::ArriveBy] {
            for windowed in [false, true] {
                let q = oquery(&s, &p, kind, windowed);
                let pruned = plan(&tt, &rquery(&tt, &q));
                let unpruned = plan(&plain, &rquery(&plain, &q));
                for j in &pruned.journeys {
                    check_journey(&s, &tt, &q, j).map_err(TestCaseError::fail)?;
                }
                prop_assert_eq!(&pruned.journeys, &unpruned.journeys, "{:?} window {}", kind, windowed);
                prop_assert_eq!(pruned.horizon, unpruned.horizon);
                // Pruning never adds work.
                prop_assert!(pruned.counters.stops_relaxed <= unpruned.counters.stops_relaxed);
            }
        }
    }
}

/// A → D direct (08:00 → 09:00), and A → B (08:00 → 08:10) then B → D. The B → D trip is the
/// only way on from B, so B's bound is exactly its hop. With `last` = 08:59:59 the change
/// journey's labels at B are one second inside the target bound (09:00, set by the direct trip
/// in round 1) and it must be found; with `last` = 09:00 they are exactly at it, and the B → D
/// pattern is never scanned. A branch A → E → F → G leads nowhere near D: pruned at once.
fn tight_spec(first_dep_y: u32, last: u32) -> (Spec, [usize; 3]) {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let a = s.stop(0.0, 0.0);
    let b = s.stop(0.0, 3000.0);
    let d = s.stop(0.0, 9000.0);
    let e = s.stop(0.0, -3000.0);
    let f = s.stop(0.0, -6000.0);
    let g = s.stop(0.0, -9000.0);
    let v = s.service(&[base]);
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    s.trip(v, &[(a, m(8, 0), m(8, 0)), (d, m(9, 0), m(9, 0))]);
    s.trip(v, &[(a, first_dep_y, first_dep_y), (b, m(8, 10), m(8, 10))]);
    s.trip(v, &[(b, m(8, 10), m(8, 10)), (d, last, last)]);
    s.trip(
        v,
        &[
            (a, m(8, 0), m(8, 0)),
            (e, m(8, 5), m(8, 5)),
            (f, m(8, 10), m(8, 10)),
        ],
    );
    s.trip(v, &[(f, m(8, 15), m(8, 15)), (g, m(8, 20), m(8, 20))]);
    (s, [a, b, d])
}

fn tight_query(s: &Spec, kind: Kind, a: usize, d: usize) -> OQuery {
    let zero = oracle::day_start(s.base_date);
    OQuery {
        kind,
        time: zero
            + match kind {
                Kind::DepartAt => 8 * 3600,
                Kind::ArriveBy => 9 * 3600,
            },
        window: 0,
        origins: vec![(a, 0)],
        targets: vec![(d, 0)],
        max_transfers: 2,
        min_transfer_secs: 0,
        walk_radius_m: 0,
        walk_speed_mps: 1.0,
        wheelchair: false,
        horizon: FIRST_HORIZON_SECS,
        max_duration: None,
        window_rule: WindowRule::Unbeaten,
    }
}

/// (pruned, unpruned) plans of `q`, after checking the pruned answer against the oracle.
fn both(s: &Spec, q: &OQuery) -> (Plan, Plan) {
    let (_dir, tt) = s.compile().expect("the spec compiles");
    assert!(
        tt.cells.is_usable(),
        "the spec's stops have cells of their own"
    );
    let plain = without_cells(&tt);
    let pruned = plan(&tt, &rquery(&tt, q));
    let unpruned = plan(&plain, &rquery(&plain, q));
    assert_eq!(triples(&pruned.journeys), oracle::answer(s, q));
    assert_eq!(pruned.journeys, unpruned.journeys);
    (pruned, unpruned)
}

#[test]
fn a_journey_one_second_inside_the_bound_is_found() {
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    let (s, [a, _, d]) = tight_spec(m(8, 0), m(9, 0) - 1);
    let zero = oracle::day_start(s.base_date);
    let q = tight_query(&s, Kind::DepartAt, a, d);
    let (pruned, unpruned) = both(&s, &q);
    assert_eq!(
        triples(&pruned.journeys),
        vec![
            (zero + m(8, 0) as i64, zero + m(9, 0) as i64 - 1, 1),
            (zero + m(8, 0) as i64, zero + m(9, 0) as i64, 0),
        ]
    );
    // The branch to E, F and G is never relaxed.
    assert!(pruned.counters.stops_relaxed < unpruned.counters.stops_relaxed);

    // Arrive-by mirror: A → B leaves one second after the direct trip.
    let (s, [a, _, d]) = tight_spec(m(8, 0) + 1, m(9, 0));
    let q = tight_query(&s, Kind::ArriveBy, a, d);
    let (pruned, _) = both(&s, &q);
    assert_eq!(
        triples(&pruned.journeys),
        vec![
            (zero + m(8, 0) as i64, zero + m(9, 0) as i64, 0),
            (zero + m(8, 0) as i64 + 1, zero + m(9, 0) as i64, 1),
        ]
    );
}

#[test]
fn a_label_exactly_at_the_bound_is_pruned() {
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    // B's ready label (08:10) plus its bound (50 min) is 09:00, the direct trip's arrival: no
    // journey through it can arrive earlier, so the B → D pattern is not scanned.
    let (s, [a, _, d]) = tight_spec(m(8, 0), m(9, 0));
    let zero = oracle::day_start(s.base_date);
    let q = tight_query(&s, Kind::DepartAt, a, d);
    let (pruned, unpruned) = both(&s, &q);
    assert_eq!(
        triples(&pruned.journeys),
        vec![(zero + m(8, 0) as i64, zero + m(9, 0) as i64, 0)]
    );
    assert!(pruned.counters.patterns_scanned < unpruned.counters.patterns_scanned);
    // Arrive-by: A → B leaving with the direct trip (08:00) is exactly at the bound.
    let q = tight_query(&s, Kind::ArriveBy, a, d);
    let (pruned, unpruned) = both(&s, &q);
    assert_eq!(
        triples(&pruned.journeys),
        vec![(zero + m(8, 0) as i64, zero + m(9, 0) as i64, 0)]
    );
    assert!(pruned.counters.patterns_scanned < unpruned.counters.patterns_scanned);
}

/// The random specs do exercise the pruning: over a fixed sample of cases (the property's
/// strategy, a deterministic seed), a good share of the plans relax fewer stops with the
/// cell graph than without it (fewer stops relaxed or patterns scanned).
#[test]
fn random_specs_exercise_the_pruning() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = case();
    let (mut fewer, mut total) = (0, 0);
    for _ in 0..200 {
        let (s, p) = strategy.new_tree(&mut runner).expect("a case").current();
        let (_dir, tt) = s.compile().expect("the spec compiles");
        let plain = without_cells(&tt);
        for kind in [Kind::DepartAt, Kind::ArriveBy] {
            let q = oquery(&s, &p, kind, false);
            let a = plan(&tt, &rquery(&tt, &q));
            let b = plan(&plain, &rquery(&plain, &q));
            total += 1;
            let (x, y) = (&a.counters, &b.counters);
            if x.stops_relaxed < y.stops_relaxed || x.patterns_scanned < y.patterns_scanned {
                fewer += 1;
            }
        }
    }
    eprintln!("pruning saved work in {fewer} of {total} random plans");
    // Small specs are mostly answered in a round or two, before any bound bites; about one
    // plan in seven saves work (a handful would still show the pruning is exercised).
    assert!(
        fewer * 25 >= total,
        "only {fewer} of {total} plans were pruned at all"
    );
}
