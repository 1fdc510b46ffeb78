//! Properties of the fare pricer against brute-force references on random fare tables and
//! random itineraries. Each case writes its tables as a GTFS directory, compiles them with the
//! library ([`super::fares::tables`]) and prices hand-built legs; the reference reads the same
//! tables from the test's own structs (strings, not the compiled form), tries **every grouping
//! of the legs into consecutive groups and every matching fare (v1) or every choice of
//! transfer rules (v2)**, and keeps the minimum (fewest unknown legs, then the lowest price).
//! The library's price must equal that minimum, and its products must add up to it.

use super::fares::{Tables, tables};
use gethere::fares::{Leg, Rider};
use proptest::prelude::*;
use std::fmt::Write as _;
use std::path::Path;

const CASES: u32 = 300;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES)
}

const STOPS: usize = 6;
const ROUTES: usize = 4;
const BASE: i64 = 1_635_868_800; // 2021-11-02T16:00:00Z, a Tuesday morning in Portland

/// The parts every random feed shares: stops S0…S5 (zones given), routes R0…R3 (agency A or B,
/// network given), one dummy trip so the feed reads.
fn write_base(dir: &Path, zones: &[Option<usize>], agency: &[usize], network: &[Option<usize>]) {
    let w = |name: &str, s: String| std::fs::write(dir.join(name), s).unwrap();
    w(
        "agency.txt",
        "agency_id,agency_name,agency_url,agency_timezone\nA,Alpha,https://a.example,America/Los_Angeles\nB,Beta,https://b.example,America/Los_Angeles\n".into(),
    );
    let mut s = "stop_id,stop_name,stop_lat,stop_lon,zone_id\n".to_string();
    for (i, z) in zones.iter().enumerate() {
        let z = z.map(|z| format!("Z{z}")).unwrap_or_default();
        writeln!(s, "S{i},Stop {i},45.5,{},{z}", -122.6 - i as f64 * 0.01).unwrap();
    }
    w("stops.txt", s);
    let mut s = "route_id,agency_id,route_short_name,route_type,network_id\n".to_string();
    for r in 0..ROUTES {
        let a = ["A", "B"][agency[r]];
        let n = network[r].map(|n| format!("N{n}")).unwrap_or_default();
        writeln!(s, "R{r},{a},{r},3,{n}").unwrap();
    }
    w("routes.txt", s);
    w("trips.txt", "route_id,service_id,trip_id\nR0,WD,T\n".into());
    w(
        "calendar.txt",
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWD,1,1,1,1,1,1,1,20211101,20211130\n".into(),
    );
    w(
        "stop_times.txt",
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT,10:00:00,10:00:00,S0,1\nT,10:05:00,10:05:00,S1,2\n".into(),
    );
}

/// A random leg: route, the stops it passes, departure and arrival (seconds after BASE).
#[derive(Clone, Debug)]
struct SpecLeg {
    route: usize,
    stops: Vec<usize>,
    dep: i64,
    arr: i64,
}

fn legs_strategy() -> impl Strategy<Value = Vec<SpecLeg>> {
    prop::collection::vec(
        (
            0..ROUTES,
            prop::collection::vec(0..STOPS, 2..4),
            0i64..4000,
            60i64..1800,
        ),
        1..5,
    )
    .prop_map(|raw| {
        let mut t = 0;
        raw.into_iter()
            .map(|(route, stops, gap, ride)| {
                let dep = t + gap;
                t = dep + ride;
                SpecLeg {
                    route,
                    stops,
                    dep,
                    arr: t,
                }
            })
            .collect()
    })
}

fn lib_legs(t: &Tables, legs: &[SpecLeg]) -> Vec<Leg> {
    legs.iter()
        .map(|l| {
            let stops: Vec<_> = l
                .stops
                .iter()
                .map(|s| t.ids.stop(&format!("S{s}")).unwrap())
                .collect();
            Leg {
                route: t.ids.route(&format!("R{}", l.route)).unwrap(),
                from: stops[0],
                to: stops[stops.len() - 1],
                stops,
                departure: BASE + l.dep,
                arrival: BASE + l.arr,
            }
        })
        .collect()
}

