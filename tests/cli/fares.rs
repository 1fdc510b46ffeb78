//! Fares: the fixture feeds in tests/fixtures/fares_*/ (one per rule, answers worked out by
//! hand in the comments), the real TriMet (Dec 2024) and C-TRAN Fares v2 tables, GoDurham, and
//! the bundled TriMet feed — through the library (hand-built itineraries) and the binary.
//!
//! Every fixture has stops S1…S6 on a line and routes R1 (S1–S3), R2 (S3–S5), R3 (S5–S6);
//! itineraries are built by hand on Tuesday 2 Nov 2021 (America/Los_Angeles).

use crate::common::{fixture, gethere_args, gethere_on, run, shared_data, trimet};
use chrono::TimeZone;
use gethere::fares::{self, Ids, Leg, Rider};
use std::path::Path;

/// A feed's fare tables and ids, without a timetable (so feeds without stop_times work too).
pub struct Tables {
    pub fares: fares::Fares,
    pub ids: Ids,
    pub warnings: Vec<String>,
}

pub fn tables(dir: &Path) -> Tables {
    let raw = gethere::feed::load::read_raw(dir).expect("feed reads");
    let v2 = fares::load::read_v2(dir);
    let ids = Ids::from_raw(&raw);
    let tz = raw.agencies.as_ref().expect("agencies")[0].timezone.clone();
    let mut warnings = Vec::new();
    let fares = fares::compile(&raw, &v2, &ids, &tz, &mut warnings);
    Tables {
        fares,
        ids,
        warnings,
    }
}

/// `HH:MM` on a date in the feed's zone, as an instant.
fn at_on(tz: &str, date: (i32, u32, u32), hm: &str) -> i64 {
    let tz: chrono_tz::Tz = tz.parse().unwrap();
    let (h, m) = hm.split_once(':').unwrap();
    tz.with_ymd_and_hms(
        date.0,
        date.1,
        date.2,
        h.parse().unwrap(),
        m.parse().unwrap(),
        0,
    )
    .single()
    .unwrap()
    .timestamp()
}

fn at(hm: &str) -> i64 {
    at_on("America/Los_Angeles", (2021, 11, 2), hm)
}

/// A leg on `route` passing `stops` (first: boarding, last: alighting).
fn leg_at(t: &Tables, route: &str, stops: &[&str], dep: i64, arr: i64) -> Leg {
    let s: Vec<_> = stops
        .iter()
        .map(|s| t.ids.stop(s).unwrap_or_else(|| panic!("stop {s}")))
        .collect();
    Leg {
        route: t
            .ids
            .route(route)
            .unwrap_or_else(|| panic!("route {route}")),
        from: s[0],
        to: s[s.len() - 1],
        stops: s,
        departure: dep,
        arrival: arr,
    }
}

fn leg(t: &Tables, route: &str, stops: &[&str], dep: &str, arr: &str) -> Leg {
    leg_at(t, route, stops, at(dep), at(arr))
}

/// (total, unknown legs, [(product id, amount, legs)]).
type Answer = (
    Option<String>,
    Vec<usize>,
    Vec<(String, String, Vec<usize>)>,
);

fn price(t: &Tables, legs: &[Leg], rider: &Rider) -> Answer {
    let p = t.fares.price(legs, rider).expect("the feed has fares");
    (
        p.total().map(|m| m.decimal()),
        p.unknown.clone(),
        p.products
            .iter()
            .map(|x| (x.id.clone(), x.amount.decimal(), x.legs.clone()))
            .collect(),
    )
}

