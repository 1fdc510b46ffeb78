//! Compact frequency patterns (`timetable::freq`: a template's offsets and headway windows,
//! boarded by arithmetic) against the same runs written out as scheduled trips: the two feeds
//! must give the same answers for every query. On random specs the answers are compared as
//! (departure, arrival, transfers) and each compact journey is replayed against the spec: among
//! journeys equal in those, which one the router reports depends on how trips are grouped into
//! patterns, which differs between the two feeds (a found case: two trips leaving together, one
//! reaching the change stop sooner, the connection the same). The hand-built case, without such
//! ties, compares leg by leg.
//!
//! The random specs of [`super::builder`] have frequency-based trips (one window of 1–3 runs,
//! exact or not, starting at any time including 23:00–25:00, so windows cross midnight) on
//! dates around both DST changes. The hand-built case adds a template with two windows, one
//! of them 23:00–25:30, run on the spring-forward and fall-back days.

use super::builder::{Place, Sel, Spec, hms};
use super::oracle::{self, Kind};
use super::router_props::{case, cases, check_journey, oquery, rquery, triples};
use gethere::router::{Journey, Leg, Query, QueryKind, plan};
use gethere::timetable::Timetable;
use proptest::prelude::*;

/// The spec without what makes a frequency trip's runs differ from explicit trips: a rule
/// naming a frequency trip covers all its runs, but only the first run once they are written
/// out (it keeps the trip's id), and runs are never linked in-seat while explicit trips of a
/// block are.
fn without_frequency_rules(s: &Spec) -> Spec {
    let mut s = s.clone();
    let freq = |t: usize| s.trips[t].frequency.is_some();
    let names_freq = |x: Sel| matches!(x, Sel::Trip(t) if freq(t));
    let transfers = s
        .transfers
        .iter()
        .filter(|x| !names_freq(x.from_sel) && !names_freq(x.to_sel))
        .cloned()
        .collect();
    let in_seat = s
        .in_seat
        .iter()
        .filter(|x| !freq(x.from_trip) && !freq(x.to_trip))
        .cloned()
        .collect();
    s.transfers = transfers;
    s.in_seat = in_seat;
    for t in &mut s.trips {
        if t.frequency.is_some() {
            t.block = None;
        }
    }
    s
}

/// The same runs as scheduled trips: a frequency trip's first run keeps its index, the others
/// are appended. `None` when a frequency trip has no run (nothing to compare it with).
fn written_out(s: &Spec) -> Option<Spec> {
    let mut e = s.clone();
    for t in 0..s.trips.len() {
        if s.trips[t].frequency.is_none() {
            continue;
        }
        let runs = oracle::runs(s, t);
        if runs.is_empty() {
            return None;
        }
        for (i, (arr, dep)) in runs.into_iter().enumerate() {
            let mut tr = s.trips[t].clone();
            tr.frequency = None;
            tr.arr = arr;
            tr.dep = dep;
            if i == 0 {
                e.trips[t] = tr;
            } else {
                e.trips.push(tr);
            }
        }
    }
    Some(e)
}

/// A journey as riders read it, without trip ids (the written-out runs have ids of their own):
/// per leg its stops, times, route and whether the rider stays on board.
fn legs(tt: &Timetable, j: &Journey) -> Vec<String> {
    j.legs
        .iter()
        .map(|l| match *l {
            Leg::Walk {
                from,
                to,
                departure,
                arrival,
                metres,
            } => format!("walk {from:?}→{to:?} {departure}–{arrival} {metres} m"),
            Leg::Transit {
                trip,
                day,
                from,
                to,
                board_pos,
                alight_pos,
                departure,
                arrival,
                stay_on_board,
            } => format!(
                "route {} day {day} {from:?}({board_pos})→{to:?}({alight_pos}) {departure}–{arrival} seated {stay_on_board}",
                tt.trip(trip).route.0
            ),
        })
        .collect()
}

fn answers(tt: &Timetable, q: &Query) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = plan(tt, q).journeys.iter().map(|j| legs(tt, j)).collect();
    v.sort();
    v
}

