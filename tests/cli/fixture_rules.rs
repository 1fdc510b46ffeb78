//! The fixture feeds in tests/fixtures/<rule>/, one per GTFS rule, through the real binary.

use crate::common::{fixture, gethere_on, run};

/// (departure, arrival) of each itinerary of `gethere plan … --format json`.
fn plan(rule: &str, args: &[&str]) -> (i32, Vec<(String, String)>, serde_json::Value) {
    let mut c = gethere_on(fixture(rule));
    c.args(["plan", "--format", "json", "--walk-radius", "0"])
        .args(args);
    let (code, out, err) = run(c);
    let v: serde_json::Value = if out.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
    };
    let its = v["itineraries"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i["departure"].as_str().unwrap().to_string(),
                        i["arrival"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (code, its, v)
}

fn one(a: &str, b: &str) -> Vec<(String, String)> {
    vec![(a.into(), b.into())]
}

#[test]
fn overnight_trip() {
    let (code, its, _) = plan(
        "overnight_trip",
        &[
            "--from",
            "stop:S2",
            "--to",
            "stop:S3",
            "--depart-at",
            "2021-11-03T00:30",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        its,
        one("2021-11-03T00:40:00-07:00", "2021-11-03T01:10:00-07:00")
    );
}

#[test]
fn calendar_dates_only() {
    let (_, its, _) = plan(
        "calendar_dates_only",
        &[
            "--from",
            "stop:S1",
            "--to",
            "stop:S3",
            "--depart-at",
            "2021-11-03T11:00",
        ],
    );
    assert_eq!(
        its,
        one("2021-11-04T10:00:00-07:00", "2021-11-04T10:20:00-07:00")
    );
}

#[test]
fn removed_date() {
    let (_, its, _) = plan(
        "removed_date",
        &[
            "--from",
            "stop:S1",
            "--to",
            "stop:S3",
            "--arrive-by",
            "2021-11-11T09:00",
        ],
    );
    assert_eq!(
        its,
        one("2021-11-10T10:00:00-08:00", "2021-11-10T10:20:00-08:00")
    );
}

#[test]
fn dst_fall_back() {
    // GTFS 00:30 is 01:30 PDT, GTFS 01:30 is 01:30 PST, GTFS 02:30 is 02:30 PST. The night is
    // an hour longer: four real hours from 00:00 PDT end at 03:00 PST.
    let (_, its, _) = plan(
        "dst_fall_back",
        &[
            "--from",
            "stop:S1",
            "--to",
            "stop:S3",
            "--depart-at",
            "2021-11-07T00:00",
            "--window",
            "4h",
        ],
    );
    assert_eq!(
        its,
        vec![
            (
                "2021-11-07T01:30:00-07:00".into(),
                "2021-11-07T01:40:00-07:00".into()
            ),
            (
                "2021-11-07T01:30:00-08:00".into(),
                "2021-11-07T01:40:00-08:00".into()
            ),
            (
                "2021-11-07T02:30:00-08:00".into(),
                "2021-11-07T02:40:00-08:00".into()
            ),
        ]
    );
}

#[test]
fn dst_spring_forward() {
    // GTFS 00:30 is 23:30 PST the evening before, GTFS 01:30 is 00:30 PST, GTFS 02:30 is
    // 01:30 PST (noon minus 12h is 23:00 PST on the 13th).
    let (_, its, _) = plan(
        "dst_spring_forward",
        &[
            "--from",
            "stop:S1",
            "--to",
            "stop:S3",
            "--depart-at",
            "2021-03-13T23:00",
            "--window",
            "3h",
        ],
    );
    assert_eq!(
        its,
        vec![
            (
                "2021-03-13T23:30:00-08:00".into(),
                "2021-03-13T23:40:00-08:00".into()
            ),
            (
                "2021-03-14T00:30:00-08:00".into(),
                "2021-03-14T00:40:00-08:00".into()
            ),
            (
                "2021-03-14T01:30:00-08:00".into(),
                "2021-03-14T01:40:00-08:00".into()
            ),
        ]
    );
}

#[test]
fn frequency_trip() {
    let (_, its, v) = plan(
        "frequency_trip",
        &[
            "--from",
            "stop:S1",
            "--to",
            "stop:S3",
            "--depart-at",
            "2021-11-02T08:05",
        ],
    );
    assert_eq!(
        its,
        one("2021-11-02T08:10:00-07:00", "2021-11-02T08:17:00-07:00")
    );
    assert_eq!(v["itineraries"][0]["legs"][0]["headway_s"], 600);
    assert_eq!(v["itineraries"][0]["legs"][0]["approximate"], false);
    let mut c = gethere_on(fixture("frequency_trip"));
    c.args([
        "plan",
        "--from",
        "stop:S1",
        "--to",
        "stop:S3",
        "--depart-at",
        "2021-11-02T17:05",
    ]);
    let (_, out, _) = run(c);
    assert!(
        out.contains("(runs about every 15 min; times approximate)"),
        "{out}"
    );
    let mut c = gethere_on(fixture("frequency_trip"));
    c.args(["feed", "info", "--format", "json"]);
    let (_, out, _) = run(c);
    let info: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(info["counts"]["frequency_trips"], 2);
    assert_eq!(
        info["counts"]["trips_expanded"],
        6 + 4,
        "08:00–08:50 every 10 min, 17:00–17:45 every 15"
    );
}

/// stop_times are in the agency's zone whatever stop_timezone says (the instants do not move);
/// a time at a stop with its own zone is shown in that zone: S3 is in New York, so the 10:20
/// Pacific arrival reads 13:20-04:00.
#[test]
fn stop_timezone_moves_no_instant_and_shows_the_stops_zone() {
    let (_, its, _) = plan(
        "stop_timezone",
        &[
            "--from",
            "stop:S1",
            "--to",
            "stop:S3",
            "--depart-at",
            "2021-11-02T09:00",
        ],
    );
    assert_eq!(
        its,
        one("2021-11-02T10:00:00-07:00", "2021-11-02T13:20:00-04:00")
    );
}

#[test]
fn parent_station_means_all_platforms_and_lends_its_wheelchair_value() {
    let (_, its, _) = plan(
        "parent_station",
        &[
            "--from",
            "stop:STN",
            "--to",
            "stop:S3",
            "--arrive-by",
            "2021-11-02T11:00",
        ],
    );
    assert_eq!(
        its,
        one("2021-11-02T10:10:00-07:00", "2021-11-02T10:25:00-07:00")
    );
    // Platform 1 inherits the station's "accessible"; platform 2 says it is not.
    let (_, its, _) = plan(
        "parent_station",
        &[
            "--from",
            "Central Station",
            "--to",
            "stop:S3",
            "--arrive-by",
            "2021-11-02T11:00",
            "--wheelchair",
        ],
    );
    assert_eq!(
        its,
        one("2021-11-02T10:00:00-07:00", "2021-11-02T10:20:00-07:00")
    );
}

/// An intercity train (Empire Builder: West 16:40 → Spokane 27:45 → Middle 62:55) and a
/// connection (Lake Shore: Middle 21:30 → East 42:23), running on the nights of both DST
/// changes in America/Los_Angeles. A service day starts at noon minus 12 h (00:00 PST on
/// Saturday 13 March 2021, the change being the next night), so its 62:55 is Monday 15:55 PDT;
/// from Saturday 6 November (00:00 PDT) 62:55 is Monday 13:55 PST.
fn multi_day(args: &[&str]) -> (i32, Vec<(String, String)>, serde_json::Value) {
    plan("multi_day_train", args)
}

#[test]
fn two_day_journey_through_spring_forward() {
    let (code, its, _) = multi_day(&[
        "--from",
        "stop:W",
        "--to",
        "stop:M",
        "--depart-at",
        "2021-03-13T16:00",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        its,
        one("2021-03-13T16:40:00-08:00", "2021-03-15T15:55:00-07:00")
    );
}

#[test]
fn two_day_journey_through_fall_back() {
    let (code, its, _) = multi_day(&[
        "--from",
        "stop:W",
        "--to",
        "stop:M",
        "--depart-at",
        "2021-11-06T16:00",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        its,
        one("2021-11-06T16:40:00-07:00", "2021-11-08T13:55:00-08:00")
    );
}

#[test]
fn three_day_journey_with_a_change_both_ways() {
    // Depart-at: the horizon grows from a day to four before the train arrives.
    let (code, its, v) = multi_day(&[
        "--from",
        "stop:W",
        "--to",
        "stop:E",
        "--depart-at",
        "2021-03-13T16:00",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        its,
        one("2021-03-13T16:40:00-08:00", "2021-03-16T18:23:00-07:00")
    );
    // Arrive-by: backward, three days before the deadline.
    let (code, its, _) = multi_day(&[
        "--from",
        "stop:W",
        "--to",
        "stop:E",
        "--arrive-by",
        "2021-03-16T20:00",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        its,
        one("2021-03-13T16:40:00-08:00", "2021-03-16T18:23:00-07:00")
    );
    // A window finds it too (its horizon grows past the window the same way).
    let (code, its, _) = multi_day(&[
        "--from",
        "stop:W",
        "--to",
        "stop:E",
        "--arrive-by",
        "2021-03-16T20:00",
        "--window",
        "2h",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        its,
        one("2021-03-13T16:40:00-08:00", "2021-03-16T18:23:00-07:00")
    );
}

#[test]
fn max_duration_bounds_the_search_and_the_message_names_it() {
    let mut c = gethere_on(fixture("multi_day_train"));
    c.args([
        "plan",
        "--from",
        "stop:W",
        "--to",
        "stop:E",
        "--depart-at",
        "2021-03-13T16:00",
        "--max-duration",
        "3d",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "no journey from West to East leaves at or after 2021-03-13T16:00:00-08:00 \
             (arriving within 3 days after)"
        ),
        "{err}"
    );
    // 3 days 3 h is enough (the arrival is 3 days 2 h 23 min after 16:00).
    let (code, its, _) = multi_day(&[
        "--from",
        "stop:W",
        "--to",
        "stop:E",
        "--depart-at",
        "2021-03-13T16:00",
        "--max-duration",
        "75h",
    ]);
    assert_eq!(code, 0);
    assert_eq!(its.len(), 1);
    let mut c = gethere_on(fixture("multi_day_train"));
    c.args([
        "plan",
        "--from",
        "stop:W",
        "--to",
        "stop:M",
        "--arrive-by",
        "2021-03-15T18:00",
        "--max-duration",
        "36h",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1);
    assert!(
        err.contains("arrives by 2021-03-15T18:00:00-07:00 (leaving within 36 h before)"),
        "{err}"
    );
}

#[test]
fn without_a_bound_the_message_says_the_whole_service_was_searched() {
    // The last train leaves on 8 November and reaches Middle on the 10th: nothing on to East.
    // (From 16 March, the last March train, the search would go on to November.)
    let mut c = gethere_on(fixture("multi_day_train"));
    c.args([
        "plan",
        "--from",
        "stop:W",
        "--to",
        "stop:E",
        "--depart-at",
        "2021-11-08T12:00",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "leaves at or after 2021-11-08T12:00:00-08:00 (arriving as late as the feed's \
             service allows, by 2021-11-10T14:55:00-08:00)"
        ),
        "{err}"
    );
}

#[test]
fn max_duration_must_be_positive() {
    let mut c = gethere_on(fixture("multi_day_train"));
    c.args([
        "plan",
        "--from",
        "stop:W",
        "--to",
        "stop:E",
        "--depart-at",
        "2021-03-13T16:00",
        "--max-duration",
        "0m",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(err.contains("--max-duration"), "{err}");
}
