//! Several feeds as one region (issue 11): split = whole on the bundled TriMet feed, two copies
//! of one feed, colliding ids, two time zones with a change on a DST day, and the CLI's
//! handling of keys and broken feeds.

use crate::common::*;
use gethere::feed::load::read_raw;
use gethere::router::{self, Access, Leg, Query, QueryKind};
use gethere::timetable::compile::{FeedInput, compile, compile_region};
use gethere::timetable::{StopIdx, Timetable};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

// --- a small GTFS splitter (test helper) ------------------------------------------------------

type Table = (Vec<String>, Vec<Vec<String>>);

fn read_table(dir: &Path, name: &str) -> Option<Table> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(dir.join(name))
        .ok()?;
    let head: Vec<String> = r
        .headers()
        .ok()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let rows = r
        .records()
        .map(|x| x.expect("csv row").iter().map(str::to_string).collect())
        .collect();
    Some((head, rows))
}

fn col(t: &Table, name: &str) -> Option<usize> {
    t.0.iter().position(|h| h == name)
}

fn write_table(dir: &Path, name: &str, t: &Table, keep: impl Fn(&Vec<String>) -> bool) {
    let mut w = csv::Writer::from_path(dir.join(name)).expect("write csv");
    w.write_record(&t.0).expect("header");
    for r in t.1.iter().filter(|r| keep(r)) {
        w.write_record(r).expect("row");
    }
    w.flush().expect("flush");
}

/// Writes the part of the GTFS directory `src` that agency `agency` runs into `dst`: its
/// agency row, routes, trips, their stop times, frequencies, shapes and services, the stops
/// they call at (with parent stations) and the transfers.txt rows between those stops.
fn split_agency(src: &Path, dst: &Path, agency: &str) {
    let get = |n: &str| read_table(src, n);
    let agencies = get("agency.txt").expect("agency.txt");
    let a = col(&agencies, "agency_id").expect("agency_id");
    write_table(dst, "agency.txt", &agencies, |r| r[a] == agency);
    let routes = get("routes.txt").expect("routes.txt");
    let ra = col(&routes, "agency_id").expect("route agency_id");
    let ri = col(&routes, "route_id").unwrap();
    let route_ids: BTreeSet<String> = routes
        .1
        .iter()
        .filter(|r| r[ra] == agency)
        .map(|r| r[ri].clone())
        .collect();
    write_table(dst, "routes.txt", &routes, |r| route_ids.contains(&r[ri]));
    let trips = get("trips.txt").expect("trips.txt");
    let (tr, ti, ts) = (
        col(&trips, "route_id").unwrap(),
        col(&trips, "trip_id").unwrap(),
        col(&trips, "service_id").unwrap(),
    );
    let tsh = col(&trips, "shape_id");
    let mine: Vec<&Vec<String>> = trips
        .1
        .iter()
        .filter(|r| route_ids.contains(&r[tr]))
        .collect();
    let trip_ids: BTreeSet<String> = mine.iter().map(|r| r[ti].clone()).collect();
    let services: BTreeSet<String> = mine.iter().map(|r| r[ts].clone()).collect();
    let shapes: BTreeSet<String> = tsh
        .map(|c| mine.iter().map(|r| r[c].clone()).collect())
        .unwrap_or_default();
    write_table(dst, "trips.txt", &trips, |r| trip_ids.contains(&r[ti]));
    let st = get("stop_times.txt").expect("stop_times.txt");
    let (sti, sts) = (col(&st, "trip_id").unwrap(), col(&st, "stop_id").unwrap());
    let mut used: BTreeSet<String> =
        st.1.iter()
            .filter(|r| trip_ids.contains(&r[sti]))
            .map(|r| r[sts].clone())
            .collect();
    write_table(dst, "stop_times.txt", &st, |r| trip_ids.contains(&r[sti]));
    let stops = get("stops.txt").expect("stops.txt");
    let (si, sp) = (
        col(&stops, "stop_id").unwrap(),
        col(&stops, "parent_station"),
    );
    if let Some(sp) = sp {
        let parents: Vec<String> = stops
            .1
            .iter()
            .filter(|r| used.contains(&r[si]) && !r[sp].is_empty())
            .map(|r| r[sp].clone())
            .collect();
        used.extend(parents);
    }
    write_table(dst, "stops.txt", &stops, |r| used.contains(&r[si]));
    for (name, key) in [
        ("calendar.txt", "service_id"),
        ("calendar_dates.txt", "service_id"),
    ] {
        if let Some(t) = get(name) {
            let c = col(&t, key).unwrap();
            write_table(dst, name, &t, |r| services.contains(&r[c]));
        }
    }
    if let Some(t) = get("frequencies.txt") {
        let c = col(&t, "trip_id").unwrap();
        write_table(dst, "frequencies.txt", &t, |r| trip_ids.contains(&r[c]));
    }
    if let Some(t) = get("shapes.txt") {
        let c = col(&t, "shape_id").unwrap();
        write_table(dst, "shapes.txt", &t, |r| shapes.contains(&r[c]));
    }
    if let Some(t) = get("transfers.txt") {
        let (f, to) = (
            col(&t, "from_stop_id").unwrap(),
            col(&t, "to_stop_id").unwrap(),
        );
        write_table(dst, "transfers.txt", &t, |r| {
            used.contains(&r[f]) && used.contains(&r[to])
        });
    }
    if let Some(t) = get("feed_info.txt") {
        write_table(dst, "feed_info.txt", &t, |_| true);
    }
}