fn total(t: &Tables, legs: &[Leg]) -> Option<String> {
    price(t, legs, &Rider::Default).0
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

// --- Fares v1 -----------------------------------------------------------------------------

/// ONE (R1) 1.00, TWO (R2) 2.00, X (R1 or R2, one transfer) 2.50.
/// - R1 alone: ONE 1.00 (X also matches at 2.50).
/// - R1 → R2: ONE + TWO = 3.00 or X = 2.50 → 2.50.
/// - R1 → R2 → R1: X covers two legs at most → X + ONE = 3.50 either way round (all single
///   fares: 4.00).
/// - R3 is in no rule → unknown.
#[test]
fn v1_route_based() {
    let t = tables(&fixture("fares_v1_route"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let r1 = leg(&t, "R1", &["S1", "S2", "S3"], "10:00", "10:10");
    let r2 = leg(&t, "R2", &["S3", "S4", "S5"], "10:20", "10:30");
    let r1b = leg(&t, "R1", &["S1", "S2"], "10:40", "10:45");
    let r3 = leg(&t, "R3", &["S5", "S6"], "10:40", "10:45");
    assert_eq!(total(&t, std::slice::from_ref(&r1)), s("1.00"));
    let p = price(&t, &[r1.clone(), r2.clone()], &Rider::Default);
    assert_eq!(p.0, s("2.50"));
    assert_eq!(p.2, vec![("X".into(), "2.50".into(), vec![0, 1])]);
    assert_eq!(total(&t, &[r1.clone(), r2.clone(), r1b]), s("3.50"));
    let p = price(&t, &[r1, r2, r3], &Rider::Default);
    assert_eq!(p.0, None, "a leg without a fare leaves the total unknown");
    assert_eq!(p.1, vec![2]);
    assert_eq!(p.2, vec![("X".into(), "2.50".into(), vec![0, 1])]);
}

/// Zones S1,S2 = Z1; S3,S4 = Z2; S5,S6 = Z3. Z1Z2 (Z1→Z2) 1.50, TO_Z3 (→Z3) 3.00,
/// FROM_Z1 (Z1→) 4.00, no transfers.
/// - S1→S3 (Z1→Z2): Z1Z2 1.50 and FROM_Z1 4.00 match → 1.50.
/// - S3→S5 (Z2→Z3): TO_Z3 3.00.
/// - S1→S5 on R1 then R2 as one fare? transfers=0 → two fares: Z1Z2 + TO_Z3 = 4.50.
/// - S4→S3 (Z2→Z2): nothing matches → unknown.
#[test]
fn v1_zone_origin_destination() {
    let t = tables(&fixture("fares_v1_zones"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let a = leg(&t, "R1", &["S1", "S2", "S3"], "10:00", "10:10");
    let b = leg(&t, "R2", &["S3", "S4", "S5"], "10:20", "10:30");
    let back = leg(&t, "R2", &["S4", "S3"], "10:20", "10:30");
    assert_eq!(total(&t, std::slice::from_ref(&a)), s("1.50"));
    assert_eq!(total(&t, std::slice::from_ref(&b)), s("3.00"));
    assert_eq!(total(&t, &[a, b]), s("4.50"));
    let p = price(&t, &[back], &Rider::Default);
    assert_eq!((p.0, p.1), (None, vec![0]));
}

/// Zones: S1–S3 A, S4–S5 B, S6 C. IN_A contains {A} 1.00; A_B contains {A,B} 1.75; IN_B {B}
/// 1.25; unlimited transfers.
/// - S1→S3 passes only A: IN_A 1.00.
/// - S3→S5 passes A (S3) and B: A_B 1.75.
/// - R1 (A) then R2 (A,B): one A_B 1.75 beats IN_A + A_B 2.75.
/// - S5→S6 passes B and C: no fare contains exactly {B,C} → unknown.
#[test]
fn v1_contains() {
    let t = tables(&fixture("fares_v1_contains"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let a = leg(&t, "R1", &["S1", "S2", "S3"], "10:00", "10:10");
    let ab = leg(&t, "R2", &["S3", "S4", "S5"], "10:20", "10:30");
    let bc = leg(&t, "R3", &["S5", "S6"], "10:40", "10:45");
    assert_eq!(total(&t, std::slice::from_ref(&a)), s("1.00"));
    assert_eq!(total(&t, std::slice::from_ref(&ab)), s("1.75"));
    assert_eq!(total(&t, &[a, ab]), s("1.75"));
    assert_eq!(price(&t, &[bc], &Rider::Default).1, vec![0]);
}

/// F 2.00, one transfer, no rules (so: every route of agency A).
/// 2 legs: F = 2.00. 3 legs: F covers two, a second F the third → 4.00. 4 legs: 4.00.
#[test]
fn v1_transfer_limits() {
    let t = tables(&fixture("fares_v1_transfer_limits"));
    let l = |r: &str, st: &[&str], d: &str, a: &str| leg(&t, r, st, d, a);
    let legs = [
        l("R1", &["S1", "S3"], "10:00", "10:10"),
        l("R2", &["S3", "S5"], "10:20", "10:30"),
        l("R3", &["S5", "S6"], "10:40", "10:45"),
        l("R1", &["S1", "S2"], "11:00", "11:05"),
    ];
    assert_eq!(total(&t, &legs[..1]), s("2.00"));
    assert_eq!(total(&t, &legs[..2]), s("2.00"));
    assert_eq!(total(&t, &legs[..3]), s("4.00"));
    assert_eq!(total(&t, &legs[..4]), s("4.00"));
}

/// T 2.50, unlimited transfers within 5400 s (90 min) of the first departure.
/// - Departures 10:00, 10:40, 11:20 (80 min after the first): one T → 2.50.
/// - Departures 10:00, 10:40, 11:40: the transfer expires mid-journey (100 min) → 5.00.
/// - Exactly 90 min (11:30) still counts: 2.50.
#[test]
fn v1_transfer_duration_expires_mid_journey() {
    let t = tables(&fixture("fares_v1_transfer_duration"));
    let l = |r: &str, st: &[&str], d: &str, a: &str| leg(&t, r, st, d, a);
    let first = l("R1", &["S1", "S3"], "10:00", "10:10");
    let second = l("R2", &["S3", "S5"], "10:40", "10:50");
    let within = l("R3", &["S5", "S6"], "11:20", "11:25");
    let edge = l("R3", &["S5", "S6"], "11:30", "11:35");
    let late = l("R3", &["S5", "S6"], "11:40", "11:45");
    assert_eq!(
        total(&t, &[first.clone(), second.clone(), within]),
        s("2.50")
    );
    assert_eq!(total(&t, &[first.clone(), second.clone(), edge]), s("2.50"));
    assert_eq!(total(&t, &[first, second, late]), s("5.00"));
}

/// Agencies A (R1, R2) and B (R3). ALPHA 2.50, agency A, no fare_rules → it applies to every
/// route of A and to nothing else.
/// - R1 → R2: ALPHA 2.50. R1 → R3: ALPHA for R1, R3 unknown (no fare of agency B).
#[test]
fn v1_fare_without_rules_is_its_agency_fare() {
    let t = tables(&fixture("fares_v1_agency"));
    let r1 = leg(&t, "R1", &["S1", "S3"], "10:00", "10:10");
    let r2 = leg(&t, "R2", &["S3", "S5"], "10:20", "10:30");
    let r3 = leg(&t, "R3", &["S5", "S6"], "10:40", "10:45");
    assert_eq!(total(&t, &[r1.clone(), r2]), s("2.50"));
    let p = price(&t, &[r1, r3], &Rider::Default);
    assert_eq!(p.0, None);
    assert_eq!(p.1, vec![1]);
    assert_eq!(p.2, vec![("ALPHA".into(), "2.50".into(), vec![0])]);
}

// --- Fares v2 -----------------------------------------------------------------------------

/// R1 in network N1 (routes.network_id), R2 in N2 (route_networks.txt), R3 in none.
/// LOCAL (N1) 2.00, EXPRESS (N2) 3.00, no transfer rules.
/// - R1: 2.00. R2: 3.00. R1 → R2: 5.00. R3: no rule with an empty network → unknown.
#[test]
fn v2_network_legs() {
    let t = tables(&fixture("fares_v2_network"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.fares.model(), fares::FareModel::V2);
    let r1 = leg(&t, "R1", &["S1", "S3"], "10:00", "10:10");
    let r2 = leg(&t, "R2", &["S3", "S5"], "10:20", "10:30");
    let r3 = leg(&t, "R3", &["S5", "S6"], "10:40", "10:45");
    assert_eq!(total(&t, std::slice::from_ref(&r1)), s("2.00"));
    assert_eq!(total(&t, std::slice::from_ref(&r2)), s("3.00"));
    assert_eq!(total(&t, &[r1, r2]), s("5.00"));
    assert_eq!(price(&t, &[r3], &Rider::Default).1, vec![0]);
}

/// Areas IN (S1–S3) and OUT (S4–S6). INNER IN→IN 1.50, REGIONAL IN→OUT 4.00, DEFAULT (empty
/// areas) 2.50. Exact first, else empty, field by field:
/// - S1→S3: from IN (exact rules INNER, REGIONAL), to IN → INNER 1.50.
/// - S3→S5: from IN, to OUT → REGIONAL 4.00.
/// - S5→S6: no rule from OUT → the empty-from rule DEFAULT; to OUT: DEFAULT's to is empty → 2.50.
/// - S4→S3 (OUT→IN): DEFAULT 2.50.
#[test]
fn v2_area_to_area() {
    let t = tables(&fixture("fares_v2_areas"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let l = |r: &str, st: &[&str]| leg(&t, r, st, "10:00", "10:10");
    assert_eq!(total(&t, &[l("R1", &["S1", "S2", "S3"])]), s("1.50"));
    assert_eq!(total(&t, &[l("R2", &["S3", "S4", "S5"])]), s("4.00"));
    assert_eq!(total(&t, &[l("R3", &["S5", "S6"])]), s("2.50"));
    assert_eq!(total(&t, &[l("R2", &["S4", "S3"])]), s("2.50"));
}

/// PEAK = 07:00–09:00 on service WD (Mon–Fri). PEAK_FARE 3.00 from PEAK, OFFPEAK_FARE 2.00
/// otherwise.
/// - Tue 08:00: 3.00. Tue 09:00 (end excluded): 2.00. Tue 10:00: 2.00.
/// - Sun 7 Nov 08:00: WD does not run → 2.00.
#[test]
fn v2_timeframes() {
    let t = tables(&fixture("fares_v2_timeframes"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let tz = "America/Los_Angeles";
    let l = |d: (i32, u32, u32), hm: &str| {
        let dep = at_on(tz, d, hm);
        leg_at(&t, "R1", &["S1", "S3"], dep, dep + 600)
    };
    assert_eq!(total(&t, &[l((2021, 11, 2), "08:00")]), s("3.00"));
    assert_eq!(total(&t, &[l((2021, 11, 2), "09:00")]), s("2.00"));
    assert_eq!(total(&t, &[l((2021, 11, 2), "10:00")]), s("2.00"));
    assert_eq!(total(&t, &[l((2021, 11, 7), "08:00")]), s("2.00"));
}

/// SINGLE 2.50; G→G free, unlimited count, 5400 s from the first departure (type 1), type 0.
/// - 10:00, 10:40, 11:20: 2.50 (one product covering all three legs).
/// - 10:00, 10:40, 11:40: the limit expires before the third leg → 2.50 + 2.50 = 5.00.
#[test]
fn v2_transfer_rule_with_duration_limit() {
    let t = tables(&fixture("fares_v2_transfer_duration"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let l = |r: &str, st: &[&str], d: &str, a: &str| leg(&t, r, st, d, a);
    let a = l("R1", &["S1", "S3"], "10:00", "10:10");
    let b = l("R2", &["S3", "S5"], "10:40", "10:50");
    let c = l("R3", &["S5", "S6"], "11:20", "11:25");
    let late = l("R3", &["S5", "S6"], "11:40", "11:45");
    let p = price(&t, &[a.clone(), b.clone(), c], &Rider::Default);
    assert_eq!(p.0, s("2.50"));
    assert_eq!(p.2, vec![("SINGLE".into(), "2.50".into(), vec![0, 1, 2])]);
    assert_eq!(total(&t, &[a, b, late]), s("5.00"));
}

/// R1, R3 bus (BUS 2.00), R2 rail (RAIL 3.00).
/// - BUS→RAIL, type 0 with UPGRADE 1.00: A + AB = 3.00 (separately 5.00) → 3.00.
/// - RAIL→BUS, type 2 with COMBO 3.50: AB = 3.50 (separately 5.00) → 3.50.
/// - BUS→BUS, type 1 with FEE 0.25: A + AB + B = 4.25; two separate rides 4.00 → 4.00.
/// - BUS→RAIL→BUS: (BUS→RAIL 3.00) + BUS 2.00 = 5.00; BUS + (RAIL→BUS 3.50) = 5.50; a chain
///   BUS→RAIL (A+AB = 3.00) then RAIL→BUS (S + BC = 3.00 + 3.50) = 6.50 → 5.00.
#[test]
fn v2_transfer_types() {
    let t = tables(&fixture("fares_v2_transfer_types"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let bus = leg(&t, "R1", &["S1", "S3"], "10:00", "10:10");
    let rail = leg(&t, "R2", &["S3", "S5"], "10:20", "10:30");
    let bus2 = leg(&t, "R3", &["S5", "S6"], "10:40", "10:45");
    let p = price(&t, &[bus.clone(), rail.clone()], &Rider::Default);
    assert_eq!(p.0, s("3.00"));
    assert_eq!(
        p.2,
        vec![
            ("BUS".into(), "2.00".into(), vec![0, 1]),
            ("UPGRADE".into(), "1.00".into(), vec![1])
        ]
    );
    let p = price(&t, &[rail.clone(), bus2.clone()], &Rider::Default);
    assert_eq!(p.0, s("3.50"));
    assert_eq!(p.2, vec![("COMBO".into(), "3.50".into(), vec![0, 1])]);
    assert_eq!(total(&t, &[bus.clone(), bus2.clone()]), s("4.00"));
    assert_eq!(total(&t, &[bus, rail, bus2]), s("5.00"));
}

/// ADULT (default): RIDE 2.00 on Card, 2.50 in Cash; YOUTH: YRIDE 1.00 Card, 1.25 Cash.
/// FREE transfer (any rider, Card only), within 7200 s.
/// - Adult, one leg: 2.00 on Card. Youth: 1.00 on Card.
/// - Adult, two legs: Card 2.00 + free = 2.00; Cash has no transfer → 5.00 → 2.00 on Card.
/// - Youth, two legs: 1.00 on Card.
#[test]
fn v2_two_rider_categories_two_media() {
    let t = tables(&fixture("fares_v2_riders_media"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let a = leg(&t, "R1", &["S1", "S3"], "10:00", "10:10");
    let b = leg(&t, "R2", &["S3", "S5"], "10:20", "10:30");
    let youth = t.fares.rider(Some("youth")).unwrap();
    assert_eq!(t.fares.rider(Some("Youth")).unwrap(), youth);
    assert!(t.fares.rider(Some("senior")).is_err());
    let p = t
        .fares
        .price(std::slice::from_ref(&a), &Rider::Default)
        .unwrap();
    assert_eq!(p.total().unwrap().decimal(), "2.00");
    assert_eq!(p.products[0].media, vec!["Card".to_string()]);
    assert_eq!(p.products[0].rider_category.as_deref(), Some("Adult"));
    let p = t.fares.price(std::slice::from_ref(&a), &youth).unwrap();
    assert_eq!(p.total().unwrap().decimal(), "1.00");
    assert_eq!(p.products[0].rider_category.as_deref(), Some("Youth"));
    assert_eq!(total(&t, &[a.clone(), b.clone()]), s("2.00"));
    assert_eq!(price(&t, &[a, b], &youth).0, s("1.00"));
}

/// Each bad row is named with file:line and skipped; the good rows still price.
#[test]
fn bad_fare_rows_are_reported_and_skipped() {
    let t = tables(&fixture("fares_bad_tables"));
    let w = t.warnings.join("\n");
    for needle in [
        "fare_attributes.txt:3: fare NEG: negative price",
        "fare_attributes.txt:4: fare CUR: unknown currency 'XYZ'",
        "fare_rules.txt:2: fare OK names route_id R9, which does not exist",
        "fare_rules.txt:4: fare OK names origin_id Z7, a zone no stop uses",
        "fare_products.txt:4: product NEGP: negative price",
        "fare_leg_rules.txt:3: fare_product_id MISSING is not in fare_products.txt",
        "product ORPHAN is named by no fare_leg_rules or fare_transfer_rules row",
    ] {
        assert!(w.contains(needle), "missing {needle:?} in:\n{w}");
    }
    let r1 = leg(&t, "R1", &["S1", "S3"], "10:00", "10:10");
    assert_eq!(total(&t, &[r1]), s("2.00"), "v2 wins over v1");
}

#[test]
fn feed_check_names_fare_problems_with_file_and_line() {
    let mut c = gethere_on(fixture("fares_bad_tables"));
    c.args(["feed", "check"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0, "fare problems are warnings: {out}");
    assert!(
        out.contains("fare_attributes.txt:3: fare NEG: negative price"),
        "{out}"
    );
    assert!(out.contains("fare_products.txt: product ORPHAN"), "{out}");
}

// --- Through the binary ---------------------------------------------------------------------

/// plan on a fixture: R1 10:00 S1→S3, R2 10:20 S3→S5 → X 2.50 covers both legs.
#[test]
fn plan_prints_the_fare_in_text_and_json() {
    let args = [
        "plan",
        "--from",
        "stop:S1",
        "--to",
        "stop:S5",
        "--depart-at",
        "2021-11-02T09:55",
        "--walk-radius",
        "0",
    ];
    let mut c = gethere_on(fixture("fares_v1_route"));
    c.args(args);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("   fare $2.50\n"), "{out}");
    let mut c = gethere_on(fixture("fares_v1_route"));
    c.args(args).args(["--format", "json"]);
    let (_, out, _) = run(c);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let fare = &v["itineraries"][0]["fare"];
    assert_eq!(fare["total"], "2.50");
    assert_eq!(fare["currency"], "USD");
    assert_eq!(
        fare["products"][0]["amount"], "2.50",
        "money is a decimal string"
    );
    assert_eq!(fare["products"][0]["legs"], serde_json::json!([0, 1]));
    assert_eq!(fare["unknown_legs"], serde_json::json!([]));
}

#[test]
fn plan_with_rider_category() {
    let base = [
        "plan",
        "--from",
        "stop:S1",
        "--to",
        "stop:S3",
        "--depart-at",
        "2021-11-02T09:55",
    ];
    let mut c = gethere_on(fixture("fares_v2_riders_media"));
    c.args(base);
    let (_, out, _) = run(c);
    assert!(
        out.contains("   fare $2.00 (Adult · Card, valid 2 h 00 min)\n"),
        "{out}"
    );
    let mut c = gethere_on(fixture("fares_v2_riders_media"));
    c.args(base).args(["--rider", "YOUTH"]);
    let (_, out, _) = run(c);
    assert!(
        out.contains("   fare $1.00 (Youth · Card, valid 2 h 00 min)\n"),
        "{out}"
    );
    let mut c = gethere_on(fixture("fares_v2_riders_media"));
    c.args(base).args(["--rider", "senior"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(err.contains("ADULT, YOUTH"), "{err}");
}

#[test]
fn a_feed_without_fares_says_fare_unknown() {
    let mut c = gethere_on(fixture("overnight_trip"));
    c.args([
        "plan",
        "--from",
        "stop:S2",
        "--to",
        "stop:S3",
        "--depart-at",
        "2021-11-03T00:30",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    assert!(
        out.contains("   fare unknown (the feed publishes no fares)\n"),
        "{out}"
    );
}

// --- The bundled TriMet feed (Fares v1) ---------------------------------------------------

fn bundled() -> gethere::timetable::Timetable {
    let (tt, _) =
        gethere::timetable::cache::load_or_compile(&trimet(), &crate::common::cache_dir())
            .expect("bundled feed loads");
    tt
}

/// MAX rides (route 200) on the bundled feed: fare R is $2.50 with unlimited transfers for
/// 9000 s (2½ h). Two rides leaving 17:00 and 19:00 → one fare; 17:00 and 19:31 → two.
#[test]
fn bundled_two_max_rides_within_two_and_a_half_hours_are_one_fare() {
    let tt = bundled();
    let t = Tables {
        fares: tt.fares.clone(),
        ids: Ids::from_timetable(&tt),
        warnings: Vec::new(),
    };
    let route = tt.routes.iter().position(|r| r.id == "200").unwrap();
    let p = tt
        .patterns
        .iter()
        .find(|p| p.route.0 as usize == route && p.num_stops >= 8)
        .unwrap();
    let stops: Vec<&str> = tt
        .pattern_stops(p)
        .iter()
        .map(|s| tt.stop(*s).id.as_str())
        .collect();
    let ride = |a: usize, b: usize, dep: &str, arr: &str| leg(&t, "200", &stops[a..=b], dep, arr);
    let one = [ride(0, 3, "17:00", "17:10"), ride(4, 7, "19:00", "19:10")];
    let p = price(&t, &one, &Rider::Default);
    assert_eq!(p.0, s("2.50"));
    assert_eq!(p.2.len(), 1);
    assert_eq!(p.2[0].2, vec![0, 1]);
    let two = [ride(0, 3, "17:00", "17:10"), ride(4, 7, "19:31", "19:40")];
    assert_eq!(total(&t, &two), s("5.00"));
}

/// MAX → Streetcar on the bundled feed: the fares are agency TRIMET's and the Streetcar is
/// agency PSC, so no fare covers the Streetcar leg (see `fares::v1`): $2.50 for MAX, the
/// Streetcar leg unknown, no total.
#[test]
fn bundled_max_then_streetcar_leaves_the_streetcar_leg_unknown() {
    let (code, out, err) = gethere_args(&[
        "plan",
        "--from",
        "stop:landmark-135",
        "--to",
        "nw-23rd",
        "--arrive-by",
        "2021-11-02T17:30",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let it = &v["itineraries"][0];
    let legs = it["legs"].as_array().unwrap();
    let streetcar = legs
        .iter()
        .position(|l| l["route"]["agency"] == "Portland Streetcar")
        .expect("a Streetcar leg");
    assert_eq!(it["fare"]["total"], serde_json::Value::Null);
    assert_eq!(it["fare"]["unknown_legs"], serde_json::json!([streetcar]));
    assert_eq!(it["fare"]["products"][0]["amount"], "2.50");
    insta::assert_snapshot!(
        "bundled_max_then_streetcar_text",
        gethere_args(&[
            "plan",
            "--from",
            "stop:landmark-135",
            "--to",
            "nw-23rd",
            "--arrive-by",
            "2021-11-02T17:30",
        ])
        .1
    );
}

#[test]
fn feed_info_names_the_fare_model() {
    let (_, out, _) = gethere_args(&["feed", "info", "--now", "2021-11-02"]);
    assert!(out.contains("fares: Fares v1 (4 fares)"), "{out}");
    let mut c = gethere_on(fixture("fares_bad_tables"));
    c.args(["feed", "info", "--format", "json"]);
    let (_, out, _) = run(c);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["fares"], "v2");
    assert!(
        v["fares_detail"]
            .as_str()
            .unwrap()
            .contains("the feed also has Fares v1, which v2 supersedes")
    );
}

// --- Real Fares v2 tables -------------------------------------------------------------------

/// TriMet's Dec 2024 feed has no stop_times: copy it with a header-only stop_times.txt so the
/// reader accepts it, then price hand-built itineraries over its routes and stops.
fn trimet_2024() -> Option<(tempfile::TempDir, Tables)> {
    let src = shared_data("trimet-2024-12-fares-v2/feed")?;
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_owned();
        if name == "stop_features.txt" {
            continue;
        }
        std::fs::copy(&p, dir.path().join(name)).unwrap();
    }
    std::fs::write(
        dir.path().join("stop_times.txt"),
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n",
    )
    .unwrap();
    let t = tables(dir.path());
    Some((dir, t))
}

/// Dec 2024 (a Tuesday: 3 Dec), answers from TriMet's tables:
/// - MAX Green 7627 → 8341: TRIMET_ADULT_SINGLE_RIDE 2.80 on Cash, HOP Fastpass, Open Payment
///   or Virtual HOP Fastpass, valid 9000 s.
/// - MAX then Streetcar (TRIMET→PSC, free transfer, type 0): 2.80 + 0.00 = 2.80.
/// - Streetcar then MAX (PSC→TRIMET, upgrade 0.80, type 0): 2.00 + 0.80 = 2.80.
/// - Streetcar alone: 2.00 (not the 0.80 upgrade TriMet lists among the PSC leg rules).
/// - Aerial Tram alone: AERIAL_TRAM_ROUND_TRIP 8.50, Ticket only; MAX then Tram: no transfer
///   rule → 2.80 + 8.50 = 11.30.
/// - Youth on MAX: 1.40; Honored Citizen on the Streetcar: 1.00.
/// - Two MAX rides 3 h apart: 5.60.
#[test]
fn trimet_2024_fares_v2() {
    let Some((_dir, t)) = trimet_2024() else {
        return;
    };
    assert_eq!(t.fares.model(), fares::FareModel::V2);
    let day = (2024, 12, 3);
    let tz = "America/Los_Angeles";
    let l = |r: &str, st: &[&str], d: &str, a: &str| {
        leg_at(&t, r, st, at_on(tz, day, d), at_on(tz, day, a))
    };
    let max = l("200", &["7627", "8341"], "17:00", "17:12");
    let streetcar = l("193", &["6493", "12845"], "17:30", "17:50");
    let tram = l("208", &["12845", "12844"], "18:00", "18:05");
    let max_late = l("200", &["8341", "7627"], "20:00", "20:12");

    let p = t
        .fares
        .price(std::slice::from_ref(&max), &Rider::Default)
        .unwrap();
    assert_eq!(p.total().unwrap().display(), "$2.80");
    assert_eq!(p.products[0].id, "TRIMET_ADULT_SINGLE_RIDE");
    assert_eq!(
        p.products[0].media,
        [
            "Cash",
            "HOP Fastpass",
            "Open Payment",
            "Virtual HOP Fastpass"
        ]
    );
    assert_eq!(p.products[0].valid_s, Some(9000));

    let p = price(&t, &[max.clone(), streetcar.clone()], &Rider::Default);
    assert_eq!(p.0, s("2.80"));
    assert_eq!(
        p.2,
        vec![("TRIMET_ADULT_SINGLE_RIDE".into(), "2.80".into(), vec![0, 1])]
    );
    let back = l("200", &["7627", "8341"], "18:00", "18:12");
    let p = price(&t, &[streetcar.clone(), back], &Rider::Default);
    assert_eq!(p.0, s("2.80"));
    assert_eq!(
        p.2,
        vec![
            (
                "STREETCAR_ADULT_SINGLE_RIDE".into(),
                "2.00".into(),
                vec![0, 1]
            ),
            (
                "STREETCAR_TRIMET_ADULT_TRANSFER".into(),
                "0.80".into(),
                vec![1]
            )
        ]
    );
    assert_eq!(total(&t, std::slice::from_ref(&streetcar)), s("2.00"));

    let p = t
        .fares
        .price(std::slice::from_ref(&tram), &Rider::Default)
        .unwrap();
    assert_eq!(p.total().unwrap().decimal(), "8.50");
    assert_eq!(p.products[0].media, ["Ticket"]);
    assert_eq!(total(&t, &[max.clone(), tram]), s("11.30"));

    let youth = t.fares.rider(Some("YOUTH")).unwrap();
    let hc = t.fares.rider(Some("honored citizen")).unwrap();
    assert_eq!(price(&t, std::slice::from_ref(&max), &youth).0, s("1.40"));
    assert_eq!(price(&t, &[streetcar], &hc).0, s("1.00"));
    assert_eq!(total(&t, &[max, max_late]), s("5.60"));
}

/// C-TRAN (same HOP media ids): LOCAL network, Adult 1.25, Honored Citizen 0.60, Youth 0.00
/// (no Ticket medium); LOCAL→LOCAL free for 9000 s. Two rides 1 h apart: 1.25 adult; youth
/// free, on every medium but Ticket.
#[test]
fn ctran_fares_v2() {
    let Some(zip) = shared_data("ctran-2025-11-flex-fares-v2/ctran-2025-11-flex.gtfs.zip") else {
        return;
    };
    let t = tables(&zip);
    let route = "2bc6804f-9e24-4b91-8947-c73a2363e7b6";
    let stops: Vec<String> = t.ids.stops.iter().take(3).cloned().collect();
    let tz = "America/Los_Angeles";
    let day = (2025, 11, 4);
    let l = |a: &str, b: &str, d: &str, e: &str| {
        leg_at(&t, route, &[a, b], at_on(tz, day, d), at_on(tz, day, e))
    };
    let legs = [
        l(&stops[0], &stops[1], "09:00", "09:20"),
        l(&stops[1], &stops[2], "10:00", "10:20"),
    ];
    assert_eq!(total(&t, &legs), s("1.25"));
    let youth = t.fares.rider(Some("YOUTH")).unwrap();
    let p = t.fares.price(&legs, &youth).unwrap();
    assert_eq!(p.total().unwrap().decimal(), "0.00");
    assert_eq!(
        p.products[0].media,
        [
            "Cash",
            "HOP Fastpass",
            "Open Payment",
            "Virtual HOP Fastpass"
        ]
    );
    let hc = t.fares.rider(Some("HONORED_CITIZEN")).unwrap();
    assert_eq!(price(&t, &legs, &hc).0, s("0.60"));
}

/// GoDurham: fare 1199 is 0.00 USD on every route → "fare free" end to end.
#[test]
fn godurham_is_free() {
    let Some(zip) = shared_data("godurham/godurham-2023-12.gtfs.zip") else {
        return;
    };
    let t = tables(&zip);
    let l = leg(
        &t,
        "1762",
        &[&t.ids.stops[0].clone(), &t.ids.stops[1].clone()],
        "10:00",
        "10:10",
    );
    assert_eq!(total(&t, &[l]), s("0.00"));
}

/// GoDurham end to end: a plan on the real feed says "fare free" and `"total": "0.00"`.
#[test]
fn godurham_plan_says_free() {
    let Some(zip) = shared_data("godurham/godurham-2023-12.gtfs.zip") else {
        return;
    };
    let args = [
        "plan",
        "--from",
        "stop:780017",
        "--to",
        "stop:779290",
        "--depart-at",
        "2024-03-05T09:00",
    ];
    let mut c = gethere_on(&zip);
    c.args(args);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("   fare free\n"), "{out}");
    let mut c = gethere_on(&zip);
    c.args(args).args(["--format", "json"]);
    let (_, out, _) = run(c);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["itineraries"][0]["fare"]["total"], "0.00");
}

/// announce on a Fares v2 fixture: the Fares section names the ticket of the suggested journey
/// (Adult · Card: the cheaper medium), what to pay with and where to buy; `--rider` changes it.
#[test]
fn announce_has_a_fares_section() {
    let dir = tempfile::tempdir().unwrap();
    let venues = dir.path().join("venues.toml");
    std::fs::write(
        &venues,
        "[venues.hall]\nname = \"Fixture Hall\"\nlat = 45.5200\nlon = -122.6652\n",
    )
    .unwrap();
    let cmd = |rider: Option<&str>| {
        let mut c = assert_cmd::Command::cargo_bin("gethere").unwrap();
        c.env_remove("GETHERE_FEED")
            .env_remove("GETHERE_VENUES")
            .env_remove("GETHERE_GEOCODER")
            .env("GETHERE_CACHE_DIR", crate::common::cache_dir())
            .arg("--feed")
            .arg(fixture("fares_v2_riders_media"))
            .arg("--venues")
            .arg(&venues)
            .args([
                "announce",
                "--venue",
                "hall",
                "--start",
                "2021-11-02T10:30",
                "--format",
                "markdown",
                "--from",
                "stop:S1",
            ]);
        if let Some(r) = rider {
            c.args(["--rider", r]);
        }
        run(c)
    };
    let (code, out, err) = cmd(None);
    assert_eq!(code, 0, "{err}");
    let fares = out
        .split("### Fares")
        .nth(1)
        .unwrap_or_else(|| panic!("no Fares section:\n{out}"));
    assert!(
        fares.contains("- From Stop 1 (latest departure): $2.00 (Adult · Card, valid 2 h 00 min)"),
        "{fares}"
    );
    assert!(fares.contains("- Pay with: Card"), "{fares}");
    assert!(
        fares.contains("- Fares and tickets (Fixture Transit): https://fixture.example/fares"),
        "{fares}"
    );
    let (_, out, _) = cmd(Some("youth"));
    assert!(out.contains("$1.00 (Youth · Card"), "{out}");
}
