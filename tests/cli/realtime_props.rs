//! Realtime against the reference search: random timetables ([`super::builder`]) get random
//! trip updates (delays that propagate downstream, early running, delays big enough to overtake
//! the next trip, skipped stops, cancellations). The router compiles the *scheduled* spec and
//! applies the protobuf message with the library; the oracle reads a spec rewritten by hand to
//! mean the same thing (each updated instance taken off its date and added back as a one-date
//! trip with the realtime times; cancelled instances just taken off). Their answers must be
//! equal, which is what proves that overlay patterns keep FIFO (and the binary search) exact.

use super::builder::Spec;
use super::oracle::{self, Kind};
use super::router_props::{Params, case, cases, oquery, rquery, triples};
use chrono::NaiveDate;
use gethere::realtime::proto::*;
use gethere::router::plan;
use proptest::prelude::*;

/// One random change: which instance (by index among the eligible ones), what happens.
#[derive(Clone, Debug)]
struct Change {
    pick: usize,
    /// 0–2 delay, 3 cancel, 4 skip a stop (with a delay).
    kind: u8,
    /// The position of the update (mod the trip's length).
    at: usize,
    /// Seconds; negative is early. Up to 40 min late: enough to overtake.
    delay: i32,
    skip: usize,
    by_sequence: bool,
}

fn changes() -> impl Strategy<Value = Vec<Change>> {
    proptest::collection::vec(
        (
            any::<usize>(),
            0u8..5,
            any::<usize>(),
            -600i32..2400,
            any::<usize>(),
            any::<bool>(),
        )
            .prop_map(|(pick, kind, at, delay, skip, by_sequence)| Change {
                pick,
                kind,
                at,
                delay,
                skip,
                by_sequence,
            }),
        1..10,
    )
}

/// The (trip, date) instances realtime may change here: trips without frequencies, blocks or
/// trip-specific transfer rules (a realtime trip keeps its trip's transfer rules but leaves
/// its block, which a rewritten spec cannot express the same way).
fn eligible(s: &Spec) -> Vec<(usize, NaiveDate)> {
    let named: Vec<usize> = s
        .in_seat
        .iter()
        .flat_map(|r| [r.from_trip, r.to_trip])
        .chain(s.transfers.iter().flat_map(|t| {
            [t.from_sel, t.to_sel].into_iter().filter_map(|x| match x {
                super::builder::Sel::Trip(k) => Some(k),
                _ => None,
            })
        }))
        .collect();
    let mut out = Vec::new();
    for (t, tr) in s.trips.iter().enumerate() {
        if tr.frequency.is_some() || tr.block.is_some() || named.contains(&t) {
            continue;
        }
        for &d in &s.services[tr.service].active {
            out.push((t, d));
        }
    }
    out
}