/// Compiles `s` with extra frequencies.txt rows appended (several windows for one template).
fn compile_with(s: &Spec, extra_rows: &str) -> (tempfile::TempDir, Timetable) {
    let dir = tempfile::tempdir().expect("temp dir");
    s.write_gtfs(dir.path()).expect("spec written");
    if !extra_rows.is_empty() {
        let path = dir.path().join("frequencies.txt");
        let mut body = std::fs::read_to_string(&path).expect("frequencies.txt written");
        body.push_str(extra_rows);
        std::fs::write(&path, body).expect("frequencies.txt extended");
    }
    let raw = gethere::feed::load::read_raw(dir.path()).expect("feed read");
    let tt = gethere::timetable::compile::compile(&raw, "test", "0".repeat(64)).expect("compiles");
    (dir, tt)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Compact frequency patterns and the same runs written as trips answer every query kind
    /// (depart-at, arrive-by, windows) with the same journeys, leg by leg.
    #[test]
    fn compact_frequencies_answer_as_written_out_trips(
        (s, p) in case(),
        kind in 0u8..4,
    ) {
        let s = without_frequency_rules(&s);
        let Some(e) = written_out(&s) else { return Ok(()) };
        let (_d1, compact) = s.compile().map_err(TestCaseError::fail)?;
        let (_d2, explicit) = e.compile().map_err(TestCaseError::fail)?;
        prop_assert!(explicit.patterns.iter().all(|p| !p.is_frequency()));
        let (k, windowed) = match kind {
            0 => (Kind::DepartAt, false),
            1 => (Kind::ArriveBy, false),
            2 => (Kind::DepartAt, true),
            _ => (Kind::ArriveBy, true),
        };
        let q = oquery(&s, &p, k, windowed);
        let got = plan(&compact, &rquery(&compact, &q)).journeys;
        for j in &got {
            check_journey(&s, &compact, &q, j)
                .map_err(|e| TestCaseError::fail(format!("invalid journey {j:?}: {e}")))?;
        }
        let want = plan(&explicit, &rquery(&explicit, &q)).journeys;
        prop_assert_eq!(triples(&got), triples(&want), "spec {:?}", s);
    }
}

/// The hand-built case: one template (a → b → c, 19 min) with two windows, 06:00–09:00 every
/// 20 min (about) and 23:00–25:30 every 30 min (exact), on the spring-forward and fall-back
/// days and the days around them, plus a scheduled b → c trip at 25:00 that only a late run
/// can feed. Returns the compact feed, the same 9 + 5 runs written as trips, the trip index in
/// the written-out feed of each run (in departure order) and the stops.
#[allow(clippy::type_complexity)]
fn two_windows() -> (
    (tempfile::TempDir, Timetable),
    (tempfile::TempDir, Timetable),
    Vec<usize>,
    [usize; 3],
    Vec<chrono::NaiveDate>,
) {
    use chrono::NaiveDate;
    let d = |m, day| NaiveDate::from_ymd_opt(2021, m, day).expect("date");
    let dates = vec![d(3, 13), d(3, 14), d(3, 15), d(11, 6), d(11, 7), d(11, 8)];
    let mut s = Spec::empty(d(3, 13));
    let a = s.stop(0.0, 0.0);
    let b = s.stop(0.0, 800.0);
    let c = s.stop(0.0, 1600.0);
    let v = s.service(&dates);
    // Template: a 0, b +7 min (dwell 1 min), c +19 min.
    let calls = |t: u32| [(a, t, t), (b, t + 420, t + 480), (c, t + 1140, t + 1140)];
    let t0 = s.trip(v, &calls(0));
    s.trips[t0].frequency = Some(super::builder::FreqSpec {
        start: 23 * 3600,
        end: 25 * 3600 + 1800,
        headway: 1800,
        exact: true,
    });
    s.trip(
        v,
        &[
            (b, 25 * 3600, 25 * 3600),
            (c, 25 * 3600 + 600, 25 * 3600 + 600),
        ],
    );
    s.transfer(Place::Stop(b), Place::Stop(b), 2, Some(0));
    let extra = format!("T{t0},{},{},1200,0\n", hms(6 * 3600), hms(9 * 3600));
    let compact = compile_with(&s, &extra);

    let mut e = s.clone();
    e.trips[t0].frequency = None;
    let starts = (0..9)
        .map(|k| 6 * 3600 + k * 1200)
        .chain((0..5).map(|k| 23 * 3600 + k * 1800));
    let mut ids = Vec::new();
    for (i, st) in starts.enumerate() {
        let c = calls(st);
        if i == 0 {
            e.trips[t0].arr = c.iter().map(|x| x.1).collect();
            e.trips[t0].dep = c.iter().map(|x| x.2).collect();
            ids.push(t0);
        } else {
            ids.push(e.trip(v, &c));
        }
    }
    let explicit = e.compile().expect("written-out feed compiles");
    (compact, explicit, ids, [a, b, c], dates)
}