fn unzip(zip: &Path, dst: &Path) {
    let f = std::fs::File::open(zip).expect("open zip");
    let mut z = zip::ZipArchive::new(f).expect("zip");
    z.extract(dst).expect("extract");
}

struct Fixture {
    whole: Timetable,
    split: Timetable,
    _dirs: Vec<tempfile::TempDir>,
}

/// The bundled feed whole, and split into one feed per agency (TriMet, Portland Streetcar)
/// compiled as a region.
fn split_fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let src = tempfile::tempdir().unwrap();
        unzip(&trimet(), src.path());
        let whole = compile(&read_raw(src.path()).unwrap(), "trimet", "0".repeat(64)).unwrap();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        split_agency(src.path(), a.path(), "TRIMET");
        split_agency(src.path(), b.path(), "PSC");
        let (ra, rb) = (read_raw(a.path()).unwrap(), read_raw(b.path()).unwrap());
        let split = compile_region(
            &[
                FeedInput {
                    key: "max".into(),
                    name: "max".into(),
                    raw: &ra,
                    content_hash: "1".repeat(64),
                },
                FeedInput {
                    key: "streetcar".into(),
                    name: "streetcar".into(),
                    raw: &rb,
                    content_hash: "2".repeat(64),
                },
            ],
            false,
        )
        .unwrap();
        Fixture {
            whole,
            split,
            _dirs: vec![src, a, b],
        }
    })
}

/// A journey as riders see it, in ids: departure, arrival and each ride (trip, from, to,
/// stay on board).
type Shape = (i64, i64, Vec<(String, String, String, i64, i64)>);

fn shape(tt: &Timetable, j: &router::Journey) -> Shape {
    let rides = j
        .legs
        .iter()
        .filter_map(|l| match l {
            Leg::Transit {
                trip,
                from,
                to,
                departure,
                arrival,
                ..
            } => Some((
                tt.trip_id(*trip).to_string(),
                tt.stop(*from).id.clone(),
                tt.stop(*to).id.clone(),
                *departure,
                *arrival,
            )),
            _ => None,
        })
        .collect();
    (j.departure, j.arrival, rides)
}

fn by_id(tt: &Timetable, id: &str) -> StopIdx {
    tt.find_stop_id(id).unwrap_or_else(|| panic!("stop {id}"))
}

fn query(
    tt: &Timetable,
    kind: QueryKind,
    time: i64,
    from: &str,
    to: &str,
    window: u32,
) -> Vec<Shape> {
    let q = Query {
        kind,
        time,
        window_secs: window,
        origins: vec![Access {
            stop: by_id(tt, from),
            secs: 0,
            metres: 0,
        }],
        targets: vec![Access {
            stop: by_id(tt, to),
            secs: 0,
            metres: 0,
        }],
        max_transfers: 4,
        min_transfer_secs: 60,
        walk_radius_m: 400,
        walk_speed_mps: 1.3,
        wheelchair: false,
        max_duration_secs: None,
    };
    router::plan(tt, &q)
        .journeys
        .iter()
        .map(|j| shape(tt, j))
        .collect()
}