/// Every way to cut `n` legs into consecutive groups: each item is a list of (start, end).
fn groupings(n: usize) -> Vec<Vec<(usize, usize)>> {
    (0..1u32 << n.saturating_sub(1))
        .map(|mask| {
            let mut out = Vec::new();
            let mut start = 0;
            for i in 0..n {
                if i == n - 1 || mask >> i & 1 == 1 {
                    out.push((start, i + 1));
                    start = i + 1;
                }
            }
            out
        })
        .collect()
}

// --- Fares v1 -------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct V1Rule {
    route: Option<usize>,
    origin: Option<usize>,
    dest: Option<usize>,
    contains: Option<usize>,
}

#[derive(Clone, Debug)]
struct V1Fare {
    cents: i64,
    agency: Option<usize>,
    transfers: Option<u32>,
    duration: Option<i64>,
    rules: Vec<V1Rule>,
}

#[derive(Clone, Debug)]
struct V1Case {
    zones: Vec<Option<usize>>,
    agency: Vec<usize>,
    fares: Vec<V1Fare>,
    legs: Vec<SpecLeg>,
}

fn v1_case() -> impl Strategy<Value = V1Case> {
    let rule = (
        prop::option::of(0..ROUTES),
        prop::option::of(0..3usize),
        prop::option::of(0..3usize),
        prop::option::of(0..3usize),
    )
        .prop_map(|(route, origin, dest, contains)| V1Rule {
            route,
            origin,
            dest,
            contains,
        });
    let fare = (
        0i64..600,
        prop::option::of(0..2usize),
        prop::option::of(0u32..3),
        prop::option::of(600i64..7200),
        prop::collection::vec(rule, 0..4),
    )
        .prop_map(|(cents, agency, transfers, duration, rules)| V1Fare {
            cents,
            agency,
            transfers,
            duration,
            rules,
        });
    (
        prop::collection::vec(prop::option::of(0..3usize), STOPS - 3),
        prop::collection::vec(0..2usize, ROUTES),
        prop::collection::vec(fare, 1..5),
        legs_strategy(),
    )
        .prop_map(|(more_zones, agency, fares, legs)| {
            // Zones Z0, Z1, Z2 are each used by a stop, so no rule names an unused zone.
            let mut zones = vec![Some(0), Some(1), Some(2)];
            zones.extend(more_zones);
            V1Case {
                zones,
                agency,
                fares,
                legs,
            }
        })
}

fn write_v1(dir: &Path, c: &V1Case) {
    write_base(dir, &c.zones, &c.agency, &[None; ROUTES]);
    let mut a =
        "fare_id,price,currency_type,payment_method,transfers,agency_id,transfer_duration\n"
            .to_string();
    let mut r = "fare_id,route_id,origin_id,destination_id,contains_id\n".to_string();
    let opt = |x: Option<String>| x.unwrap_or_default();
    for (i, f) in c.fares.iter().enumerate() {
        writeln!(
            a,
            "F{i},{}.{:02},USD,0,{},{},{}",
            f.cents / 100,
            f.cents % 100,
            opt(f.transfers.map(|t| t.to_string())),
            opt(f.agency.map(|x| ["A", "B"][x].to_string())),
            opt(f.duration.map(|d| d.to_string())),
        )
        .unwrap();
        for rule in &f.rules {
            writeln!(
                r,
                "F{i},{},{},{},{}",
                opt(rule.route.map(|x| format!("R{x}"))),
                opt(rule.origin.map(|x| format!("Z{x}"))),
                opt(rule.dest.map(|x| format!("Z{x}"))),
                opt(rule.contains.map(|x| format!("Z{x}"))),
            )
            .unwrap();
        }
    }
    std::fs::write(dir.join("fare_attributes.txt"), a).unwrap();
    std::fs::write(dir.join("fare_rules.txt"), r).unwrap();
}

