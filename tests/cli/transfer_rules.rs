//! What a change of vehicle is (issue: exact GTFS transfer semantics): one small hand-built
//! timetable per rule, with the answer worked out by hand in its comment, checked against both
//! the reference search ([`super::oracle`]) and the router (whose journeys are also replayed
//! against the spec). Depart-at, arrive-by and windows must all agree.

use super::builder::{Place, Sel, Spec, base_dates};
use super::oracle::{self, Kind, OQuery, Triple, WindowRule};
use super::router_props::router_triples;
use gethere::router::FIRST_HORIZON_SECS;

/// Seconds since "noon minus 12 h" for `h:mm`.
fn m(h: u32, min: u32) -> u32 {
    h * 3600 + min * 60
}

/// The instant of `h:mm` on the spec's first service day.
fn at(s: &Spec, h: u32, min: u32) -> i64 {
    oracle::day_start(s.base_date) + m(h, min) as i64
}

fn query(kind: Kind, time: i64, from: usize, to: usize) -> OQuery {
    OQuery {
        kind,
        time,
        window: 0,
        origins: vec![(from, 0)],
        targets: vec![(to, 0)],
        max_transfers: 3,
        min_transfer_secs: 60,
        walk_radius_m: 0,
        walk_speed_mps: 1.0,
        wheelchair: false,
        horizon: FIRST_HORIZON_SECS,
        max_duration: None,
        window_rule: WindowRule::Unbeaten,
    }
}

/// Asks the oracle and the router a depart-at query at `dep − 5 min`, an arrive-by query at
/// `arr + 5 min` (for the first wanted journey) and a 30-minute window ending there; each must
/// give `want`.
fn check(s: &Spec, from: usize, to: usize, want: &[Triple], probe: (i64, i64)) {
    let (d, a) = probe;
    for (kind, t, window) in [
        (Kind::DepartAt, d - 300, 0),
        (Kind::ArriveBy, a + 300, 0),
        (Kind::ArriveBy, a + 300, 1800),
    ] {
        let mut q = query(kind, t, from, to);
        q.window = window;
        let o = oracle::answer(s, &q);
        assert_eq!(o, want, "oracle, {kind:?} window {window}");
        assert_eq!(
            router_triples(s, &q),
            want,
            "router, {kind:?} window {window}"
        );
    }
}

/// Trip A runs a → b (08:00–08:10), trip B b → c (08:10–08:20): a 0-second turn at b.
fn two_trips(turn: u32) -> (Spec, [usize; 3], [usize; 2]) {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b, c) = (s.stop(0.0, 0.0), s.stop(0.0, 2000.0), s.stop(0.0, 4000.0));
    let v = s.service(&[base]);
    let x = s.trip(v, &[(a, m(8, 0), m(8, 0)), (b, m(8, 10), m(8, 10))]);
    let y = s.trip(
        v,
        &[
            (b, m(8, 10) + turn, m(8, 10) + turn),
            (c, m(8, 20), m(8, 20)),
        ],
    );
    (s, [a, b, c], [x, y])
}

/// A block with a 0-second turn is one vehicle: a → c in one ride, no transfer. Without the
/// block the change at b would need 60 s, so there is no journey at all.
#[test]
fn block_with_a_zero_second_turn() {
    let (mut s, [a, _, c], [x, y]) = two_trips(0);
    let probe = (at(&s, 8, 0), at(&s, 8, 20));
    check(&s, a, c, &[], probe);
    s.trips[x].block = Some(1);
    s.trips[y].block = Some(1);
    check(&s, a, c, &[(probe.0, probe.1, 0)], probe);
}

/// A block whose second trip is the next service day's 00:05 trip is not a continuation
/// (blocks are per service day): A a → b 23:50–24:05 of day 1, C b → c 00:05–00:20 of day 2,
/// same block: no journey (a 0-s change is not allowed either). Written the way the reference
/// asks, with B b → c 24:05–24:20 on day 1's service, the rider stays on board past midnight.
#[test]
fn block_across_midnight() {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b, c) = (s.stop(0.0, 0.0), s.stop(0.0, 2000.0), s.stop(0.0, 4000.0));
    let day1 = s.service(&[base]);
    let day2 = s.service(&[base + chrono::Days::new(1)]);
    let x = s.trip(day1, &[(a, m(23, 50), m(23, 50)), (b, m(24, 5), m(24, 5))]);
    let z = s.trip(day2, &[(b, m(0, 5), m(0, 5)), (c, m(0, 20), m(0, 20))]);
    s.trips[x].block = Some(1);
    s.trips[z].block = Some(1);
    let probe = (at(&s, 23, 50), at(&s, 24, 20));
    check(&s, a, c, &[], probe);
    let y = s.trip(day1, &[(b, m(24, 5), m(24, 5)), (c, m(24, 20), m(24, 20))]);
    s.trips[y].block = Some(1);
    check(&s, a, c, &[(probe.0, probe.1, 0)], probe);
}

