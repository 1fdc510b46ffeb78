//! One tiny feed per GTFS rule the router must get exactly right, planned through the library
//! (`router::plan`) with times checked to the second.

use gethere::feed::load::read_raw;
use gethere::router::{Access, Query, QueryKind, plan};
use gethere::time::{format_iso, parse_user_time};
use gethere::timetable::Timetable;
use gethere::timetable::compile::compile;

const AGENCY: &str =
    "agency_id,agency_name,agency_url,agency_timezone\nA,A,https://a.example,America/Los_Angeles\n";
const ROUTES: &str =
    "route_id,agency_id,route_short_name,route_long_name,route_type\nR1,A,1,One,3\nR2,A,2,Two,3\n";

/// Four stops: S1–S3 close together downtown, S4 2 km away (beyond any walk radius used).
const STOPS: &str = "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n\
ST,Station,45.5200,-122.6700,1,,1\n\
S1,One,45.5200,-122.6800,0,,1\n\
S2,Two,45.5201,-122.6700,0,ST,\n\
S3,Three,45.5202,-122.6600,0,,1\n\
S4,Four,45.5380,-122.6700,0,,1\n";

fn feed(files: &[(&str, &str)]) -> Timetable {
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<(&str, &str)> = vec![
        ("agency.txt", AGENCY),
        ("routes.txt", ROUTES),
        ("stops.txt", STOPS),
    ];
    all.extend_from_slice(files);
    for (n, c) in all {
        std::fs::write(dir.path().join(n), c).unwrap();
    }
    let raw = read_raw(dir.path()).unwrap();
    compile(&raw, "rule", "0".repeat(64)).unwrap()
}

fn query(tt: &Timetable, kind: QueryKind, time: &str, from: &str, to: &str) -> Query {
    let at = |id: &str| {
        vec![Access {
            stop: tt.find_stop_id(id).unwrap(),
            secs: 0,
            metres: 0,
        }]
    };
    Query {
        kind,
        time: parse_user_time(time, tt.tz()).unwrap(),
        window_secs: 0,
        origins: at(from),
        targets: at(to),
        max_transfers: 3,
        min_transfer_secs: 60,
        walk_radius_m: 0,
        walk_speed_mps: 1.2,
        wheelchair: false,
        max_duration_secs: None,
    }
}

/// (departure, arrival) of each journey, as RFC 3339 local times.
fn answer(tt: &Timetable, q: &Query) -> Vec<(String, String)> {
    plan(tt, q)
        .journeys
        .iter()
        .map(|j| {
            (
                format_iso(tt.tz(), j.departure),
                format_iso(tt.tz(), j.arrival),
            )
        })
        .collect()
}

fn pair(a: &str, b: &str) -> Vec<(String, String)> {
    vec![(a.to_string(), b.to_string())]
}

const CAL_ONLY_NOV2: &str = "service_id,date,exception_type\nD,20211102,1\n";

#[test]
fn overnight_trip_belongs_to_the_day_it_starts() {
    // Runs only on service day 2 Nov; its 24:40 and 25:10 are 00:40 and 01:10 on 3 Nov.
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        ("trips.txt", "route_id,service_id,trip_id\nR1,D,T1\n"),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,23:50:00,23:50:00,S1,1\nT1,24:40:00,24:40:00,S2,2\nT1,25:10:00,25:10:00,S3,3\n",
        ),
    ]);
    let q = query(&tt, QueryKind::DepartAt, "2021-11-03T00:30", "S2", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-03T00:40:00-07:00", "2021-11-03T01:10:00-07:00")
    );
    let q = query(&tt, QueryKind::ArriveBy, "2021-11-03T02:00", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T23:50:00-07:00", "2021-11-03T01:10:00-07:00")
    );
}

#[test]
fn calendar_dates_removal_removes_the_day() {
    let tt = feed(&[
        (
            "calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nW,1,1,1,1,1,0,0,20211101,20211130\n",
        ),
        (
            "calendar_dates.txt",
            "service_id,date,exception_type\nW,20211111,2\n",
        ),
        ("trips.txt", "route_id,service_id,trip_id\nR1,W,T1\n"),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,10:00:00,10:00:00,S1,1\nT1,10:20:00,10:20:00,S3,2\n",
        ),
    ]);
    // Veterans Day removed: the journey is the next day's (within the 24 h horizon).
    let q = query(&tt, QueryKind::DepartAt, "2021-11-11T11:00", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-12T10:00:00-08:00", "2021-11-12T10:20:00-08:00")
    );
    let q = query(&tt, QueryKind::ArriveBy, "2021-11-11T09:00", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-10T10:00:00-08:00", "2021-11-10T10:20:00-08:00")
    );
}