/// Does fare `f` cover legs `g` (the spec, read as `gethere::fares::v1` documents it)?
fn v1_matches(c: &V1Case, f: &V1Fare, g: &[SpecLeg]) -> bool {
    if let Some(a) = f.agency
        && !g.iter().all(|l| c.agency[l.route] == a)
    {
        return false;
    }
    if f.transfers.is_some_and(|t| g.len() > t as usize + 1) {
        return false;
    }
    if f.duration
        .is_some_and(|d| g.iter().any(|l| l.dep - g[0].dep > d))
    {
        return false;
    }
    let routes: Vec<usize> = f.rules.iter().filter_map(|r| r.route).collect();
    if !routes.is_empty() && !g.iter().all(|l| routes.contains(&l.route)) {
        return false;
    }
    let start = c.zones[g[0].stops[0]];
    let end = c.zones[*g[g.len() - 1].stops.last().unwrap()];
    let ods: Vec<(Option<usize>, Option<usize>)> = f
        .rules
        .iter()
        .filter(|r| r.origin.is_some() || r.dest.is_some())
        .map(|r| (r.origin, r.dest))
        .collect();
    if !ods.is_empty()
        && !ods
            .iter()
            .any(|&(o, d)| (o.is_none() || o == start) && (d.is_none() || d == end))
    {
        return false;
    }
    let mut contains: Vec<usize> = f.rules.iter().filter_map(|r| r.contains).collect();
    contains.sort();
    contains.dedup();
    let mut passed: Vec<usize> = g
        .iter()
        .flat_map(|l| l.stops.iter().filter_map(|&s| c.zones[s]))
        .collect();
    passed.sort();
    passed.dedup();
    contains.is_empty() || contains == passed
}

/// (unknown legs, cents): the minimum over every grouping and every matching fare per group.
fn v1_reference(c: &V1Case) -> (usize, i64) {
    let mut best = (usize::MAX, i64::MAX);
    for grouping in groupings(c.legs.len()) {
        let mut total = (0usize, 0i64);
        for &(a, b) in &grouping {
            let g = &c.legs[a..b];
            match c
                .fares
                .iter()
                .filter(|f| v1_matches(c, f, g))
                .map(|f| f.cents)
                .min()
            {
                Some(p) => total.1 += p,
                None => total.0 += b - a,
            }
        }
        best = best.min(total);
    }
    best
}

// --- Fares v2 -------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct V2LegRule {
    group: Option<usize>,
    network: Option<usize>,
    product: usize,
}

#[derive(Clone, Debug)]
struct V2Transfer {
    from: Option<usize>,
    to: Option<usize>,
    product: Option<usize>,
    count: i32,
    duration: Option<(i64, u8)>,
    kind: u8,
}

#[derive(Clone, Debug)]
struct V2Case {
    network: Vec<Option<usize>>,
    products: Vec<i64>,
    leg_rules: Vec<V2LegRule>,
    transfers: Vec<V2Transfer>,
    legs: Vec<SpecLeg>,
}

fn v2_case() -> impl Strategy<Value = V2Case> {
    let leg_rule = (
        prop::option::of(0..3usize),
        prop::option::of(0..3usize),
        0..4usize,
    )
        .prop_map(|(group, network, product)| V2LegRule {
            group,
            network,
            product,
        });
    let transfer = (
        prop::option::of(0..3usize),
        prop::option::of(0..3usize),
        prop::option::of(0..4usize),
        prop::sample::select(vec![-1, 1, 2]),
        prop::option::of((600i64..7200, 0u8..4)),
        0u8..3,
    )
        .prop_map(|(from, to, product, count, duration, kind)| V2Transfer {
            from,
            to,
            product,
            count,
            duration,
            kind,
        });
    (
        prop::collection::vec(prop::option::of(0..3usize), ROUTES),
        prop::collection::vec(0i64..500, 4),
        prop::collection::vec(leg_rule, 1..5),
        prop::collection::vec(transfer, 0..4),
        legs_strategy(),
    )
        .prop_map(|(network, products, leg_rules, transfers, legs)| V2Case {
            network,
            products,
            leg_rules,
            transfers,
            legs,
        })
}