/// Every query from a, b to b, c every 10 minutes over the case's days (depart-at, arrive-by,
/// one-hour windows): the same journeys leg by leg. Returns how many found one.
fn same_answers(
    compact: &Timetable,
    explicit: &Timetable,
    stops: [usize; 3],
    dates: &[chrono::NaiveDate],
) -> usize {
    let [a, b, c] = stops;
    let tz: chrono_tz::Tz = super::builder::TZ.parse().expect("zone");
    let stop = |tt: &Timetable, i: usize| tt.find_stop_id(&format!("S{i}")).expect("stop compiled");
    let mut answered = 0;
    for date in dates {
        let midnight = date
            .and_hms_opt(0, 0, 0)
            .expect("time")
            .and_local_timezone(tz)
            .earliest()
            .expect("local midnight")
            .timestamp();
        for step in 0..(36 * 6) {
            let time = midnight + step * 600;
            for (kind, window) in [
                (QueryKind::DepartAt, 0),
                (QueryKind::ArriveBy, 0),
                (QueryKind::DepartAt, 3600),
            ] {
                for (from, to) in [(a, c), (a, b), (b, c)] {
                    let q = |tt: &Timetable| Query {
                        kind,
                        time,
                        window_secs: window,
                        origins: vec![gethere::router::Access {
                            stop: stop(tt, from),
                            secs: 0,
                            metres: 0,
                        }],
                        targets: vec![gethere::router::Access {
                            stop: stop(tt, to),
                            secs: 0,
                            metres: 0,
                        }],
                        max_transfers: 2,
                        min_transfer_secs: 60,
                        walk_radius_m: 0,
                        walk_speed_mps: 1.3,
                        wheelchair: false,
                        max_duration_secs: Some(2 * 86_400),
                    };
                    let x = answers(compact, &q(compact));
                    assert_eq!(
                        x,
                        answers(explicit, &q(explicit)),
                        "{kind:?} {from}→{to} at {time} (window {window})"
                    );
                    answered += usize::from(!x.is_empty());
                }
            }
        }
    }
    answered
}

#[test]
fn two_windows_across_midnight_on_dst_days() {
    let ((_d1, compact), (_d2, explicit), _, stops, dates) = two_windows();
    let fp: Vec<_> = compact
        .patterns
        .iter()
        .filter(|p| p.is_frequency())
        .collect();
    assert_eq!(fp.len(), 1, "the template is one compact pattern");
    assert_eq!(compact.windows(fp[0]).len(), 2);
    assert_eq!(fp[0].num_trips, 9 + 5);
    assert!(explicit.patterns.iter().all(|p| !p.is_frequency()));
    let answered = same_answers(&compact, &explicit, stops, &dates[..5]);
    assert!(answered > 1000, "the queries find journeys ({answered})");
}

/// Realtime names a frequency-based run by trip_id and start_time (GTFS-RT): delaying the
/// 23:30 run on the spring-forward day by 5 minutes, and cancelling the 06:20 one, gives the
/// compact feed the same answers as the written-out feed given the same updates by the runs'
/// own trip ids.
#[test]
fn realtime_on_a_run_equals_realtime_on_its_written_out_trip() {
    use gethere::realtime::proto::*;
    let ((_d1, mut compact), (_d2, mut explicit), ids, stops, dates) = two_windows();
    let update = |trip: String, start: Option<&str>, cancel: bool| FeedEntity {
        id: Some(trip.clone()),
        trip_update: Some(TripUpdate {
            trip: Some(TripDescriptor {
                trip_id: Some(trip),
                start_date: Some("20210314".into()),
                start_time: start.map(str::to_string),
                schedule_relationship: cancel.then_some(trip_rel::CANCELED),
                route_id: None,
                direction_id: None,
            }),
            stop_time_update: Vec::new(),
            timestamp: None,
            delay: (!cancel).then_some(300),
        }),
        ..Default::default()
    };
    let message = |entity: Vec<FeedEntity>| {
        vec![gethere::realtime::Decoded {
            source: "test".into(),
            feed: None,
            msg: FeedMessage {
                header: Some(FeedHeader {
                    gtfs_realtime_version: Some("2.0".into()),
                    incrementality: None,
                    timestamp: Some(1_615_700_000),
                }),
                entity,
            },
        }]
    };
    gethere::realtime::apply::apply(
        &mut compact,
        &message(vec![
            update("T0".into(), Some("23:30:00"), false),
            update("T0".into(), Some("06:20:00"), true),
        ]),
    );
    // Runs in departure order: 06:00, 06:20, … (9), then 23:00, 23:30, …
    gethere::realtime::apply::apply(
        &mut explicit,
        &message(vec![
            update(format!("T{}", ids[10]), None, false),
            update(format!("T{}", ids[1]), None, true),
        ]),
    );
    let stats = |tt: &Timetable| tt.realtime.as_ref().expect("applied").stats.clone();
    assert_eq!(stats(&compact).matched, 2, "{:?}", stats(&compact));
    assert_eq!(stats(&explicit).matched, 2, "{:?}", stats(&explicit));
    let answered = same_answers(&compact, &explicit, stops, &dates[..3]);
    assert!(answered > 500, "the queries find journeys ({answered})");
}

