//! Search time alone (issue 17): arrive-by 17:30 and depart-at 08:00 on Charlotte CATS (the
//! largest shared feed), 300 random served stop pairs, ≤ 5 transfers, `--walk-radius 0
//! --min-transfer-time 0`, each query answered by `router::plan` in this warm process.
//!
//! `cargo bench --bench search` prints median/p90/max per kind and a criterion figure for the
//! whole batch. Two environment variables serve before/after comparisons:
//! - `GETHERE_SEARCH_DUMP=FILE` writes every answer (departure, arrival, legs) to FILE, so two
//!   builds can be diffed for "exactly the same answers";
//! - `GETHERE_SEARCH_ONCE=1` runs the 600 queries once, with `--max-duration 24h` (the horizon
//!   of builds before it grew), and exits: for `valgrind --tool=callgrind
//!   --toggle-collect='gethere::router::plan'` instruction counts, which a loaded machine does
//!   not disturb;
//! - `GETHERE_SEARCH_SLOW_MS=X` prints the counters of every query slower than X ms;
//! - `GETHERE_SEARCH_NO_CELLS=1` drops the cell graph, so the search runs without its
//!   lower bounds (the pruning's before/after in one build);
//! - `GETHERE_SEARCH_FEED=PATH` runs the same queries on another feed with service on
//!   2018-10-10, such as two tiles of `examples/country_feed.rs` (620 k stop times, for the
//!   issue's "445 k-stop-time feed", which is not among the shared ones).

#[path = "support/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gethere::router::{Query, QueryKind, plan};
use gethere::time::parse_user_time;
use gethere::timetable::cache::load_or_compile;
use gethere::timetable::{StopIdx, Timetable};
use std::fmt::Write as _;
use std::time::Instant;

const PAIRS: usize = 300;
const DATE: &str = "2018-10-10";
const KINDS: [(&str, QueryKind, &str); 2] = [
    ("arrive-by 17:30", QueryKind::ArriveBy, "17:30"),
    ("depart-at 08:00", QueryKind::DepartAt, "08:00"),
];

fn query(tt: &Timetable, kind: QueryKind, hm: &str, a: StopIdx, b: StopIdx) -> Query {
    let time = parse_user_time(&format!("{DATE}T{hm}"), tt.tz()).expect("valid time");
    common::stop_query(kind, time, 0, a, b, 0, 0)
}

fn bench(c: &mut Criterion) {
    let path = match std::env::var_os("GETHERE_SEARCH_FEED") {
        Some(p) => std::path::PathBuf::from(p),
        None => match common::shared(common::CHARLOTTE) {
            Some(p) => p,
            None => {
                eprintln!("../shared/data absent: search benchmark skipped");
                return;
            }
        },
    };
    let cache = tempfile::tempdir().expect("tempdir");
    let (mut tt, _) = load_or_compile(&path, cache.path()).expect("compiles");
    if std::env::var_os("GETHERE_SEARCH_NO_CELLS").is_some() {
        // Without the cell graph: no goal-directed pruning (`router::lower`).
        tt.cells = Default::default();
    }
    let ps = common::served_pairs(&tt, PAIRS, 20181010);
    let queries: Vec<(&str, Vec<Query>)> = KINDS
        .iter()
        .map(|&(label, kind, hm)| {
            let qs = ps
                .iter()
                .map(|&(a, b)| query(&tt, kind, hm, a, b))
                .collect();
            (label, qs)
        })
        .collect();

    if std::env::var_os("GETHERE_SEARCH_ONCE").is_some() {
        // With the first horizon only, so that instruction counts compare with builds that
        // had no growing horizon (the unanswered pairs would otherwise search every day of
        // the feed).
        let n: usize = queries
            .iter()
            .flat_map(|(_, qs)| qs)
            .map(|q| {
                let q = Query {
                    max_duration_secs: Some(24 * 3600),
                    ..q.clone()
                };
                plan(&tt, &q).journeys.len()
            })
            .sum();
        println!("{n} journeys");
        return;
    }
    let mut dump = String::new();
    let slow: Option<f64> = std::env::var("GETHERE_SEARCH_SLOW_MS")
        .ok()
        .and_then(|v| v.parse().ok());
    println!(
        "Charlotte CATS, {} stop times, {PAIRS} random stop pairs, {DATE}, ≤5 transfers, \
         --walk-radius 0 --min-transfer-time 0:",
        tt.dep.len()
    );
    for (label, qs) in &queries {
        let mut times = Vec::with_capacity(qs.len());
        let mut answered = 0;
        let mut journeys = 0;
        for q in qs {
            let t = Instant::now();
            let p = plan(&tt, q);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            times.push(ms);
            if slow.is_some_and(|x| ms > x) {
                println!(
                    "    slow: {ms:.1} ms, {} journeys, horizon {} s, {:?}",
                    p.journeys.len(),
                    p.horizon.secs,
                    p.counters
                );
            }
            answered += usize::from(!p.journeys.is_empty());
            journeys += p.journeys.len();
            for j in &p.journeys {
                let _ = writeln!(dump, "{label} {:?}", j);
            }
        }
        println!(
            "  {label}: {} ({answered} answered, {journeys} journeys)",
            common::summary(times)
        );
    }
    if let Some(f) = std::env::var_os("GETHERE_SEARCH_DUMP") {
        std::fs::write(f, dump).expect("dump written");
    }
    let mut g = c.benchmark_group("search");
    g.sample_size(10);
    for (label, qs) in &queries {
        g.bench_function(format!("{label}, 300 queries"), |b| {
            b.iter(|| {
                qs.iter()
                    .map(|q| plan(&tt, q).journeys.len())
                    .sum::<usize>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