fn write_v2(dir: &Path, c: &V2Case) {
    write_base(dir, &[None; STOPS], &[0; ROUTES], &c.network);
    let mut p = "fare_product_id,fare_product_name,amount,currency\n".to_string();
    for (i, cents) in c.products.iter().enumerate() {
        writeln!(p, "P{i},Product {i},{}.{:02},USD", cents / 100, cents % 100).unwrap();
    }
    let opt = |x: Option<String>| x.unwrap_or_default();
    let mut l = "leg_group_id,network_id,fare_product_id\n".to_string();
    for r in &c.leg_rules {
        writeln!(
            l,
            "{},{},P{}",
            opt(r.group.map(|g| format!("G{g}"))),
            opt(r.network.map(|n| format!("N{n}"))),
            r.product
        )
        .unwrap();
    }
    let mut t = "from_leg_group_id,to_leg_group_id,fare_product_id,transfer_count,duration_limit,duration_limit_type,fare_transfer_type\n".to_string();
    for r in c.transfers.iter().filter(|r| v2_transfer_usable(c, r)) {
        writeln!(
            t,
            "{},{},{},{},{},{},{}",
            opt(r.from.map(|g| format!("G{g}"))),
            opt(r.to.map(|g| format!("G{g}"))),
            opt(r.product.map(|x| format!("P{x}"))),
            if r.from == r.to {
                r.count.to_string()
            } else {
                String::new()
            },
            opt(r.duration.map(|d| d.0.to_string())),
            opt(r.duration.map(|d| d.1.to_string())),
            r.kind
        )
        .unwrap();
    }
    std::fs::write(dir.join("fare_products.txt"), p).unwrap();
    std::fs::write(dir.join("fare_leg_rules.txt"), l).unwrap();
    std::fs::write(dir.join("fare_transfer_rules.txt"), t).unwrap();
}

/// A leg rule naming a network no route has is a dangling reference: skipped (with a warning).
fn v2_leg_rule_valid(c: &V2Case, r: &V2LegRule) -> bool {
    r.network.is_none_or(|n| c.network.contains(&Some(n)))
}

/// Transfer rules naming a leg group no (valid) leg rule defines are skipped with a warning;
/// the generator leaves them out of the file.
fn v2_transfer_usable(c: &V2Case, r: &V2Transfer) -> bool {
    let defined = |g: Option<usize>| {
        g.is_none_or(|g| {
            c.leg_rules
                .iter()
                .any(|l| l.group == Some(g) && v2_leg_rule_valid(c, l))
        })
    };
    defined(r.from) && defined(r.to)
}

fn is_transfer_product(c: &V2Case, p: usize) -> bool {
    c.transfers
        .iter()
        .filter(|r| v2_transfer_usable(c, r))
        .any(|r| r.product == Some(p))
}

/// The leg rules for a leg: network equal to the route's, else empty ("exact first").
fn v2_leg(c: &V2Case, l: &SpecLeg) -> (Vec<usize>, Option<i64>) {
    let net = c.network[l.route];
    let valid: Vec<&V2LegRule> = c
        .leg_rules
        .iter()
        .filter(|r| v2_leg_rule_valid(c, r))
        .collect();
    let exact: Vec<&V2LegRule> = valid
        .iter()
        .copied()
        .filter(|r| r.network.is_some() && r.network == net)
        .collect();
    let rules: Vec<&V2LegRule> = if exact.is_empty() {
        valid.into_iter().filter(|r| r.network.is_none()).collect()
    } else {
        exact
    };
    let mut groups: Vec<usize> = rules.iter().filter_map(|r| r.group).collect();
    groups.sort();
    groups.dedup();
    let plain = rules
        .iter()
        .filter(|r| !is_transfer_product(c, r.product))
        .map(|r| c.products[r.product])
        .min();
    let any = rules.iter().map(|r| c.products[r.product]).min();
    (groups, plain.or(any))
}