/// Served platforms (location_type 0) by id, the same in both timetables.
fn served_ids(tt: &Timetable) -> Vec<String> {
    let mut v: Vec<String> = (0..tt.stops.len() as u32)
        .map(StopIdx)
        .filter(|&s| !tt.patterns_at(s).is_empty())
        .map(|s| tt.stop(s).id.clone())
        .collect();
    v.sort();
    v
}

#[test]
fn split_feed_has_both_agencies_and_the_same_stops() {
    let f = split_fixture();
    assert_eq!(f.split.feeds.len(), 2);
    assert_eq!(f.split.feeds[0].key, "max");
    assert_eq!(served_ids(&f.whole), served_ids(&f.split));
    assert_eq!(f.whole.trips.len(), f.split.trips.len());
    assert_eq!(f.whole.arr.len(), f.split.arr.len());
    // One zone: both feeds are in America/Los_Angeles.
    assert_eq!(f.split.zones, vec!["America/Los_Angeles".to_string()]);
    assert_eq!(f.split.day_start, f.whole.day_start);
}

/// Planning on the feed split per agency gives the journeys planning on the whole feed gives:
/// 300 random queries (a fixed-seed generator, so a failure reproduces), arrive-by, depart-at and
/// an arrive-by hour.
#[test]
fn split_equals_whole() {
    let f = split_fixture();
    let ids = served_ids(&f.whole);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut answered = 0;
    let mut mixed = 0;
    for i in 0..300 {
        let (from, to) = (
            &ids[next(ids.len() as u64) as usize],
            &ids[next(ids.len() as u64) as usize],
        );
        if from == to {
            continue;
        }
        let t = f.whole.day_base(0, 14 + next(40) as usize) + 5 * 3600 + next(19 * 3600) as i64;
        let (k, w) = match i % 3 {
            0 => (QueryKind::ArriveBy, 0),
            1 => (QueryKind::DepartAt, 0),
            _ => (QueryKind::ArriveBy, 3600),
        };
        let whole = query(&f.whole, k, t, from, to, w);
        let split = query(&f.split, k, t, from, to, w);
        assert_eq!(whole, split, "query {i}: {k:?} {from} → {to} at {t}");
        if !whole.is_empty() {
            answered += 1;
        }
        // Journeys riding both agencies (a MAX trip and a Streetcar trip).
        if whole.iter().any(|j| {
            let feeds: BTreeSet<&str> =
                j.2.iter()
                    .map(|r| {
                        f.split
                            .feed_of_route(
                                f.split
                                    .trip(
                                        (0..f.split.trips.len() as u32)
                                            .map(gethere::timetable::TripIdx)
                                            .find(|&t| f.split.trip_id(t) == r.0)
                                            .unwrap(),
                                    )
                                    .route,
                            )
                            .key
                            .as_str()
                    })
                    .collect();
            feeds.len() > 1
        }) {
            mixed += 1;
        }
    }
    assert!(answered >= 150, "only {answered} of 300 queries answered");
    assert!(mixed >= 5, "only {mixed} answers ride both agencies");
}

#[test]
fn two_copies_with_different_keys_answer_like_one() {
    let src = tempfile::tempdir().unwrap();
    unzip(&trimet(), src.path());
    let raw = read_raw(src.path()).unwrap();
    let one = compile(&raw, "trimet", "0".repeat(64)).unwrap();
    let two = compile_region(
        &[
            FeedInput {
                key: "a".into(),
                name: "a".into(),
                raw: &raw,
                content_hash: "1".repeat(64),
            },
            FeedInput {
                key: "b".into(),
                name: "b".into(),
                raw: &raw,
                content_hash: "2".repeat(64),
            },
        ],
        false,
    )
    .unwrap();
    assert_eq!(two.stops.len(), 2 * one.stops.len());
    // A bare id is now ambiguous; the feed key picks one.
    assert_eq!(two.stops_with_id("landmark-135").len(), 2);
    assert!(two.find_stop_id("landmark-135").is_none());
    let a = two.find_stop_id("a:8370").unwrap();
    let b = two.find_stop_id("b:8370").unwrap();
    assert_ne!(a, b);
    assert_eq!(two.feed_of_stop(b).key, "b");
    assert_eq!(two.stop_ref(b), "b:8370");
    // Same journeys as one copy (ids of copy `a`).
    let base = one.day_base(0, 16);
    for (from, to) in [("8370", "13123"), ("10293", "7608"), ("13123", "8370")] {
        for (k, t) in [
            (QueryKind::ArriveBy, base + 17 * 3600 + 1800),
            (QueryKind::DepartAt, base + 8 * 3600),
        ] {
            let x = query(&one, k, t, from, to, 0);
            let y = query(&two, k, t, &format!("a:{from}"), &format!("a:{to}"), 0);
            assert!(!x.is_empty(), "{from} → {to}");
            assert_eq!(x, y, "{from} → {to}");
        }
    }
}

