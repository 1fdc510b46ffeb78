//! Pricing's cost relative to a warm `plan` (issue 12 asks ≤ 5 %): for random stop pairs, the
//! router's search (timetable already loaded) against pricing every journey it returns
//! (`fares::view`: legs, cheapest covering, the rendered fare). Feeds: the bundled TriMet feed
//! (Fares v1, zones), GoDurham (Fares v1, one fare over 20 routes) and the bundled TriMet feed
//! with TriMet's Dec 2024 Fares v2 tables attached (networks TRIMET/PSC via route_networks.txt),
//! the last two when ../shared/data is present. Run with `cargo bench --bench fares`.

#[path = "support/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gethere::fares::{self, Rider};
use gethere::router::{Query, QueryKind, plan};
use gethere::time::parse_user_time;
use gethere::timetable::cache::load_or_compile;
use gethere::timetable::{StopIdx, Timetable};
use std::path::{Path, PathBuf};
use std::time::Instant;

const PAIRS: usize = 300;

fn query(tt: &Timetable, when: &str, a: StopIdx, b: StopIdx) -> Query {
    let time = parse_user_time(when, tt.tz()).expect("valid time");
    common::stop_query(QueryKind::ArriveBy, time, 3600, a, b, 60, 400)
}

/// The bundled feed's files plus TriMet's Dec 2024 Fares v2 tables, in a directory.
fn bundled_with_v2(dir: &Path) -> Option<PathBuf> {
    let v2 = common::shared("trimet-2024-12-fares-v2/feed")?;
    let zip = std::fs::File::open(common::bundled_trimet()).ok()?;
    let mut z = zip::ZipArchive::new(zip).ok()?;
    for i in 0..z.len() {
        let mut e = z.by_index(i).ok()?;
        let name = e.name().to_string();
        if name == "shapes.txt" {
            continue;
        }
        let mut out = std::fs::File::create(dir.join(&name)).ok()?;
        std::io::copy(&mut e, &mut out).ok()?;
    }
    for f in [
        "fare_media.txt",
        "fare_products.txt",
        "rider_categories.txt",
        "fare_leg_rules.txt",
        "fare_transfer_rules.txt",
    ] {
        std::fs::copy(v2.join(f), dir.join(f)).ok()?;
    }
    std::fs::write(
        dir.join("route_networks.txt"),
        "network_id,route_id\nTRIMET,200\nPSC,193\n",
    )
    .ok()?;
    Some(dir.to_path_buf())
}

fn measure(label: &str, tt: &Timetable, when: &str) -> Option<(Timetable, Vec<Query>)> {
    let ps = common::served_pairs(tt, PAIRS, 12);
    let queries: Vec<Query> = ps.iter().map(|&(a, b)| query(tt, when, a, b)).collect();
    // Warm-up: one pass of each.
    for q in &queries {
        let p = plan(tt, q);
        for j in &p.journeys {
            std::hint::black_box(fares::view(tt, j, &Rider::Default));
        }
    }
    let (mut plan_s, mut price_s, mut journeys, mut priced_legs) = (0.0, 0.0, 0, 0);
    let mut ratios = Vec::new();
    for q in &queries {
        let t0 = Instant::now();
        let p = plan(tt, q);
        let t1 = Instant::now();
        for j in &p.journeys {
            let v = fares::view(tt, j, &Rider::Default);
            priced_legs += v.map(|v| v.products.len()).unwrap_or(0);
        }
        let t2 = Instant::now();
        let (a, b) = ((t1 - t0).as_secs_f64(), (t2 - t1).as_secs_f64());
        plan_s += a;
        price_s += b;
        journeys += p.journeys.len();
        if a > 0.0 {
            ratios.push(b / a * 100.0);
        }
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    let med = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
    // The pricer alone (legs + cheapest covering), without building the rendered view.
    let all: Vec<_> = queries.iter().flat_map(|q| plan(tt, q).journeys).collect();
    let t = Instant::now();
    for j in &all {
        let (legs, _) = fares::legs_of(tt, j);
        std::hint::black_box(tt.fares.price(&legs, &Rider::Default));
    }
    let bare = t.elapsed().as_secs_f64();
    println!(
        "  {label}: plan {:.1} ms total, pricing {:.3} ms total ({journeys} journeys, {priced_legs} products) = {:.2} % of plan; per query median {:.2} %; the pricer alone (no rendered view) {:.3} ms = {:.2} %",
        plan_s * 1000.0,
        price_s * 1000.0,
        price_s / plan_s * 100.0,
        med,
        bare * 1000.0,
        bare / plan_s * 100.0
    );
    Some((tt.clone(), queries))
}

fn bench(c: &mut Criterion) {
    println!("{PAIRS} random stop pairs, arrive-by with a 1 h window, ≤5 transfers:");
    let cache = tempfile::tempdir().expect("tempdir");
    let mut feeds: Vec<(&str, PathBuf, &str)> = vec![(
        "bundled TriMet (v1)",
        common::bundled_trimet(),
        "2021-11-02T17:30",
    )];
    if let Some(p) = common::shared("godurham/godurham-2023-12.gtfs.zip") {
        feeds.push(("GoDurham (v1)", p, "2024-03-05T17:30"));
    }
    let v2dir = tempfile::tempdir().expect("tempdir");
    if let Some(p) = bundled_with_v2(v2dir.path()) {
        feeds.push(("bundled TriMet + Dec 2024 v2 tables", p, "2021-11-02T17:30"));
    }
    let mut keep = Vec::new();
    for (label, path, when) in &feeds {
        let (tt, _) = load_or_compile(path, cache.path()).expect("compiles");
        println!("  ({label}: fare model {:?})", tt.fares.model());
        if let Some(k) = measure(label, &tt, when) {
            keep.push((label.to_string(), k));
        }
    }
    let mut g = c.benchmark_group("fares");
    for (label, (tt, queries)) in &keep {
        let journeys: Vec<_> = queries
            .iter()
            .take(50)
            .flat_map(|q| plan(tt, q).journeys)
            .collect();
        g.bench_function(format!("plan 50 queries, {label}"), |b| {
            b.iter(|| {
                for q in queries.iter().take(50) {
                    std::hint::black_box(plan(tt, q));
                }
            })
        });
        g.bench_function(format!("price the journeys of 50 queries, {label}"), |b| {
            b.iter(|| {
                for j in &journeys {
                    std::hint::black_box(fares::view(tt, j, &Rider::Default));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