/// The transfer rules for a transfer between legs of groups `a` and `b`.
fn v2_candidates(c: &V2Case, a: &[usize], b: &[usize]) -> Vec<usize> {
    let rules: Vec<usize> = (0..c.transfers.len())
        .filter(|&i| v2_transfer_usable(c, &c.transfers[i]))
        .collect();
    let pick = |set: Vec<usize>, side: fn(&V2Transfer) -> Option<usize>, vals: &[usize]| {
        let exact: Vec<usize> = set
            .iter()
            .copied()
            .filter(|&i| side(&c.transfers[i]).is_some_and(|g| vals.contains(&g)))
            .collect();
        if exact.is_empty() {
            set.into_iter()
                .filter(|&i| side(&c.transfers[i]).is_none())
                .collect()
        } else {
            exact
        }
    };
    let from = pick(rules, |r| r.from, a);
    pick(from, |r| r.to, b)
}

/// The cost of paying legs `g` as one segment with transfer rules `choice` (one per
/// transfer), or `None` when the choice is not allowed.
fn v2_segment(c: &V2Case, g: &[SpecLeg], choice: &[usize]) -> Option<i64> {
    let facts: Vec<(Vec<usize>, Option<i64>)> = g.iter().map(|l| v2_leg(c, l)).collect();
    if g.len() == 1 {
        return facts[0].1;
    }
    let mut cost = 0;
    let mut run = 0;
    for (k, &ri) in choice.iter().enumerate() {
        let t = k + 1;
        if !v2_candidates(c, &facts[t - 1].0, &facts[t].0).contains(&ri) {
            return None;
        }
        let r = &c.transfers[ri];
        run = if k > 0 && choice[k - 1] == ri {
            run + 1
        } else {
            1
        };
        if r.from == r.to && r.count >= 0 && run > r.count {
            return None;
        }
        if let Some((d, kind)) = r.duration {
            let (a, b) = (&g[0], &g[t]);
            let span = match kind {
                0 => b.arr - a.dep,
                1 => b.dep - a.dep,
                2 => b.dep - a.arr,
                _ => b.arr - a.arr,
            };
            if span > d {
                return None;
            }
        }
        if k == 0 && r.kind != 2 {
            cost += facts[0].1?;
        }
        cost += r.product.map(|p| c.products[p]).unwrap_or(0);
        if r.kind == 1 {
            cost += facts[t].1?;
        }
    }
    Some(cost)
}

/// (unknown legs, cents): every grouping, every choice of a transfer rule per transfer.
fn v2_reference(c: &V2Case) -> (usize, i64) {
    let m = c.transfers.len();
    let mut best = (usize::MAX, i64::MAX);
    for grouping in groupings(c.legs.len()) {
        let mut total = (0usize, 0i64);
        for &(a, b) in &grouping {
            let g = &c.legs[a..b];
            let k = g.len() - 1;
            let mut cheapest: Option<i64> = None;
            // Every assignment of a rule index to each of the k transfers.
            let combos = if k == 0 { 1 } else { m.pow(k as u32) };
            for code in 0..combos {
                let choice: Vec<usize> = (0..k).map(|i| code / m.pow(i as u32) % m).collect();
                if let Some(x) = v2_segment(c, g, &choice) {
                    cheapest = Some(cheapest.map_or(x, |y| y.min(x)));
                }
            }
            match cheapest {
                Some(p) => total.1 += p,
                None => total.0 += b - a,
            }
        }
        best = best.min(total);
    }
    best
}

fn library(t: &Tables, legs: &[SpecLeg]) -> (usize, i64) {
    let p = t
        .fares
        .price(&lib_legs(t, legs), &Rider::Default)
        .expect("the case has fares");
    (p.unknown.len(), p.sum_minor())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Fares v1: the pricer's price equals the brute-force minimum.
    #[test]
    fn v1_price_is_the_reference_minimum(c in v1_case()) {
        let dir = tempfile::tempdir().unwrap();
        write_v1(dir.path(), &c);
        let t = tables(dir.path());
        prop_assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        prop_assert_eq!(library(&t, &c.legs), v1_reference(&c), "{:#?}", c);
    }

    /// Fares v2: the pricer's price equals the brute-force minimum.
    #[test]
    fn v2_price_is_the_reference_minimum(c in v2_case()) {
        let dir = tempfile::tempdir().unwrap();
        write_v2(dir.path(), &c);
        let t = tables(dir.path());
        if t.fares.v2.is_none() {
            // Every leg rule names a network no route has: the library has no v2 tables and
            // (the case having no v1 either) no fares at all.
            prop_assert!(c.leg_rules.iter().all(|r| !v2_leg_rule_valid(&c, r)));
            return Ok(());
        }
        prop_assert_eq!(library(&t, &c.legs), v2_reference(&c), "{:#?}", c);
    }
}

