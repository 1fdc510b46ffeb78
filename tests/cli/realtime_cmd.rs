//! GTFS-Realtime: protobuf fixtures built here from the bundled TriMet feed (delays, a propagated
//! delay, a cancelled best option, a skipped transfer stop, an added trip, alerts), read from
//! files and from a server on 127.0.0.1; every failure falls back to the schedule; the real
//! Caltrain and TriMet messages in ../shared.

use super::common::*;
use gethere::realtime::proto::*;
use prost::Message;

/// 2021-11-02 17:00 PDT, the "now" of these tests.
const NOW: &str = "2021-11-02T17:00-07:00";
const NOW_TS: u64 = 1_635_897_600;
const GATEWAY: &str = "Gateway/NE 99th Ave TC MAX Station";
const OCC: &str = "Convention Center MAX Station";
/// The 17:03 Green Line from Gateway (trip 11134627), the best schedule answer.
const TRIP: &str = "11134627";

fn header(ts: u64) -> Option<FeedHeader> {
    Some(FeedHeader {
        gtfs_realtime_version: Some("2.0".into()),
        incrementality: Some(FULL_DATASET),
        timestamp: Some(ts),
    })
}

fn message(ts: u64, entity: Vec<FeedEntity>) -> Vec<u8> {
    FeedMessage {
        header: header(ts),
        entity,
    }
    .encode_to_vec()
}

