//! `gethere plan` on the bundled TriMet feed: journeys hand-checked against the raw CSV
//! (with a separate Python reading of stop_times.txt and calendar_dates.txt), the 2021-11-07
//! fall-back night, and the exit codes a user relies on.

use crate::common::gethere_args;

#[test]
fn gateway_to_oregon_convention_center_by_1730() {
    // Hand-checked: the MAX Green Line trip leaving Gateway 17:03 reaches the Convention
    // Center at 17:16; the next one (17:18) would arrive 17:31.
    let (code, out, _) = gethere_args(&[
        "plan",
        "--from",
        "stop:landmark-135",
        "--to",
        "oregon-convention-center",
        "--arrive-by",
        "2021-11-02T17:30",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("17:03  board MAX Green Line towards City Center/PSU at Gateway"),
        "{out}"
    );
    assert!(
        out.contains("17:16  alight at Convention Center MAX Station"),
        "{out}"
    );
    insta::assert_snapshot!("plan_gateway_to_occ", out);
}

#[test]
fn streetcar_from_nw_23rd_to_the_art_museum() {
    // Hand-checked: Streetcar NS Line southbound leaves NW 23rd & Marshall 09:24 (Saturday),
    // at SW 11th & Jefferson 09:40; the 09:44 would be too late for 10:00 with the walk.
    let (code, out, _) = gethere_args(&[
        "plan",
        "--from",
        "nw-23rd",
        "--to",
        "portland-art-museum",
        "--arrive-by",
        "2021-11-06T10:00",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("09:24  board Portland Streetcar - NS Line towards South Waterfront"),
        "{out}"
    );
    insta::assert_snapshot!("plan_nw23rd_to_art_museum", out);
}

// The fall-back night. Saturday-service trips at GTFS 25:02:30 and 25:18:00 run at 01:02 and
// 01:18 *PDT* (the first 01:00 hour); nothing runs in the second (PST) hour; Sunday service
// starts at 07:12 from PSU South.

#[test]
fn fall_back_first_0100_takes_the_saturday_trip_past_midnight() {
    let (code, out, _) = gethere_args(&[
        "plan",
        "--from",
        "stop:10293",
        "--to",
        "Rose Quarter TC MAX Station",
        "--depart-at",
        "2021-11-07T01:00",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let it = &v["itineraries"][0];
    assert_eq!(it["departure"], "2021-11-07T01:02:30-07:00");
    assert_eq!(it["arrival"], "2021-11-07T01:17:35-07:00");
    assert_eq!(it["legs"][0]["trip_id"], "11134361");
}

#[test]
fn fall_back_second_0100_has_nothing_until_sunday_morning() {
    let (code, out, _) = gethere_args(&[
        "plan",
        "--from",
        "stop:10293",
        "--to",
        "Rose Quarter TC MAX Station",
        "--depart-at",
        "2021-11-07T01:00-08:00",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Hand-checked: Sunday trip 11134365 leaves PSU South 07:12:00, Rose Quarter 07:27:05.
    assert_eq!(
        v["itineraries"][0]["departure"], "2021-11-07T07:12:00-08:00",
        "{out}"
    );
    assert_eq!(
        v["itineraries"][0]["arrival"], "2021-11-07T07:27:05-08:00",
        "{out}"
    );
}

#[test]
fn fall_back_arrive_by_distinguishes_the_two_0130s() {
    // By 01:30 PDT: the 01:02 PDT trip (arrives 01:17 PDT). By 01:30 PST, an hour later: the
    // 01:18 PDT trip (arrives 01:33 PDT, before 01:30 PST).
    let (_, first, _) = gethere_args(&[
        "plan",
        "--from",
        "stop:10293",
        "--to",
        "Rose Quarter TC MAX Station",
        "--arrive-by",
        "2021-11-07T01:30",
    ]);
    assert!(
        first.contains("leave 01:02 PDT, arrive 01:17 PDT"),
        "{first}"
    );
    let (_, second, _) = gethere_args(&[
        "plan",
        "--from",
        "stop:10293",
        "--to",
        "Rose Quarter TC MAX Station",
        "--arrive-by",
        "2021-11-07T01:30-08:00",
    ]);
    assert!(second.contains("Arrive by 01:30 PST"), "{second}");
    assert!(
        second.contains("leave 01:18 PDT, arrive 01:33 PDT"),
        "{second}"
    );
    insta::assert_snapshot!("plan_fall_back_second_0130", second);
}

#[test]
fn window_with_no_departure_says_when_the_next_one_is() {
    let (code, _, err) = gethere_args(&[
        "plan",
        "--from",
        "stop:landmark-119",
        "--to",
        "stop:landmark-135",
        "--depart-at",
        "2021-11-07T00:30",
        "--window",
        "2h",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the next journey leaves 2021-11-07T07:29:05-08:00"),
        "{err}"
    );
}

#[test]
fn errors_exit_2_with_one_line() {
    for (args, needle) in [
        (
            vec![
                "--from",
                "stop:nope",
                "--to",
                "stop:8370",
                "--arrive-by",
                "2021-11-02T17:30",
            ],
            "unknown stop 'nope'",
        ),
        (
            vec![
                "--from",
                "stop:8370",
                "--to",
                "new-relic",
                "--arrive-by",
                "2031-01-05T10:00",
            ],
            "outside the feed's service (2021-10-17 to 2022-01-08)",
        ),
        (
            vec![
                "--from",
                "stop:8370",
                "--to",
                "new-relic",
                "--arrive-by",
                "2021-02-30T10:00",
            ],
            "not a calendar date",
        ),
        (
            vec![
                "--from",
                "stop:8370",
                "--to",
                "new-relic",
                "--arrive-by",
                "2021-03-14T02:30",
            ],
            "does not exist in America/Los_Angeles",
        ),
        (
            vec![
                "--from",
                "stop:8370",
                "--to",
                "new-relic",
                "--arrive-by",
                "tomorrow",
            ],
            "expected YYYY-MM-DDTHH:MM",
        ),
        (
            vec![
                "--from",
                "Convention",
                "--to",
                "new-relic",
                "--depart-at",
                "2021-11-02T10:00",
                "--window=-5m",
            ],
            "duration",
        ),
        (
            vec![
                "--from",
                "stop:8370",
                "--to",
                "new-relic",
                "--arrive-by",
                "2021-11-02T17:30",
                "--walk-radius",
                "5000",
            ],
            "at most 1000",
        ),
        (
            vec![
                "--from",
                "MAX",
                "--to",
                "new-relic",
                "--arrive-by",
                "2021-11-02T17:30",
            ],
            "matches several stops",
        ),
        (
            vec![
                "--from",
                "1 Main St",
                "--to",
                "new-relic",
                "--arrive-by",
                "2021-11-02T17:30",
            ],
            "configure a Nominatim-compatible geocoder",
        ),
    ] {
        let mut a = vec!["plan"];
        a.extend(args.iter());
        let (code, out, err) = gethere_args(&a);
        assert_eq!(code, 2, "{a:?}: {err}");
        assert!(out.is_empty(), "{a:?}");
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{a:?}: {err}"
        );
        assert!(err.contains(needle), "{a:?}: expected {needle:?} in {err}");
    }
}

#[test]
fn json_is_the_documented_shape() {
    let (code, out, _) = gethere_args(&[
        "plan",
        "--from",
        "45.52893,-122.67646",
        "--to",
        "new-relic",
        "--arrive-by",
        "2021-11-02T17:30",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["query"]["kind"], "arrive-by");
    assert_eq!(v["query"]["from"]["stop_id"], serde_json::Value::Null);
    let it = &v["itineraries"][0];
    for k in [
        "departure",
        "arrival",
        "duration_s",
        "transfers",
        "walk_s",
        "legs",
    ] {
        assert!(!it[k].is_null(), "missing {k}");
    }
    let legs = it["legs"].as_array().unwrap();
    assert_eq!(legs[0]["mode"], "walk");
    assert!(legs[0]["distance_m"].as_u64().is_some());
    let t = legs.iter().find(|l| l["mode"] == "transit").unwrap();
    for k in ["route", "trip_id", "headsign", "intermediate_stops"] {
        assert!(!t[k].is_null(), "missing {k}");
    }
    assert_eq!(t["route"]["long_name"], "MAX Green Line");
}

#[test]
fn stats_is_one_json_line_on_stderr() {
    let (code, _, err) = gethere_args(&[
        "plan",
        "--from",
        "stop:landmark-135",
        "--to",
        "stop:landmark-119",
        "--arrive-by",
        "2021-11-02T17:30",
        "--stats",
    ]);
    assert_eq!(code, 0);
    let line = err
        .lines()
        .find(|l| l.starts_with('{'))
        .expect("a JSON line");
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    for k in [
        "load_ms",
        "search_ms",
        "rounds",
        "patterns_scanned",
        "from_cache",
    ] {
        assert!(!v[k].is_null(), "missing {k}");
    }
}

#[test]
fn streetcar_stays_on_board_through_the_nw_23rd_loop() {
    // Hand-checked against trips.txt/stop_times.txt (Tuesday service D.607/A.607): Streetcar trip
    // 11133432 leaves NW 22nd & Northrup 17:40 and ends at NW 23rd & Marshall 17:42; its block
    // (74) continues there at 17:42 as trip 11133664, at NW 22nd & Lovejoy 17:43. A 0-minute
    // turn: changing vehicles would need the 60 s minimum, so only staying on board makes it.
    // (Straight-line walking: along the streets, the two stops are 195 m apart on foot, and
    // walking the whole way is the first answer.)
    let args = [
        "--streets",
        "none",
        "plan",
        "--from",
        "stop:10778",
        "--to",
        "stop:3596",
        "--arrive-by",
        "2021-11-02T17:45",
    ];
    let (code, out, _) = gethere_args(&args);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1. leave 17:40, arrive 17:43 · 3 min · no transfers"),
        "{out}"
    );
    assert!(
        out.contains(
            "17:42  stay on board at NW 23rd & Marshall: the train continues as Portland Streetcar - NS Line towards South Waterfront"
        ),
        "{out}"
    );
    assert!(!out.contains("alight at NW 23rd & Marshall"), "{out}");
    let mut json_args = vec!["--format", "json"];
    json_args.extend_from_slice(&args);
    let (code, out, _) = gethere_args(&json_args);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let legs = &v["itineraries"][0]["legs"];
    assert_eq!(v["itineraries"][0]["transfers"], 0);
    assert_eq!(legs[0]["trip_id"], "11133432");
    assert!(legs[0].get("stay_on_board").is_none(), "{}", legs[0]);
    assert_eq!(legs[1]["trip_id"], "11133664");
    assert_eq!(legs[1]["stay_on_board"], true);
    assert_eq!(legs[1]["from"]["stop_id"], "8989");
}