#[test]
fn fall_back_day_times_count_from_noon_minus_12h() {
    // 2021-11-07: noon minus 12h is 01:00 PDT. GTFS 00:30 is 01:30 PDT, GTFS 01:30 is 01:30
    // PST, GTFS 02:30 is 02:30 PST.
    let tt = feed(&[
        (
            "calendar_dates.txt",
            "service_id,date,exception_type\nD,20211107,1\n",
        ),
        (
            "trips.txt",
            "route_id,service_id,trip_id\nR1,D,A\nR1,D,B\nR1,D,C\n",
        ),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nA,00:30:00,00:30:00,S1,1\nA,00:40:00,00:40:00,S3,2\nB,01:30:00,01:30:00,S1,1\nB,01:40:00,01:40:00,S3,2\nC,02:30:00,02:30:00,S1,1\nC,02:40:00,02:40:00,S3,2\n",
        ),
    ]);
    let q = query(
        &tt,
        QueryKind::DepartAt,
        "2021-11-07T01:00-07:00",
        "S1",
        "S3",
    );
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-07T01:30:00-07:00", "2021-11-07T01:40:00-07:00")
    );
    let q = query(
        &tt,
        QueryKind::DepartAt,
        "2021-11-07T01:00-08:00",
        "S1",
        "S3",
    );
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-07T01:30:00-08:00", "2021-11-07T01:40:00-08:00")
    );
    let q = query(&tt, QueryKind::ArriveBy, "2021-11-07T02:45", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-07T02:30:00-08:00", "2021-11-07T02:40:00-08:00")
    );
}

#[test]
fn spring_forward_day_times_count_from_noon_minus_12h() {
    // 2021-03-14: noon minus 12h is 23:00 PST on the 13th. GTFS 01:30 is 00:30 PST; GTFS 03:30
    // is 03:30 PDT.
    let tt = feed(&[
        (
            "calendar_dates.txt",
            "service_id,date,exception_type\nD,20210314,1\n",
        ),
        ("trips.txt", "route_id,service_id,trip_id\nR1,D,A\nR1,D,B\n"),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nA,01:30:00,01:30:00,S1,1\nA,01:40:00,01:40:00,S3,2\nB,03:30:00,03:30:00,S1,1\nB,03:40:00,03:40:00,S3,2\n",
        ),
    ]);
    let q = query(&tt, QueryKind::DepartAt, "2021-03-14T00:00", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-03-14T00:30:00-08:00", "2021-03-14T00:40:00-08:00")
    );
    let q = query(&tt, QueryKind::DepartAt, "2021-03-14T01:00", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-03-14T03:30:00-07:00", "2021-03-14T03:40:00-07:00")
    );
}

#[test]
fn frequencies_give_every_departure() {
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        ("trips.txt", "route_id,service_id,trip_id\nR1,D,F\n"),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nF,00:00:00,00:00:00,S1,1\nF,00:07:00,00:07:00,S3,2\n",
        ),
        (
            "frequencies.txt",
            "trip_id,start_time,end_time,headway_secs,exact_times\nF,08:00:00,09:00:00,600,1\n",
        ),
    ]);
    let q = query(&tt, QueryKind::DepartAt, "2021-11-02T08:05", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T08:10:00-07:00", "2021-11-02T08:17:00-07:00")
    );
    // The last departure is 08:50 (start <= t < end): none at 09:00.
    let q = query(&tt, QueryKind::DepartAt, "2021-11-02T08:51", "S1", "S3");
    assert!(answer(&tt, &q).is_empty());
}