fn trip_update(id: &str, trip: &str, rel: i32, stu: Vec<StopTimeUpdate>) -> FeedEntity {
    FeedEntity {
        id: Some(id.into()),
        trip_update: Some(TripUpdate {
            trip: Some(TripDescriptor {
                trip_id: Some(trip.into()),
                start_date: Some("20211102".into()),
                schedule_relationship: Some(rel),
                ..Default::default()
            }),
            stop_time_update: stu,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn at_stop(stop: &str, delay: i32) -> StopTimeUpdate {
    StopTimeUpdate {
        stop_id: Some(stop.into()),
        arrival: Some(StopTimeEvent {
            delay: Some(delay),
            time: None,
        }),
        ..Default::default()
    }
}

fn alert(
    id: &str,
    sel: EntitySelector,
    period: Option<(u64, u64)>,
    text: &str,
    url: &str,
) -> FeedEntity {
    let ts = |s: &str| {
        Some(TranslatedString {
            translation: vec![Translation {
                text: Some(s.into()),
                language: Some("en".into()),
            }],
        })
    };
    FeedEntity {
        id: Some(id.into()),
        alert: Some(Alert {
            active_period: period
                .map(|(a, b)| TimeRange {
                    start: Some(a),
                    end: Some(b),
                })
                .into_iter()
                .collect(),
            informed_entity: vec![sel],
            cause: Some(10),
            effect: Some(4),
            url: ts(url),
            header_text: ts(text),
            description_text: None,
        }),
        ..Default::default()
    }
}

fn write(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("rt.pb");
    std::fs::write(&p, bytes).expect("write");
    (d, p)
}

fn plan(rt: &[&str], extra: &[&str]) -> (i32, String, String) {
    let mut c = gethere();
    c.args(["--now", NOW]);
    for r in rt {
        c.args(["--realtime", r]);
    }
    c.args([
        "plan",
        "--from",
        GATEWAY,
        "--to",
        OCC,
        "--depart-at",
        "2021-11-02T17:00",
    ]);
    c.args(extra);
    run(c)
}

fn json_plan(rt: &[&str]) -> serde_json::Value {
    let mut c = gethere();
    c.args(["--now", NOW, "--format", "json"]);
    for r in rt {
        c.args(["--realtime", r]);
    }
    c.args([
        "plan",
        "--from",
        GATEWAY,
        "--to",
        OCC,
        "--depart-at",
        "2021-11-02T17:00",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("json")
}

/// Gateway's platform of the westbound Green Line (8370) and Convention Center (8376).
const GATEWAY_STOP: &str = "8370";

#[test]
fn a_delay_shows_both_times_and_propagates_downstream() {
    let (_d, f) = write(&message(
        NOW_TS,
        vec![trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 480)])],
    ));
    let f = f.to_str().unwrap();
    let (code, out, err) = plan(&[f], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("17:11 (scheduled 17:03, +8 min)  board MAX Green Line"),
        "{out}"
    );
    // No update at Convention Center: the delay propagated there.
    assert!(
        out.contains("17:24 (scheduled 17:16, +8 min)  alight at Convention Center"),
        "{out}"
    );
    let v = json_plan(&[f]);
    let leg = &v["itineraries"][0]["legs"][0];
    assert_eq!(leg["trip_id"], TRIP);
    assert_eq!(leg["realtime"], true);
    assert_eq!(leg["delay_s"], 480);
    assert_eq!(leg["scheduled_departure"], "2021-11-02T17:03:35-07:00");
    assert_eq!(leg["departure"], "2021-11-02T17:11:35-07:00");
}

#[test]
fn a_delay_upstream_by_stop_sequence_reaches_the_rider_not_the_stops_before() {
    // The trip's first stop (Clackamas) by stop_sequence, +5 min: Gateway is downstream.
    let (tt, _) = gethere::timetable::cache::load_or_compile(&trimet(), &cache_dir()).unwrap();
    let t = tt
        .trips
        .iter()
        .position(|t| tt.trip_strings.get(t.id) == TRIP)
        .unwrap();
    let p = tt.pattern_of(gethere::timetable::TripIdx(t as u32));
    let seq0 = tt
        .stop_seqs
        .seq_of(t, p.num_stops as usize, 0)
        .expect("the bundled feed keeps stop_sequence");
    let e = trip_update(
        "1",
        TRIP,
        0,
        vec![StopTimeUpdate {
            stop_sequence: Some(seq0),
            departure: Some(StopTimeEvent {
                delay: Some(300),
                time: None,
            }),
            ..Default::default()
        }],
    );
    let (_d, f) = write(&message(NOW_TS, vec![e]));
    let v = json_plan(&[f.to_str().unwrap()]);
    let leg = &v["itineraries"][0]["legs"][0];
    assert_eq!(leg["trip_id"], TRIP, "{v}");
    assert_eq!(leg["departure"], "2021-11-02T17:08:35-07:00");
    assert_eq!(leg["delay_s"], 300);
}

#[test]
fn a_cancelled_best_option_is_never_suggested_and_is_named() {
    let (_d, f) = write(&message(NOW_TS, vec![trip_update("1", TRIP, 3, vec![])]));
    let f = f.to_str().unwrap();
    let (code, out, err) = plan(&[f], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("17:18  board MAX Green Line"), "{out}");
    assert!(
        out.contains("cancelled: the 17:03 MAX Green Line from Gateway"),
        "{out}"
    );
    let v = json_plan(&[f]);
    assert_eq!(v["cancelled"][0]["trip_id"], TRIP);
    assert_eq!(v["cancelled"][0]["reason"], "cancelled");
    for it in v["itineraries"].as_array().unwrap() {
        for l in it["legs"].as_array().unwrap() {
            assert_ne!(l["trip_id"], TRIP);
        }
    }
    // The next trip runs on schedule: realtime false, its scheduled times equal.
    let leg = &v["itineraries"][0]["legs"][0];
    assert_eq!(leg["realtime"], false);
    assert_eq!(leg["scheduled_departure"], leg["departure"]);
}

#[test]
fn a_skipped_transfer_stop_moves_the_change() {
    let args = |rt: Option<&str>| {
        let mut c = gethere();
        c.args(["--now", NOW]);
        if let Some(r) = rt {
            c.args(["--realtime", r]);
        }
        c.args([
            "plan",
            "--from",
            GATEWAY,
            "--to",
            "NW 23rd & Marshall",
            "--depart-at",
            "2021-11-02T17:00",
        ]);
        run(c)
    };
    let (_, before, _) = args(None);
    assert!(
        before.contains("alight at Pioneer Place/SW 5th Ave MAX Station"),
        "{before}"
    );
    let tt = gethere::timetable::cache::load_or_compile(&trimet(), &cache_dir())
        .unwrap()
        .0;
    let pioneer = tt
        .stops
        .iter()
        .find(|s| s.name == "Pioneer Place/SW 5th Ave MAX Station")
        .unwrap()
        .id
        .clone();
    let skip = StopTimeUpdate {
        stop_id: Some(pioneer),
        schedule_relationship: Some(stop_rel::SKIPPED),
        ..Default::default()
    };
    let (_d, f) = write(&message(
        NOW_TS,
        vec![trip_update("1", TRIP, 0, vec![skip])],
    ));
    let (code, out, err) = args(Some(f.to_str().unwrap()));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("17:03  board"), "{out}");
    assert!(!out.contains("17:27  alight at Pioneer Place"), "{out}");
    assert!(out.contains("skipped: the 17:03 MAX Green Line"), "{out}");
}

#[test]
fn an_added_trip_becomes_a_riding_option() {
    let base = NOW_TS as i64; // 17:00 PDT
    let ev = |t: i64| {
        Some(StopTimeEvent {
            delay: None,
            time: Some(t),
        })
    };
    let e = FeedEntity {
        id: Some("extra".into()),
        trip_update: Some(TripUpdate {
            trip: Some(TripDescriptor {
                trip_id: Some("extra-green-1".into()),
                route_id: Some("200".into()),
                start_date: Some("20211102".into()),
                schedule_relationship: Some(trip_rel::ADDED),
                ..Default::default()
            }),
            stop_time_update: vec![
                StopTimeUpdate {
                    stop_id: Some(GATEWAY_STOP.into()),
                    arrival: ev(base + 60),
                    departure: ev(base + 60),
                    ..Default::default()
                },
                StopTimeUpdate {
                    stop_id: Some("8376".into()),
                    arrival: ev(base + 600),
                    departure: ev(base + 600),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }),
        ..Default::default()
    };
    let (_d, f) = write(&message(NOW_TS, vec![e]));
    let v = json_plan(&[f.to_str().unwrap()]);
    let leg = &v["itineraries"][0]["legs"][0];
    assert_eq!(leg["trip_id"], "extra-green-1", "{v}");
    assert_eq!(leg["departure"], "2021-11-02T17:01:00-07:00");
    assert_eq!(leg["arrival"], "2021-11-02T17:10:00-07:00");
    assert_eq!(leg["realtime"], true);
    assert!(leg.get("scheduled_departure").is_none());
}

#[test]
fn alerts_match_route_stop_and_date_range() {
    // Green Line detour from 2021-11-01 to 2021-11-05; a stop alert on Convention Center.
    let green = EntitySelector {
        route_id: Some("200".into()),
        ..Default::default()
    };
    let stop = EntitySelector {
        stop_id: Some("8376".into()),
        ..Default::default()
    };
    let alerts = || {
        vec![
            alert(
                "a1",
                green.clone(),
                Some((1_635_750_000, 1_636_120_000)),
                "Green Line: shuttle buses between Gateway and Rose Quarter",
                "https://trimet.org/alerts/green",
            ),
            alert(
                "a2",
                stop.clone(),
                None,
                "Elevator out of service",
                "javascript:alert(1)",
            ),
        ]
    };
    let (_d, f) = write(&message(NOW_TS, alerts()));
    let f = f.to_str().unwrap();
    let (code, out, err) = plan(&[f], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("! DETOUR: Green Line: shuttle buses between Gateway and Rose Quarter (https://trimet.org/alerts/green)"),
        "{out}"
    );
    assert!(out.contains("! DETOUR: Elevator out of service\n"), "{out}");
    assert!(!out.contains("javascript"), "{out}");
    // Outside the date range (a message of 2021-11-10 17:00 PST) only the open-ended stop
    // alert applies.
    let (_d2, f2) = write(&message(NOW_TS + 8 * 86400 + 3600, alerts()));
    let mut c = gethere();
    c.args([
        "--now",
        "2021-11-10T17:00-08:00",
        "--realtime",
        f2.to_str().unwrap(),
        "plan",
        "--from",
        GATEWAY,
        "--to",
        OCC,
        "--depart-at",
        "2021-11-10T17:00",
    ]);
    let (code, later, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(!later.contains("shuttle buses"), "{later}");
    assert!(later.contains("Elevator out of service"), "{later}");
}

#[test]
fn hostile_alert_text_is_inert() {
    let sel = EntitySelector {
        route_id: Some("200".into()),
        ..Default::default()
    };
    let evil = format!(
        "<script>alert(1)</script>\r\nBEGIN:VEVENT\r\n<img src=x onerror=alert(2)> {}",
        "x".repeat(5000)
    );
    let (_d, f) = write(&message(
        NOW_TS,
        vec![alert(
            "evil",
            sel,
            None,
            &evil,
            "https://ok.example/\"onmouseover=x",
        )],
    ));
    let (code, out, _) = plan(&[f.to_str().unwrap()], &[]);
    assert_eq!(code, 0);
    let line = out.lines().find(|l| l.contains("! DETOUR")).expect(&out);
    assert!(!line.contains('\r'));
    assert!(line.chars().count() < 220, "bounded: {line}");
    assert!(!out.contains("BEGIN:VEVENT\n"), "{out}");
    assert!(!out.contains("onmouseover"), "unsafe URL dropped: {out}");
}

/// Every way a source can fail: exit 0, the schedule's answer, one warning line.
#[test]
fn failures_fall_back_to_the_schedule_with_one_warning() {
    let good = message(
        NOW_TS,
        vec![trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 480)])],
    );
    let stale = message(
        NOW_TS - 3600,
        vec![trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 480)])],
    );
    let mut differential = FeedMessage::decode(good.as_slice()).unwrap();
    differential.header.as_mut().unwrap().incrementality = Some(1);
    let replies = vec![
        Reply::Status(404, "not found".into()),
        Reply::Status(500, "oops".into()),
        Reply::Body(b"<html>not protobuf</html>".to_vec(), None),
        Reply::Truncated(good[..good.len() / 2].to_vec(), good.len()),
        Reply::Body(stale, None),
        Reply::Body(differential.encode_to_vec(), None),
        Reply::Body(good[..good.len() - 3].to_vec(), None),
        Reply::Hang,
    ];
    let n = replies.len();
    let (url, _log) = serve_replies(replies);
    for i in 0..n {
        let (code, out, err) = plan(&[&format!("{url}/tu.pb")], &["--realtime-timeout", "1"]);
        let _ = i;
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("17:03  board MAX Green Line"),
            "case {i}: {out}"
        );
        let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning")).collect();
        assert_eq!(warnings.len(), 1, "case {i}: {err}");
        assert!(warnings[0].contains("answering from the schedule"), "{err}");
    }
    // A file that does not exist is the same.
    let (code, out, err) = plan(&["/nonexistent/rt.pb"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("17:03  board"), "{out}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("warning")).count(),
        1,
        "{err}"
    );
}