// --- hand-written feeds: colliding ids, two zones on a DST day --------------------------------

fn write_feed(dir: &Path, tz: &str, files: &[(&str, &str)]) {
    std::fs::write(
        dir.join("agency.txt"),
        format!("agency_id,agency_name,agency_url,agency_timezone\nA,Agency in {tz},https://example.invalid,{tz}\n"),
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// Denver (Mountain time, falls back on 2021-11-07) and Phoenix (Mountain standard time, no
/// DST), with stops 150 m apart. Both feeds use the same ids for everything.
fn two_zones() -> (Vec<tempfile::TempDir>, Timetable) {
    let common = |lat: f64| {
        [
            ("stops.txt", format!("stop_id,stop_name,stop_lat,stop_lon\nX,First,{lat},-110.0\nY,Second,{},-110.0\n", lat + 0.05)),
            ("routes.txt", "route_id,agency_id,route_short_name,route_type\nR,A,1,3\n".into()),
            ("trips.txt", "route_id,service_id,trip_id\nR,S,T\n".into()),
            ("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nS,1,1,1,1,1,1,1,20211101,20211110\n".into()),
        ]
    };
    let den = tempfile::tempdir().unwrap();
    let phx = tempfile::tempdir().unwrap();
    // Denver: X 07:30 → Y 08:00. Phoenix: X 08:10 → Y 08:40. Denver's Y and Phoenix's X are
    // 150 m apart (0.05° north of Denver's X is Phoenix's X, minus 150 m).
    let mut d: Vec<(&str, String)> = common(35.0).to_vec();
    d.push(("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT,07:30:00,07:30:00,X,1\nT,08:00:00,08:00:00,Y,2\n".into()));
    let mut p: Vec<(&str, String)> = common(35.05 + 150.0 / 111_195.0).to_vec();
    p.push(("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT,08:10:00,08:10:00,X,1\nT,08:40:00,08:40:00,Y,2\n".into()));
    let as_ref = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(n, t)| (*n, t.clone())).collect::<Vec<_>>()
    };
    let d2 = as_ref(&d);
    let p2 = as_ref(&p);
    write_feed(
        den.path(),
        "America/Denver",
        &d2.iter().map(|(n, t)| (*n, t.as_str())).collect::<Vec<_>>(),
    );
    write_feed(
        phx.path(),
        "America/Phoenix",
        &p2.iter().map(|(n, t)| (*n, t.as_str())).collect::<Vec<_>>(),
    );
    let (rd, rp) = (read_raw(den.path()).unwrap(), read_raw(phx.path()).unwrap());
    let tt = compile_region(
        &[
            FeedInput {
                key: "den".into(),
                name: "den".into(),
                raw: &rd,
                content_hash: "1".repeat(64),
            },
            FeedInput {
                key: "phx".into(),
                name: "phx".into(),
                raw: &rp,
                content_hash: "2".repeat(64),
            },
        ],
        false,
    )
    .unwrap();
    (vec![den, phx], tt)
}