/// R1 S1→S2 arriving 10:00; R2 S2→S3 at 10:01, 10:05 and 10:30.
const CHANGE: [(&str, &str); 2] = [
    (
        "trips.txt",
        "route_id,service_id,trip_id\nR1,D,A\nR2,D,B1\nR2,D,B2\nR2,D,B3\n",
    ),
    (
        "stop_times.txt",
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nA,09:50:00,09:50:00,S1,1\nA,10:00:00,10:00:00,S2,2\nB1,10:01:00,10:01:00,S2,1\nB1,10:11:00,10:11:00,S3,2\nB2,10:05:00,10:05:00,S2,1\nB2,10:15:00,10:15:00,S3,2\nB3,10:30:00,10:30:00,S2,1\nB3,10:40:00,10:40:00,S3,2\n",
    ),
];

#[test]
fn same_stop_change_uses_the_query_default_then_transfers_txt() {
    let tt = feed(&[("calendar_dates.txt", CAL_ONLY_NOV2), CHANGE[0], CHANGE[1]]);
    let mut q = query(&tt, QueryKind::DepartAt, "2021-11-02T09:45", "S1", "S3");
    q.min_transfer_secs = 0;
    assert_eq!(
        answer(&tt, &q)[0].1,
        "2021-11-02T10:11:00-07:00",
        "0 s change allowed"
    );
    q.min_transfer_secs = 60;
    assert_eq!(
        answer(&tt, &q)[0].1,
        "2021-11-02T10:11:00-07:00",
        "60 s: 10:00 → 10:01 still fits"
    );
    q.min_transfer_secs = 120;
    assert_eq!(answer(&tt, &q)[0].1, "2021-11-02T10:15:00-07:00");
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        CHANGE[0],
        CHANGE[1],
        (
            "transfers.txt",
            "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nS2,S2,2,600\n",
        ),
    ]);
    let mut q = query(&tt, QueryKind::DepartAt, "2021-11-02T09:45", "S1", "S3");
    q.min_transfer_secs = 0;
    assert_eq!(
        answer(&tt, &q)[0].1,
        "2021-11-02T10:40:00-07:00",
        "transfers.txt's 600 s wins"
    );
    let mut q = query(&tt, QueryKind::ArriveBy, "2021-11-02T10:45", "S1", "S3");
    q.min_transfer_secs = 0;
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T09:50:00-07:00", "2021-11-02T10:40:00-07:00")
    );
}

#[test]
fn forbidden_transfer_is_never_used() {
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        CHANGE[0],
        CHANGE[1],
        (
            "transfers.txt",
            "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nS2,S2,3,\n",
        ),
    ]);
    for kind in [QueryKind::DepartAt, QueryKind::ArriveBy] {
        let t = if kind == QueryKind::DepartAt {
            "2021-11-02T09:45"
        } else {
            "2021-11-02T12:00"
        };
        let q = query(&tt, kind, t, "S1", "S3");
        assert!(answer(&tt, &q).is_empty(), "{kind:?}");
    }
}

#[test]
fn transfers_txt_footpath_between_distant_stops() {
    // R1 S1→S2 arrives 10:00; R2 leaves S4 (2 km away) at 10:04 and 10:06. The feed says the
    // walk S2→S4 takes 5 minutes; generated walks are off.
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        (
            "trips.txt",
            "route_id,service_id,trip_id\nR1,D,A\nR2,D,B1\nR2,D,B2\n",
        ),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nA,09:50:00,09:50:00,S1,1\nA,10:00:00,10:00:00,S2,2\nB1,10:04:00,10:04:00,S4,1\nB1,10:14:00,10:14:00,S3,2\nB2,10:06:00,10:06:00,S4,1\nB2,10:16:00,10:16:00,S3,2\n",
        ),
        (
            "transfers.txt",
            "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nS2,S4,2,300\n",
        ),
    ]);
    let q = query(&tt, QueryKind::DepartAt, "2021-11-02T09:45", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T09:50:00-07:00", "2021-11-02T10:16:00-07:00")
    );
    let j = &plan(&tt, &q).journeys[0];
    assert!(j.legs.iter().any(|l| matches!(l, gethere::router::Leg::Walk { departure, arrival, .. } if arrival - departure == 300)));
    // Footpaths are directed: nothing leads back from S4 to S2.
    let q = query(&tt, QueryKind::ArriveBy, "2021-11-02T10:20", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T09:50:00-07:00", "2021-11-02T10:16:00-07:00")
    );
}