#[test]
fn a_url_source_is_applied() {
    let good = message(
        NOW_TS,
        vec![trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 480)])],
    );
    let (url, log) = serve_replies(vec![Reply::Body(good, None)]);
    let (code, out, err) = plan(&[&format!("{url}/tu.pb")], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(scheduled 17:03, +8 min)"), "{out}");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn unknown_trips_and_stops_are_counted_not_fatal() {
    let (_d, f) = write(&message(
        NOW_TS,
        vec![
            trip_update("1", "no-such-trip", 0, vec![]),
            trip_update("2", TRIP, 0, vec![at_stop("no-such-stop", 60)]),
        ],
    ));
    let (code, out, err) = plan(&[f.to_str().unwrap()], &["--stats"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("17:03"), "{out}");
    assert!(
        err.contains("1 of 2 trip updates name trips the static feed does not schedule"),
        "{err}"
    );
    let stats: serde_json::Value =
        serde_json::from_str(err.lines().find(|l| l.starts_with('{')).unwrap()).unwrap();
    assert_eq!(stats["realtime"]["applied"]["unknown_trips"], 1);
    assert_eq!(stats["realtime"]["applied"]["unknown_stops"], 1);
    assert_eq!(stats["realtime"]["applied"]["matched"], 1);
}

#[test]
fn caltrain_real_trip_updates_resolve_and_change_the_answer() {
    let Some(d) = shared_data("caltrain-2023-11-rt") else {
        return;
    };
    let mut c = gethere_on(d.join("caltrain-2023-09.gtfs.zip"));
    c.args(["--now", "2023-11-07T17:08-08:00"]);
    for f in [
        "ct-trip-updates.pb",
        "ct-service-alerts.pb",
        "ct-vehicle-positions.pb",
    ] {
        c.arg("--realtime").arg(d.join(f));
    }
    c.args([
        "plan",
        "--from",
        "stop:san_francisco",
        "--to",
        "stop:palo_alto",
        "--depart-at",
        "2023-11-07T17:05",
        "--stats",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    // Scheduled 17:04, running a minute late: catchable at 17:05 (the schedule says 17:10).
    assert!(
        out.contains("17:05 (scheduled 17:04, +1 min)  board B7 Bullet"),
        "{out}"
    );
    assert!(!err.contains("warning"), "{err}");
    let stats: serde_json::Value =
        serde_json::from_str(err.lines().find(|l| l.starts_with('{')).unwrap()).unwrap();
    assert_eq!(stats["realtime"]["applied"]["matched"], 19);
    assert_eq!(stats["realtime"]["applied"]["unknown_trips"], 0);
    assert_eq!(stats["realtime"]["applied"]["unknown_stops"], 0);
    assert_eq!(stats["realtime"]["sources"][2]["vehicle_positions"], 14);
}

#[test]
fn trimet_2017_updates_without_schedules_are_counted() {
    let Some(d) = shared_data("trimet-2017-11-rt") else {
        return;
    };
    let mut c = gethere_on(d.join("trimet-2017-10-truncated.gtfs.zip"));
    // Straight-line walking: along the bundled street map the two stops are within a walk,
    // which would answer on foot; this test is about the transit side.
    c.args([
        "--streets",
        "none",
        "--now",
        "2017-11-22T15:40-08:00",
        "--realtime",
    ])
    .arg(d.join("trimet-2017-11-22-trip-updates.pb"))
    .args([
        "plan",
        "--from",
        "stop:13170",
        "--to",
        "stop:7631",
        "--depart-at",
        "2017-11-22T06:00",
        "--stats",
    ]);
    let (code, _, err) = run(c);
    // The truncated static feed's 7 trips do not serve these stops that day: no journey (1),
    // never an error (2).
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("818 of 818 trip updates name trips the static feed does not schedule"),
        "{err}"
    );
}

/// Hostile alerts reach every announcement format inert: HTML escaped (no tag, no handler,
/// only the https link), markdown escaped, ICS with one VEVENT, and bounded in length.
#[test]
fn announce_shows_alerts_in_every_format_and_hostile_text_is_inert() {
    let green = EntitySelector {
        route_id: Some("200".into()),
        ..Default::default()
    };
    let evil = format!(
        "<script>alert(1)</script>\r\nBEGIN:VEVENT\r\nSUMMARY:pwned\r\n<img src=x onerror=alert(2)> **bold** [x](javascript:alert(3)) {}",
        "y".repeat(3000)
    );
    let (_d, f) = write(&message(
        NOW_TS,
        vec![
            alert("a-evil", green.clone(), None, &evil, "javascript:alert(4)"),
            alert(
                "b-ok",
                green,
                Some((NOW_TS - 3600, NOW_TS + 6 * 3600)),
                "Green Line trains every 20 minutes tonight",
                "https://trimet.org/alerts",
            ),
        ],
    ));
    let f = f.to_str().unwrap();
    let announce = |format: &str| {
        let mut c = gethere();
        c.args(["--now", NOW, "--realtime", f, "--format", format]);
        c.args([
            "announce",
            "--venue",
            "new-relic",
            "--start",
            "2021-11-02T17:30",
            "--end",
            "2021-11-02T19:30",
        ]);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{err}");
        out
    };
    let html = announce("html");
    assert!(html.contains("Service alerts"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("javascript:alert(4)"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(
        html.contains(
            "<a href=\"https://trimet.org/alerts\" rel=\"nofollow noopener\">details</a>"
        ),
        "{html}"
    );
    assert!(!html.contains(&"y".repeat(700)), "bounded");
    let md = announce("markdown");
    assert!(
        md.contains("### Service alerts") || md.contains("Service alerts"),
        "{md}"
    );
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.contains("[x](javascript"), "{md}");
    assert!(
        md.contains("**DETOUR**: Green Line trains every 20 minutes tonight"),
        "{md}"
    );
    let ics = announce("ics");
    assert_eq!(
        ics.lines()
            .filter(|l| l.starts_with("BEGIN:VEVENT"))
            .count(),
        1,
        "{ics}"
    );
    assert!(
        !ics.lines().any(|l| l.starts_with("SUMMARY:pwned")),
        "{ics}"
    );
    let json: serde_json::Value = serde_json::from_str(&announce("json")).unwrap();
    assert_eq!(json["alerts"].as_array().map(Vec::len), Some(2), "{json}");
    assert!(
        json["alerts"][0].get("url").is_none(),
        "javascript: URL dropped"
    );
}

#[test]
fn stops_show_alerts_of_the_stop_and_its_lines() {
    let stop = EntitySelector {
        stop_id: Some("8376".into()),
        ..Default::default()
    };
    let (_d, f) = write(&message(
        NOW_TS,
        vec![alert(
            "s",
            stop,
            None,
            "Elevator out of service",
            "https://trimet.org/e",
        )],
    ));
    let mut c = gethere();
    c.args(["--now", NOW, "--realtime", f.to_str().unwrap()]);
    c.args(["stops", "--near", "stop:8376", "--radius", "50"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("! DETOUR: Elevator out of service (https://trimet.org/e)"),
        "{out}"
    );
}

#[test]
fn feed_info_reports_realtime_sources() {
    let (_d, f) = write(&message(
        NOW_TS,
        vec![
            trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 60)]),
            trip_update("2", "nope", 0, vec![]),
        ],
    ));
    let mut c = gethere();
    c.args([
        "--now",
        NOW,
        "--realtime",
        f.to_str().unwrap(),
        "feed",
        "info",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("header 2021-11-03T00:00:00Z, 2 trip updates, 0 vehicle positions, 0 alerts"),
        "{out}"
    );
    assert!(
        out.contains("realtime applied: 1 of 2 trip updates matched"),
        "{out}"
    );
    assert!(out.contains("unknown: 1 trips"), "{out}");
}

/// A URL is asked again on every run, conditionally: the second run sends the ETag it got
/// and a 304 serves the same message (still judged by its header time).
#[test]
fn a_url_is_revalidated_with_its_etag() {
    let good = message(
        NOW_TS,
        vec![trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 480)])],
    );
    let (url, log) = serve_replies(vec![
        Reply::Body(good, Some("\"v1\"".into())),
        Reply::NotModified,
    ]);
    let u = format!("{url}/etag-tu.pb");
    for _ in 0..2 {
        let (code, out, err) = plan(&[&u], &[]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("(scheduled 17:03, +8 min)"), "{out}");
        assert!(!err.contains("warning"), "{err}");
    }
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 2);
    assert!(
        !log[0].to_ascii_lowercase().contains("if-none-match"),
        "{}",
        log[0]
    );
    assert!(
        log[1]
            .to_ascii_lowercase()
            .contains("if-none-match: \"v1\""),
        "{}",
        log[1]
    );
}