fn utc(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

#[test]
fn colliding_ids_stay_apart() {
    let (_d, tt) = two_zones();
    assert_eq!(tt.stops.len(), 4);
    assert_eq!(tt.routes.len(), 2);
    assert_eq!(tt.trips.len(), 2);
    assert_eq!(tt.service_ids, vec!["S".to_string(), "S".to_string()]);
    assert_eq!(tt.stops_with_id("X").len(), 2);
    let x = tt.find_stop_id("phx:X").unwrap();
    assert_eq!(tt.feed_of_stop(x).key, "phx");
    assert_eq!(
        tt.zones,
        vec!["America/Denver".to_string(), "America/Phoenix".to_string()]
    );
}

#[test]
fn a_change_between_time_zones_on_a_dst_day() {
    let (_d, tt) = two_zones();
    let plan = |kind, t: i64| query(&tt, kind, t, "den:X", "phx:Y", 0);
    // 2021-11-07: Denver has fallen back to MST (UTC−7), like Phoenix all year. Denver's 08:00
    // is 15:00 UTC; Phoenix's 08:10 is 15:10 UTC: a 10-minute change.
    let arrive = utc("2021-11-07T15:40:00Z");
    let j = plan(QueryKind::ArriveBy, arrive);
    assert_eq!(j.len(), 1, "{j:?}");
    assert_eq!(j[0].0, utc("2021-11-07T14:30:00Z"), "Denver 07:30 MST");
    assert_eq!(j[0].1, arrive, "Phoenix 08:40 MST");
    assert_eq!(j[0].2.len(), 2);
    assert_eq!(j[0].2[0].4, utc("2021-11-07T15:00:00Z"));
    assert_eq!(j[0].2[1].3, utc("2021-11-07T15:10:00Z"));
    // The day before, Denver is on MDT (UTC−6): its 07:30 is 13:30 UTC and the same change
    // waits 70 minutes.
    let j = plan(QueryKind::DepartAt, utc("2021-11-06T13:00:00Z"));
    assert_eq!(j[0].0, utc("2021-11-06T13:30:00Z"));
    assert_eq!(j[0].1, utc("2021-11-06T15:40:00Z"));
    assert_eq!(j[0].2[0].4, utc("2021-11-06T14:00:00Z"));
}

#[test]
fn the_same_key_twice_is_an_error() {
    let (_d, _) = two_zones();
    let dir = tempfile::tempdir().unwrap();
    unzip(&trimet(), dir.path());
    let raw = read_raw(dir.path()).unwrap();
    let e = compile_region(
        &[
            FeedInput {
                key: "x".into(),
                name: "one.zip".into(),
                raw: &raw,
                content_hash: "1".repeat(64),
            },
            FeedInput {
                key: "x".into(),
                name: "two.zip".into(),
                raw: &raw,
                content_hash: "2".repeat(64),
            },
        ],
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("two feeds have this key") && e.contains("one.zip") && e.contains("two.zip"),
        "{e}"
    );
}

#[test]
fn a_broken_feed_fails_the_region_unless_skipped() {
    let good = tempfile::tempdir().unwrap();
    unzip(&trimet(), good.path());
    let bad = tempfile::tempdir().unwrap();
    write_feed(
        bad.path(),
        "America/Denver",
        &[
            (
                "stops.txt",
                "stop_id,stop_name,stop_lat,stop_lon\nX,X,35,-110\n",
            ),
            ("routes.txt", "route_id,route_type\nR,3\n"),
            ("trips.txt", "route_id,service_id,trip_id\nR,S,T\n"),
            (
                "stop_times.txt",
                "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n",
            ),
        ],
    );
    let (rg, rb) = (
        read_raw(good.path()).unwrap(),
        read_raw(bad.path()).unwrap(),
    );
    let inputs = [
        FeedInput {
            key: "trimet".into(),
            name: "trimet.zip".into(),
            raw: &rg,
            content_hash: "1".repeat(64),
        },
        FeedInput {
            key: "broken".into(),
            name: "broken-feed".into(),
            raw: &rb,
            content_hash: "2".repeat(64),
        },
    ];
    let e = compile_region(&inputs, false).unwrap_err().to_string();
    assert!(e.contains("broken-feed"), "{e}");
    let tt = compile_region(&inputs, true).unwrap();
    assert_eq!(tt.feeds.len(), 1);
    assert!(
        tt.meta
            .warnings
            .iter()
            .any(|w| w.contains("feed broken left out")),
        "{:?}",
        tt.meta.warnings
    );
}

#[test]
fn region_counts_are_the_sum_of_the_feeds() {
    let f = split_fixture();
    let c = &f.split.meta.counts;
    let sum = |g: fn(&gethere::timetable::FeedCounts) -> usize| {
        f.split
            .feeds
            .iter()
            .map(|x| g(&x.meta.counts))
            .sum::<usize>()
    };
    assert_eq!(c.stop_times, sum(|c| c.stop_times));
    assert_eq!(c.trips_expanded, sum(|c| c.trips_expanded));
    assert_eq!(c.patterns, sum(|c| c.patterns));
    assert_eq!(c.stop_times, f.whole.meta.counts.stop_times);
}

// --- the command line ---------------------------------------------------------------------------

/// The binary with no feed of its own (the tests give several) and the bundled venues.
fn gethere_feeds() -> assert_cmd::Command {
    let mut c = bare(Path::new("/nonexistent-gethere-config-dir"));
    c.arg("--venues").arg(root().join("data/venues.toml"));
    c
}

/// A stop id in two feeds is ambiguous: the error names both `stop:<feed>:<id>` forms, and
/// either form plans.
#[test]
fn cli_ambiguous_stop_ids_name_the_feed_forms() {
    let t = trimet().display().to_string();
    let mut c = gethere_feeds();
    c.args(["--feed", &format!("a={t}"), "--feed", &format!("b={t}")]);
    c.args([
        "plan",
        "--from",
        "stop:8370",
        "--to",
        "stop:13123",
        "--arrive-by",
        "2021-11-02T17:30",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("stop:a:8370 or stop:b:8370"), "{err}");
    let mut c = gethere_feeds();
    c.args(["--feed", &format!("a={t}"), "--feed", &format!("b={t}")]);
    c.args([
        "plan",
        "--from",
        "stop:b:8370",
        "--to",
        "stop:b:13123",
        "--arrive-by",
        "2021-11-02T17:30",
        "--format",
        "json",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let leg = &v["itineraries"][0]["legs"][0];
    assert_eq!(leg["from"]["feed"], "b", "{leg}");
    assert_eq!(leg["from"]["stop_id"], "8370");
    assert_eq!(leg["route"]["feed"], "b");
    // One feed alone: no "feed" members (the JSON is as before).
    let (_, out, _) = gethere_args(&[
        "plan",
        "--from",
        "stop:8370",
        "--to",
        "stop:13123",
        "--arrive-by",
        "2021-11-02T17:30",
        "--format",
        "json",
    ]);
    assert!(!out.contains("\"feed\""), "{out}");
}

/// One broken feed among several: exit 2 naming it, or with --skip-broken-feeds an answer from
/// the others and a warning.
#[test]
fn cli_a_broken_feed_among_several() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.zip");
    std::fs::write(&broken, b"this is not a zip").unwrap();
    let t = trimet().display().to_string();
    let b = broken.display().to_string();
    let args = [
        "plan",
        "--from",
        "stop:8370",
        "--to",
        "stop:13123",
        "--arrive-by",
        "2021-11-02T17:30",
    ];
    let mut c = gethere_feeds();
    c.args(["--feed", &t, "--feed", &b]).args(args);
    let (code, out, err) = run(c);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("broken.zip"), "{err}");
    let mut c = gethere_feeds();
    c.args(["--feed", &t, "--feed", &b, "--skip-broken-feeds"])
        .args(args);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("MAX Green Line"), "{out}");
    assert!(
        err.contains("warning: feed broken left out (--skip-broken-feeds)"),
        "{err}"
    );
}

/// Two feeds whose file names give the same key must be told apart by the user.
#[test]
fn cli_two_feeds_with_one_key() {
    let t = trimet().display().to_string();
    let mut c = gethere_feeds();
    c.args(["--feed", &t, "--feed", &t, "feed", "info"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("trimet-2021-max-green-streetcar") && err.contains("KEY="),
        "{err}"
    );
}

/// The compiled region is cached under all the feeds' hashes, in any order: the second run
/// (feeds swapped) reads it.
#[test]
fn cli_region_cache_ignores_the_order() {
    let cache = tempfile::tempdir().unwrap();
    let t = trimet().display().to_string();
    let n = crate::common::fixture("overnight_trip")
        .display()
        .to_string();
    let run_with = |a: &str, b: &str| {
        let mut c = gethere_feeds();
        c.env("GETHERE_CACHE_DIR", cache.path());
        c.args(["--feed", a, "--feed", b, "feed", "info", "--format", "json"]);
        run(c)
    };
    let (code, _, err) = run_with(&format!("p={t}"), &format!("n={n}"));
    assert_eq!(code, 0, "{err}");
    let files = |p: &Path| {
        std::fs::read_dir(p.join("timetables"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let before = files(cache.path());
    let (code, _, err) = run_with(&format!("n={n}"), &format!("p={t}"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(files(cache.path()), before, "no second compiled copy");
}

/// The two-zone region on the command line: each time in the zone of its place (Denver's in
/// MDT the day before the fall-back, Phoenix's in MST), the arrive-by TIME read in the
/// destination's zone.
#[test]
fn cli_times_are_shown_in_the_zone_of_the_place() {
    let (dirs, _) = two_zones();
    let mut c = gethere_feeds();
    c.args(["--feed", &format!("den={}", dirs[0].path().display())]);
    c.args(["--feed", &format!("phx={}", dirs[1].path().display())]);
    c.args([
        "--streets",
        "none",
        "plan",
        "--from",
        "stop:den:X",
        "--to",
        "stop:phx:Y",
    ]);
    c.args(["--arrive-by", "2021-11-06T08:40", "--format", "json"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let it = &v["itineraries"][0];
    assert_eq!(it["departure"], "2021-11-06T07:30:00-06:00", "{it}");
    assert_eq!(it["arrival"], "2021-11-06T08:40:00-07:00", "{it}");
    assert_eq!(v["query"]["timezone"], "America/Phoenix");
    let legs = it["legs"].as_array().unwrap();
    assert_eq!(legs[0]["arrival"], "2021-11-06T08:00:00-06:00");
    assert_eq!(
        legs.last().unwrap()["departure"],
        "2021-11-06T08:10:00-07:00"
    );
}

/// A date inside one feed's service and outside another's: the answer comes from the first,
/// with a warning naming the other (plan and feed info).
#[test]
fn cli_a_date_valid_in_one_feed_only() {
    let (dirs, _) = two_zones();
    let t = trimet().display().to_string();
    let den = format!("den={}", dirs[0].path().display());
    let mut c = gethere_feeds();
    c.args(["--feed", &t, "--feed", &den, "--streets", "none"]);
    c.args([
        "plan",
        "--from",
        "stop:8370",
        "--to",
        "stop:13123",
        "--arrive-by",
        "2021-12-15T17:30",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("MAX Green Line"), "{out}");
    assert!(
        err.contains(
            "warning: feed den has no service on 2021-12-15 (it runs 2021-11-01 to 2021-11-10)"
        ),
        "{err}"
    );
    let mut c = gethere_feeds();
    c.args([
        "--feed",
        &t,
        "--feed",
        &den,
        "--now",
        "2021-12-15",
        "feed",
        "info",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("feeds: 2"), "{out}");
    assert!(
        out.contains("all feeds run: 2021-11-01 to 2021-11-10"),
        "{out}"
    );
    assert!(
        out.contains("feed den has no service on 2021-12-15"),
        "{out}"
    );
}

/// Realtime in a region: a source bound to a feed (`KEY=FILE`) updates that feed's trips only;
/// unbound, ids two feeds share are ambiguous and counted as unknown, never applied to both.
#[test]
fn cli_realtime_is_bound_to_its_feed() {
    let Some(d) = shared_data("caltrain-2023-11-rt") else {
        eprintln!("skipped: ../shared/data/caltrain-2023-11-rt is not here");
        return;
    };
    let zip = d.join("caltrain-2023-09.gtfs.zip").display().to_string();
    let tu = d.join("ct-trip-updates.pb").display().to_string();
    let plan = |rt: &str| {
        let mut c = gethere_feeds();
        c.args(["--feed", &format!("a={zip}"), "--feed", &format!("b={zip}")]);
        c.args(["--now", "2023-11-07T17:08-08:00", "--realtime", rt]);
        c.args([
            "plan",
            "--from",
            "stop:b:san_francisco",
            "--to",
            "stop:b:palo_alto",
        ]);
        c.args(["--depart-at", "2023-11-07T17:05", "--stats"]);
        run(c)
    };
    let (code, out, err) = plan(&format!("b={tu}"));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("17:05 (scheduled 17:04, +1 min)  board B7 Bullet"),
        "{out}"
    );
    let stats: serde_json::Value =
        serde_json::from_str(err.lines().find(|l| l.starts_with('{')).unwrap()).unwrap();
    assert_eq!(stats["realtime"]["applied"]["matched"], 19, "{err}");
    // Bound to the other copy: feed b's ride stays on its schedule.
    let (code, out, err) = plan(&format!("a={tu}"));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("scheduled 17:04"), "{out}");
    // Unbound: every trip id is in both copies, so nothing is applied.
    let (code, out, err) = plan(&tu);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("scheduled 17:04"), "{out}");
    let stats: serde_json::Value =
        serde_json::from_str(err.lines().find(|l| l.starts_with('{')).unwrap()).unwrap();
    assert_eq!(stats["realtime"]["applied"]["matched"], 0, "{err}");
}