/// The rewritten spec and the message meaning the same.
fn realtime(s: &Spec, ch: &[Change]) -> (Spec, Vec<u8>) {
    // All changes on one date, so that several trips of one pattern and day are updated
    // together and their overlay pattern has to be split where one overtakes another.
    let all = eligible(s);
    let date = ch
        .first()
        .and_then(|c| all.get(c.pick % all.len().max(1)))
        .map(|x| x.1);
    let inst: Vec<(usize, NaiveDate)> = all.into_iter().filter(|x| Some(x.1) == date).collect();
    let mut rt = s.clone();
    // The last change of an instance wins, as in a feed.
    let mut last: Vec<((usize, NaiveDate), &Change)> = Vec::new();
    for c in ch {
        if inst.is_empty() {
            break;
        }
        let k = inst[c.pick % inst.len()];
        last.retain(|(x, _)| *x != k);
        last.push((k, c));
    }
    let mut entity = Vec::new();
    for ((t, date), c) in last {
        let tr = s.trips[t].clone();
        let n = tr.stops.len();
        // Take the instance off its date: the trip gets its own copy of the service.
        let mut svc = rt.services[rt.trips[t].service].clone();
        svc.active.retain(|&d| d != date);
        rt.services.push(svc);
        rt.trips[t].service = rt.services.len() - 1;
        let mut td = TripDescriptor {
            trip_id: Some(format!("T{t}")),
            start_date: Some(date.format("%Y%m%d").to_string()),
            ..Default::default()
        };
        if c.kind == 3 {
            td.schedule_relationship = Some(trip_rel::CANCELED);
            entity.push(FeedEntity {
                id: Some(format!("{}", entity.len())),
                trip_update: Some(TripUpdate {
                    trip: Some(td),
                    ..Default::default()
                }),
                ..Default::default()
            });
            continue;
        }
        let at = c.at % n;
        let key = |pos: usize| {
            if c.by_sequence {
                (Some(pos as u32 * 10 + 1), None)
            } else {
                (None, Some(format!("S{}", tr.stops[pos])))
            }
        };
        let (seq, sid) = key(at);
        let ev = Some(StopTimeEvent {
            delay: Some(c.delay),
            time: None,
        });
        let mut stu = vec![StopTimeUpdate {
            stop_sequence: seq,
            stop_id: sid,
            arrival: ev.clone(),
            departure: ev,
            ..Default::default()
        }];
        // The meaning: +delay from `at` on, times never earlier than the stop before.
        let mut new = tr.clone();
        new.block = None;
        let mut prev = 0i64;
        for i in 0..n {
            let d = if i >= at { c.delay as i64 } else { 0 };
            let a = (tr.arr[i] as i64 + d).max(0).max(prev);
            let b = (tr.dep[i] as i64 + d).max(0).max(a);
            new.arr[i] = a as u32;
            new.dep[i] = b as u32;
            prev = b;
        }
        if c.kind == 4 {
            let sk = c.skip % n;
            new.pickup[sk] = 1;
            new.drop_off[sk] = 1;
            let (seq, sid) = key(sk);
            let skip = StopTimeUpdate {
                stop_sequence: seq,
                stop_id: sid,
                schedule_relationship: Some(stop_rel::SKIPPED),
                ..Default::default()
            };
            // Updates in stop order, as the reference requires.
            if sk < at {
                stu.insert(0, skip);
            } else {
                stu.push(skip);
            }
        }
        rt.services.push(super::builder::ServiceSpec {
            active: vec![date],
            first: date,
            last: date,
            with_calendar: false,
            removed: Vec::new(),
        });
        new.service = rt.services.len() - 1;
        rt.trips.push(new);
        entity.push(FeedEntity {
            id: Some(format!("{}", entity.len())),
            trip_update: Some(TripUpdate {
                trip: Some(td),
                stop_time_update: stu,
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    let msg = FeedMessage {
        header: Some(FeedHeader {
            gtfs_realtime_version: Some("2.0".into()),
            incrementality: Some(FULL_DATASET),
            timestamp: Some(0),
        }),
        entity,
    };
    (rt, prost::Message::encode_to_vec(&msg))
}

fn compare(
    s: &Spec,
    p: &Params,
    ch: &[Change],
    kind: Kind,
    windowed: bool,
) -> Result<(), TestCaseError> {
    let (dir, mut tt) = s.compile().map_err(TestCaseError::fail)?;
    let (rt_spec, bytes) = realtime(s, ch);
    let msg = gethere::realtime::decode(&bytes).map_err(TestCaseError::fail)?;
    gethere::realtime::apply::apply(
        &mut tt,
        &[gethere::realtime::Decoded {
            source: "test".into(),
            feed: None,
            msg,
        }],
    );
    let stats = &tt.realtime.as_ref().expect("applied").stats;
    prop_assert_eq!(
        stats.unknown_trips + stats.unknown_stops + stats.not_running,
        0,
        "{:?}",
        stats
    );
    // FIFO, the router's assumption, holds in every pattern after realtime.
    for pat in &tt.patterns {
        for pos in 0..pat.num_stops as usize {
            let (d, a) = (
                tt.dep_column(pat, pos).to_vec(),
                tt.arr_column(pat, pos).to_vec(),
            );
            prop_assert!(d.windows(2).all(|w| w[0] <= w[1]), "not FIFO: {:?}", d);
            prop_assert!(a.windows(2).all(|w| w[0] <= w[1]), "not FIFO: {:?}", a);
        }
    }
    let q = oquery(s, p, kind, windowed);
    let got = triples(&plan(&tt, &rquery(&tt, &q)).journeys);
    let cands = oracle::candidates(&rt_spec, &q);
    let want = oracle::answer_from(&cands, &q);
    let unbounded = oracle::OQuery {
        horizon: i64::MAX / 4,
        max_duration: None,
        ..q.clone()
    };
    prop_assume!(want == oracle::answer_from(&cands, &unbounded));
    prop_assert_eq!(
        got,
        want,
        "feed written to {:?}; changes {:?}",
        dir.path(),
        ch
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases() / 2,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn realtime_depart_at_matches_oracle((s, p) in case(), ch in changes()) {
        compare(&s, &p, &ch, Kind::DepartAt, false)?;
    }

    #[test]
    fn realtime_arrive_by_matches_oracle((s, p) in case(), ch in changes()) {
        compare(&s, &p, &ch, Kind::ArriveBy, false)?;
    }

    #[test]
    fn realtime_windows_match_oracle((s, p) in case(), ch in changes(), arrive_by in any::<bool>()) {
        let kind = if arrive_by { Kind::ArriveBy } else { Kind::DepartAt };
        compare(&s, &p, &ch, kind, true)?;
    }
}

/// Pinned: a trip 30 min late from its second stop on is overtaken by the next trip of its
/// pattern; both are realtime trips of one day, so they are one overlay group, which must be
/// split for "earliest trip at a" to be the right one to ride.
#[test]
fn a_late_trip_overtaking_the_next_is_exact() {
    let base = super::builder::base_dates()[2];
    let mut s = Spec::empty(base);
    let (a, b) = (s.stop(0.0, 0.0), s.stop(0.0, 3000.0));
    let v = s.service(&[base]);
    let m = |h: u32, min: u32| h * 3600 + min * 60;
    s.trip(v, &[(a, m(7, 0), m(7, 0)), (b, m(7, 20), m(7, 20))]);
    s.trip(v, &[(a, m(7, 10), m(7, 10)), (b, m(7, 30), m(7, 30))]);
    // Late from b on: it leaves a first and reaches b last.
    let late = |pick, delay| Change {
        pick,
        kind: 0,
        at: 1,
        delay,
        skip: 0,
        by_sequence: true,
    };
    // Both trips get updates (the second on time), so both are in one overlay group.
    let (rt_spec, bytes) = realtime(&s, &[late(0, 30 * 60), late(1, 0)]);
    assert_eq!(rt_spec.trips[2].arr[1], m(7, 50));
    assert_eq!(rt_spec.trips[3].arr[1], m(7, 30));
    let (_dir, mut tt) = s.compile().unwrap();
    let msg = gethere::realtime::decode(&bytes).unwrap();
    gethere::realtime::apply::apply(
        &mut tt,
        &[gethere::realtime::Decoded {
            source: "t".into(),
            feed: None,
            msg,
        }],
    );
    // Every pattern is FIFO at every stop.
    for p in &tt.patterns {
        for pos in 0..p.num_stops as usize {
            let col = tt.dep_column(p, pos).to_vec();
            assert!(col.windows(2).all(|w| w[0] <= w[1]), "{col:?}");
        }
    }
    let day0 = oracle::day_start(base);
    let q = oracle::OQuery {
        kind: Kind::DepartAt,
        time: day0 + m(6, 55) as i64,
        window: 0,
        origins: vec![(a, 0)],
        targets: vec![(b, 0)],
        max_transfers: 3,
        min_transfer_secs: 60,
        walk_radius_m: 0,
        walk_speed_mps: 1.2,
        wheelchair: false,
        horizon: i64::MAX / 4,
        max_duration: None,
        window_rule: oracle::WindowRule::Unbeaten,
    };
    let got = triples(&plan(&tt, &rquery(&tt, &q)).journeys);
    assert_eq!(
        got,
        vec![(day0 + m(7, 10) as i64, day0 + m(7, 30) as i64, 0)]
    );
    assert_eq!(
        got,
        oracle::answer_from(&oracle::candidates(&rt_spec, &q), &q)
    );
}

/// Hostile or broken messages never panic, and FIFO holds whatever the times say: random
/// bytes, and random trip updates (any ids, sequences, relationships, absurd times and
/// delays) applied to the bundled TriMet feed.
mod hostile {
    use super::*;

    fn tt() -> gethere::timetable::Timetable {
        static TT: std::sync::OnceLock<gethere::timetable::Timetable> = std::sync::OnceLock::new();
        TT.get_or_init(|| {
            gethere::timetable::cache::load_or_compile(
                &super::super::common::trimet(),
                &super::super::common::cache_dir(),
            )
            .expect("bundled feed")
            .0
        })
        .clone()
    }

    fn event() -> impl Strategy<Value = Option<StopTimeEvent>> {
        proptest::option::of(
            (
                proptest::option::of(any::<i32>()),
                proptest::option::of(prop_oneof![any::<i64>(), 1_635_000_000i64..1_636_000_000]),
            )
                .prop_map(|(delay, time)| StopTimeEvent { delay, time }),
        )
    }

    fn update(ids: Vec<String>) -> impl Strategy<Value = FeedEntity> {
        let stu = (
            proptest::option::of(prop_oneof![0u32..80, any::<u32>()]),
            proptest::option::of(prop_oneof![Just("8370".to_string()), Just("x".to_string())]),
            event(),
            event(),
            proptest::option::of(-1i32..5),
        )
            .prop_map(
                |(stop_sequence, stop_id, arrival, departure, rel)| StopTimeUpdate {
                    stop_sequence,
                    stop_id,
                    arrival,
                    departure,
                    schedule_relationship: rel,
                },
            );
        (
            proptest::sample::select(ids),
            proptest::option::of(prop_oneof![
                Just("20211102".to_string()),
                Just("20991231".to_string()),
                Just("garbage".to_string())
            ]),
            proptest::option::of(prop_oneof![
                Just("17:03:35".to_string()),
                Just("99:99:99".to_string())
            ]),
            proptest::option::of(-1i32..10),
            proptest::option::of(Just("200".to_string())),
            proptest::collection::vec(stu, 0..6),
            proptest::option::of(any::<i32>()),
        )
            .prop_map(|(trip, date, start, rel, route, stu, delay)| FeedEntity {
                id: Some("e".into()),
                trip_update: Some(TripUpdate {
                    trip: Some(TripDescriptor {
                        trip_id: Some(trip),
                        start_date: date,
                        start_time: start,
                        schedule_relationship: rel,
                        route_id: route,
                        direction_id: None,
                    }),
                    stop_time_update: stu,
                    timestamp: None,
                    delay,
                }),
                ..Default::default()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: cases() / 4,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = gethere::realtime::decode(&bytes);
        }

        #[test]
        fn random_trip_updates_never_panic_and_keep_fifo(
            entity in proptest::collection::vec(
                update(vec!["11134627".into(), "11134628".into(), "no-such".into()]),
                0..8,
            )
        ) {
            let mut tt = tt();
            let msg = FeedMessage {
                header: Some(FeedHeader {
                    gtfs_realtime_version: Some("2.0".into()),
                    incrementality: None,
                    timestamp: Some(1_635_897_600),
                }),
                entity,
            };
            let bytes = prost::Message::encode_to_vec(&msg);
            let msg = gethere::realtime::decode(&bytes).map_err(TestCaseError::fail)?;
            gethere::realtime::apply::apply(
                &mut tt,
                &[gethere::realtime::Decoded { source: "fuzz".into(), feed: None, msg }],
            );
            for pat in &tt.patterns {
                for pos in 0..pat.num_stops as usize {
                    let d = tt.dep_column(pat, pos).to_vec();
                    prop_assert!(d.windows(2).all(|w| w[0] <= w[1]));
                }
            }
            // And the router runs on it.
            let q = gethere::router::Query {
                kind: gethere::router::QueryKind::DepartAt,
                time: 1_635_897_600,
                window_secs: 0,
                origins: vec![gethere::router::Access { stop: tt.find_stop_id("8370").unwrap(), secs: 0, metres: 0 }],
                targets: vec![gethere::router::Access { stop: tt.find_stop_id("8376").unwrap(), secs: 0, metres: 0 }],
                max_transfers: 3,
                min_transfer_secs: 60,
                walk_radius_m: 400,
                walk_speed_mps: 1.2,
                wheelchair: false,
                max_duration_secs: None,
            };
            let _ = plan(&tt, &q);
        }
    }
}