/// What a rider reads with a delay, a cancelled later option and an alert on the line.
#[test]
fn plan_text_with_realtime_snapshot() {
    let green = EntitySelector {
        route_id: Some("200".into()),
        ..Default::default()
    };
    let (_d, f) = write(&message(
        NOW_TS,
        vec![
            trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 480)]),
            alert(
                "a1",
                green,
                Some((1_635_750_000, 1_636_120_000)),
                "Green Line: shuttle buses between Gateway and Rose Quarter",
                "https://trimet.org/alerts/green",
            ),
        ],
    ));
    let (code, out, err) = plan(&[f.to_str().unwrap()], &["--window", "30m"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("plan_realtime_delay_alert", out);
}

#[test]
fn stops_departures_show_realtime_times() {
    let (_d, f) = write(&message(
        NOW_TS,
        vec![trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 480)])],
    ));
    let mut c = gethere();
    c.args(["--now", NOW, "--realtime", f.to_str().unwrap()]);
    c.args([
        "stops",
        "--near",
        "stop:8370",
        "--radius",
        "30",
        "--at",
        "2021-11-02T17:00",
        "--window",
        "20m",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("17:11 (scheduled 17:03, +8 min)  MAX Green Line"),
        "{out}"
    );
    assert!(!out.contains("    17:03  MAX Green Line"), "{out}");
}