#[test]
fn generated_walks_follow_the_radius() {
    // S2 and S3 are ~780 m apart. R1 S1→S2 arrives 10:00; R2 leaves S3 at 10:20 to S4.
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        ("trips.txt", "route_id,service_id,trip_id\nR1,D,A\nR2,D,B\n"),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nA,09:50:00,09:50:00,S1,1\nA,10:00:00,10:00:00,S2,2\nB,10:20:00,10:20:00,S3,1\nB,10:30:00,10:30:00,S4,2\n",
        ),
    ]);
    let mut q = query(&tt, QueryKind::DepartAt, "2021-11-02T09:45", "S1", "S4");
    q.walk_radius_m = 0;
    assert!(answer(&tt, &q).is_empty(), "walks off");
    q.walk_radius_m = 1000;
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T09:50:00-07:00", "2021-11-02T10:30:00-07:00")
    );
    q.walk_speed_mps = 0.5; // 780 m × 1.3 / 0.5 m/s ≈ 34 min: too slow for 10:20
    assert!(answer(&tt, &q).is_empty(), "too slow to make it");
}

#[test]
fn wheelchair_uses_accessible_trips_and_inherited_stop_values() {
    // Two trips S2→S3; only the later is accessible. S2 says nothing but its station (ST) is
    // accessible, so S2 is too.
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        (
            "trips.txt",
            "route_id,service_id,trip_id,wheelchair_accessible\nR1,D,A,2\nR1,D,B,1\n",
        ),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nA,10:00:00,10:00:00,S2,1\nA,10:10:00,10:10:00,S3,2\nB,10:20:00,10:20:00,S2,1\nB,10:30:00,10:30:00,S3,2\n",
        ),
    ]);
    let mut q = query(&tt, QueryKind::DepartAt, "2021-11-02T09:45", "S2", "S3");
    assert_eq!(answer(&tt, &q)[0].0, "2021-11-02T10:00:00-07:00");
    q.wheelchair = true;
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T10:20:00-07:00", "2021-11-02T10:30:00-07:00")
    );
}

#[test]
fn pickup_and_drop_off_types_are_respected() {
    // S2 is drop-off only on T (pickup_type 1); S3 pickup only (drop_off_type 1).
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        ("trips.txt", "route_id,service_id,trip_id\nR1,D,T\n"),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\nT,10:00:00,10:00:00,S1,1,0,0\nT,10:10:00,10:10:00,S2,2,1,0\nT,10:20:00,10:20:00,S3,3,0,1\nT,10:30:00,10:30:00,S4,4,0,0\n",
        ),
    ]);
    let a = |from: &str, to: &str| {
        answer(
            &tt,
            &query(&tt, QueryKind::DepartAt, "2021-11-02T09:00", from, to),
        )
    };
    assert!(!a("S1", "S2").is_empty());
    assert!(a("S2", "S4").is_empty(), "no boarding at S2");
    assert!(a("S1", "S3").is_empty(), "no alighting at S3");
    assert!(!a("S3", "S4").is_empty());
}

#[test]
fn arrive_by_never_returns_a_worse_trip_than_depart_at() {
    // Fast trip leaves later and arrives earlier than a slow one that left first.
    let tt = feed(&[
        ("calendar_dates.txt", CAL_ONLY_NOV2),
        (
            "trips.txt",
            "route_id,service_id,trip_id\nR1,D,SLOW\nR2,D,FAST\n",
        ),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nSLOW,09:00:00,09:00:00,S1,1\nSLOW,10:00:00,10:00:00,S3,2\nFAST,09:30:00,09:30:00,S1,1\nFAST,09:40:00,09:40:00,S3,2\n",
        ),
    ]);
    let q = query(&tt, QueryKind::ArriveBy, "2021-11-02T10:00", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T09:30:00-07:00", "2021-11-02T09:40:00-07:00")
    );
    let q = query(&tt, QueryKind::DepartAt, "2021-11-02T08:50", "S1", "S3");
    assert_eq!(
        answer(&tt, &q),
        pair("2021-11-02T09:30:00-07:00", "2021-11-02T09:40:00-07:00"),
        "leave as late as still arrives as early"
    );
}