/// A field value from a small alphabet of plausible and hostile values.
fn token() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "0",
        "1",
        "2",
        "-1",
        "3",
        "99999999999999999999",
        "2.50",
        "-2.50",
        "0.001",
        "USD",
        "JPY",
        "XYZ",
        "A",
        "B",
        "G0",
        "G1",
        "N0",
        "P0",
        "P1",
        "R0",
        "R9",
        "S0",
        "S1",
        "Z0",
        "Z9",
        "WD",
        "07:00:00",
        "24:00:00",
        "99:99:99",
        "4294967295:00:00",
        "\"x,y\"",
        "é",
    ])
    .prop_map(|s| s.to_string())
}

/// A fare file: a header from the real columns (some dropped) and random rows.
fn fare_file(columns: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        prop::sample::subsequence(columns.to_vec(), 1..=columns.len()),
        prop::collection::vec(prop::collection::vec(token(), 8), 0..5),
    )
        .prop_map(|(cols, rows)| {
            let mut s = cols.join(",");
            s.push('\n');
            for r in rows {
                s.push_str(&r[..cols.len()].join(","));
                s.push('\n');
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Hostile fare files never panic the compiler or the pricer; problems are warnings.
    #[test]
    fn hostile_fare_files_never_panic(
        attrs in fare_file(&["fare_id", "price", "currency_type", "payment_method", "transfers", "agency_id", "transfer_duration"]),
        rules in fare_file(&["fare_id", "route_id", "origin_id", "destination_id", "contains_id"]),
        products in fare_file(&["fare_product_id", "fare_product_name", "rider_category_id", "fare_media_id", "amount", "currency"]),
        leg_rules in fare_file(&["leg_group_id", "network_id", "from_area_id", "to_area_id", "from_timeframe_group_id", "to_timeframe_group_id", "fare_product_id", "rule_priority"]),
        transfers in fare_file(&["from_leg_group_id", "to_leg_group_id", "fare_product_id", "transfer_count", "duration_limit", "duration_limit_type", "fare_transfer_type"]),
        timeframes in fare_file(&["timeframe_group_id", "start_time", "end_time", "service_id"]),
        stop_areas in fare_file(&["area_id", "stop_id"]),
        legs in legs_strategy(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        write_base(dir.path(), &[Some(0), None, Some(1), None, None, None], &[0, 1, 0, 1], &[Some(0), None, Some(1), None]);
        for (name, body) in [
            ("fare_attributes.txt", attrs),
            ("fare_rules.txt", rules),
            ("fare_products.txt", products),
            ("fare_leg_rules.txt", leg_rules),
            ("fare_transfer_rules.txt", transfers),
            ("timeframes.txt", timeframes),
            ("stop_areas.txt", stop_areas),
        ] {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        if let Ok(raw) = gethere::feed::load::read_raw(dir.path()) {
            let v2 = gethere::fares::load::read_v2(dir.path());
            let ids = gethere::fares::Ids::from_raw(&raw);
            let mut warn = Vec::new();
            let f = gethere::fares::compile(&raw, &v2, &ids, "America/Los_Angeles", &mut warn);
            let t = Tables { fares: f, ids, warnings: warn };
            if let Some(p) = t.fares.price(&lib_legs(&t, &legs), &Rider::Default) {
                prop_assert!(p.unknown.len() <= legs.len());
                prop_assert!(p.products.iter().all(|x| x.amount.minor >= 0));
            }
        }
    }
}