/// The translation is the one of --lang, else of the feed's feed_lang (TriMet: en).
#[test]
fn alert_translation_by_lang_then_feed_language() {
    let e = FeedEntity {
        id: Some("t".into()),
        alert: Some(Alert {
            informed_entity: vec![EntitySelector {
                route_id: Some("200".into()),
                ..Default::default()
            }],
            header_text: Some(TranslatedString {
                translation: vec![
                    Translation {
                        text: Some("Retrasos en la Línea Verde".into()),
                        language: Some("es".into()),
                    },
                    Translation {
                        text: Some("Green Line delays".into()),
                        language: Some("en".into()),
                    },
                ],
            }),
            effect: Some(3),
            ..Default::default()
        }),
        ..Default::default()
    };
    let (_d, f) = write(&message(NOW_TS, vec![e]));
    let f = f.to_str().unwrap();
    let (_, out, _) = plan(&[f], &[]);
    assert!(
        out.contains("! SIGNIFICANT DELAYS: Green Line delays"),
        "{out}"
    );
    let mut c = gethere();
    c.args(["--now", NOW, "--lang", "es", "--realtime", f]);
    c.args([
        "plan",
        "--from",
        GATEWAY,
        "--to",
        OCC,
        "--depart-at",
        "2021-11-02T17:00",
    ]);
    let (_, es, _) = run(c);
    assert!(
        es.contains("! SIGNIFICANT DELAYS: Retrasos en la Línea Verde"),
        "{es}"
    );
}