/// Type 4 between two trips (no block) makes them one ride; type 5 forbids staying on board
/// inside a block: with the 0-s turn there is no journey, with a 2-minute turn it is a change
/// (1 transfer).
#[test]
fn in_seat_types_4_and_5() {
    let (mut s, [a, _, c], [x, y]) = two_trips(0);
    let probe = (at(&s, 8, 0), at(&s, 8, 20));
    s.in_seat.push(super::builder::InSeatSpec {
        from_trip: x,
        to_trip: y,
        allowed: true,
    });
    check(&s, a, c, &[(probe.0, probe.1, 0)], probe);

    let (mut s, [a, _, c], [x, y]) = two_trips(0);
    s.trips[x].block = Some(1);
    s.trips[y].block = Some(1);
    s.in_seat.push(super::builder::InSeatSpec {
        from_trip: x,
        to_trip: y,
        allowed: false,
    });
    check(&s, a, c, &[], probe);
    let (mut s, [a, _, c], [x, y]) = two_trips(120);
    s.trips[x].block = Some(1);
    s.trips[y].block = Some(1);
    s.in_seat.push(super::builder::InSeatSpec {
        from_trip: x,
        to_trip: y,
        allowed: false,
    });
    check(&s, a, c, &[(probe.0, probe.1, 1)], probe);
}

/// Type 1 between two trips at different stops 2 km apart (no walking link): A arrives at b
/// 08:10, B leaves d 08:10. The agency guarantees the connection: a → c, 1 transfer. Without
/// the row, no journey.
#[test]
fn timed_transfer_between_trips_at_two_stops() {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b) = (s.stop(0.0, 0.0), s.stop(0.0, 2000.0));
    let (d, c) = (s.stop(2000.0, 2000.0), s.stop(2000.0, 4000.0));
    let v = s.service(&[base]);
    let x = s.trip(v, &[(a, m(8, 0), m(8, 0)), (b, m(8, 10), m(8, 10))]);
    let y = s.trip(v, &[(d, m(8, 10), m(8, 10)), (c, m(8, 20), m(8, 20))]);
    let probe = (at(&s, 8, 0), at(&s, 8, 20));
    check(&s, a, c, &[], probe);
    s.transfer_between(
        (Place::Stop(b), Sel::Trip(x)),
        (Place::Stop(d), Sel::Trip(y)),
        1,
        None,
    );
    check(&s, a, c, &[(probe.0, probe.1, 1)], probe);
}

/// Three routes at b: A (route 0) a → b 08:00–08:10; B (route 1) b → c 08:20–08:30; C (route 2)
/// b → c 08:40–08:50.
fn three_routes() -> (Spec, [usize; 3], [usize; 3]) {
    let base = base_dates()[2];
    let mut s = Spec::empty(base);
    s.num_routes = 3;
    let (a, b, c) = (s.stop(0.0, 0.0), s.stop(0.0, 2000.0), s.stop(0.0, 4000.0));
    let v = s.service(&[base]);
    let x = s.trip(v, &[(a, m(8, 0), m(8, 0)), (b, m(8, 10), m(8, 10))]);
    let y = s.trip(v, &[(b, m(8, 20), m(8, 20)), (c, m(8, 30), m(8, 30))]);
    let z = s.trip(v, &[(b, m(8, 40), m(8, 40)), (c, m(8, 50), m(8, 50))]);
    s.trips[y].route = 1;
    s.trips[z].route = 2;
    (s, [a, b, c], [x, y, z])
}

/// A forbidden route pair (0 → 1) beside an allowed one (0 → 2) at the same stop: the rider
/// takes C, arriving 08:50. (The old reading applied the row to every change at b: nothing.)
#[test]
fn forbidden_route_pair_leaves_other_routes_alone() {
    let (mut s, [a, b, c], _) = three_routes();
    s.transfer_between(
        (Place::Stop(b), Sel::Route(0)),
        (Place::Stop(b), Sel::Route(1)),
        3,
        None,
    );
    check(
        &s,
        a,
        c,
        &[(at(&s, 8, 0), at(&s, 8, 50), 1)],
        (at(&s, 8, 0), at(&s, 8, 50)),
    );
}

/// A forbidden trip pair (A → B): C, of another trip, is still allowed.
#[test]
fn forbidden_trip_pair() {
    let (mut s, [a, b, c], [x, y, _]) = three_routes();
    s.trips[2].route = 1;
    s.transfer_between(
        (Place::Stop(b), Sel::Trip(x)),
        (Place::Stop(b), Sel::Trip(y)),
        3,
        None,
    );
    check(
        &s,
        a,
        c,
        &[(at(&s, 8, 0), at(&s, 8, 50), 1)],
        (at(&s, 8, 0), at(&s, 8, 50)),
    );
}

/// A stop-level rule and a more specific route-level one disagree: changing at b is forbidden,
/// except from route 0 to route 1 (type 0). A → B is allowed (08:30); A → C is not.
/// Then a route-level minimum time (type 2, 20 min from route 0) beats the stop's 60 s: B at
/// 08:20 is missed, C at 08:40 is caught.
#[test]
fn the_most_specific_rule_wins() {
    let (mut s, [a, b, c], _) = three_routes();
    s.transfer(Place::Stop(b), Place::Stop(b), 3, None);
    check(&s, a, c, &[], (at(&s, 8, 0), at(&s, 8, 30)));
    s.transfer_between(
        (Place::Stop(b), Sel::Route(0)),
        (Place::Stop(b), Sel::Route(1)),
        0,
        None,
    );
    check(
        &s,
        a,
        c,
        &[(at(&s, 8, 0), at(&s, 8, 30), 1)],
        (at(&s, 8, 0), at(&s, 8, 30)),
    );

    let (mut s, [a, b, c], _) = three_routes();
    s.transfer(Place::Stop(b), Place::Stop(b), 2, Some(60));
    s.transfer_between(
        (Place::Stop(b), Sel::Route(0)),
        (Place::Stop(b), Sel::Any),
        2,
        Some(1200),
    );
    check(
        &s,
        a,
        c,
        &[(at(&s, 8, 0), at(&s, 8, 50), 1)],
        (at(&s, 8, 0), at(&s, 8, 50)),
    );
}