/// The compact form through the cache: windows and offsets are flat sections, mapped back
/// unchanged, and the loaded timetable passes the open-time checks (`timetable::check`).
#[test]
fn compact_patterns_round_trip_through_the_cache() {
    use gethere::timetable::cache::{read_cache, write_cache};
    let ((dir, tt), ..) = two_windows();
    let path = dir.path().join("compiled.timetable");
    write_cache(&path, &tt).expect("cache written");
    let back = read_cache(&path, &tt.meta.content_hash).expect("cache read and checked");
    assert!(back.freq_windows.is_mapped() && back.freq_windows.len() == 2);
    assert!(back.freq_dep.is_mapped() && !back.freq_dep.is_empty());
    assert_eq!(format!("{back:?}"), format!("{tt:?}"));
}

/// Overlapping frequencies.txt rows of one template (06:00–07:00 every 10 min and 06:30–08:00
/// every 15 min) interleave their runs, which windows sorted by start cannot number in
/// departure order: such a template is expanded into trips, as before, and answers as the
/// same runs written out.
#[test]
fn overlapping_windows_are_expanded_and_exact() {
    let d = chrono::NaiveDate::from_ymd_opt(2021, 6, 1).expect("date");
    let mut s = Spec::empty(d);
    let a = s.stop(0.0, 0.0);
    let b = s.stop(0.0, 900.0);
    let v = s.service(&[d]);
    let t0 = s.trip(v, &[(a, 0, 0), (b, 600, 600)]);
    s.trips[t0].frequency = Some(super::builder::FreqSpec {
        start: 6 * 3600,
        end: 7 * 3600,
        headway: 600,
        exact: true,
    });
    let extra = format!("T{t0},{},{},900,1\n", hms(6 * 3600 + 1800), hms(8 * 3600));
    let (_d1, tt) = compile_with(&s, &extra);
    assert!(tt.patterns.iter().all(|p| !p.is_frequency()));
    assert_eq!(tt.num_trip_ids(), 6 + 6);

    let mut e = s.clone();
    e.trips[t0].frequency = None;
    let starts = (0..6)
        .map(|k| 6 * 3600 + k * 600)
        .chain((0..6).map(|k| 6 * 3600 + 1800 + k * 900));
    for (i, st) in starts.enumerate() {
        if i == 0 {
            e.trips[t0].arr = vec![st, st + 600];
            e.trips[t0].dep = vec![st, st + 600];
        } else {
            e.trip(v, &[(a, st, st), (b, st + 600, st + 600)]);
        }
    }
    let (_d2, explicit) = e.compile().expect("written-out feed compiles");
    let answered = same_answers(&tt, &explicit, [a, b, b], &[d]);
    assert!(answered > 50, "the queries find journeys ({answered})");
}

/// A template's offsets are stored in two bytes (`Timetable::freq_dep`): one whose last stop
/// is 65,535 s (18 h 12 min 15 s) after its first departure stays compact, one a second longer
/// is expanded into trips; both answer as their runs written out, across midnight.
#[test]
fn templates_longer_than_two_byte_offsets_are_expanded_and_exact() {
    let d = chrono::NaiveDate::from_ymd_opt(2021, 6, 1).expect("date");
    let days = [d, d.succ_opt().expect("date")];
    for (span, compact) in [(65_535, true), (65_536, false)] {
        let mut s = Spec::empty(d);
        let a = s.stop(0.0, 0.0);
        let b = s.stop(0.0, 900.0);
        let c = s.stop(0.0, 1800.0);
        let v = s.service(&days);
        let t0 = s.trip(v, &[(a, 0, 0), (b, 600, 660), (c, span, span)]);
        s.trips[t0].frequency = Some(super::builder::FreqSpec {
            start: 6 * 3600,
            end: 8 * 3600,
            headway: 1800,
            exact: true,
        });
        let (_d1, tt) = s.compile().expect("compiles");
        assert_eq!(
            tt.patterns.iter().any(|p| p.is_frequency()),
            compact,
            "span {span}"
        );
        assert_eq!(tt.freq_dep.iter().max().copied(), compact.then_some(65_535));
        let (_d2, explicit) = written_out(&s)
            .expect("runs")
            .compile()
            .expect("written-out feed compiles");
        let answered = same_answers(&tt, &explicit, [a, b, c], &days);
        assert!(answered > 50, "the queries find journeys ({answered})");
    }
}