/// GETHERE_REALTIME takes several sources separated by commas; the venues file's
/// `[realtime] sources` is used when neither it nor --realtime is given.
#[test]
fn sources_from_the_environment_and_the_venues_file() {
    let (_d1, tu) = write(&message(
        NOW_TS,
        vec![trip_update("1", TRIP, 0, vec![at_stop(GATEWAY_STOP, 480)])],
    ));
    let green = EntitySelector {
        route_id: Some("200".into()),
        ..Default::default()
    };
    let (_d2, al) = write(&message(
        NOW_TS,
        vec![alert(
            "a",
            green,
            None,
            "Green Line note",
            "https://trimet.org/x",
        )],
    ));
    let args = [
        "--now",
        NOW,
        "plan",
        "--from",
        GATEWAY,
        "--to",
        OCC,
        "--depart-at",
        "2021-11-02T17:00",
    ];
    let mut c = gethere();
    c.env(
        "GETHERE_REALTIME",
        format!("{},{}", tu.display(), al.display()),
    );
    c.args(args);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(scheduled 17:03, +8 min)"), "{out}");
    assert!(out.contains("! DETOUR: Green Line note"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let venues = dir.path().join("venues.toml");
    std::fs::write(
        &venues,
        format!(
            "[realtime]\nsources = [{:?}]\n\n[venues.x]\nname = \"X\"\nlat = 45.5\nlon = -122.6\n",
            tu.display().to_string()
        ),
    )
    .unwrap();
    let mut c = assert_cmd::Command::cargo_bin("gethere").unwrap();
    c.env_remove("GETHERE_REALTIME")
        .env("GETHERE_CACHE_DIR", cache_dir())
        .arg("--feed")
        .arg(trimet())
        .arg("--venues")
        .arg(&venues)
        .args(args);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(scheduled 17:03, +8 min)"), "{out}");
}
