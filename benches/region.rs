//! Region figures for issue 11: compiling several feeds as one region against compiling each
//! alone, and a query on the merged timetable against the same query on the largest feed
//! alone (Charlotte + GoDurham + TriMet, far apart, so the answers must be identical).
//! Run with `cargo bench --bench region`; needs ../shared/data (skips, saying so, without it).

#[path = "support/mod.rs"]
mod common;

use gethere::feed::load::read_raw;
use gethere::router::{Access, Query, QueryKind, plan};
use gethere::time::parse_user_time;
use gethere::timetable::Timetable;
use gethere::timetable::compile::{FeedInput, compile_region};
use std::path::PathBuf;
use std::time::Instant;

const RUNS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let Some(charlotte) = common::shared(common::CHARLOTTE) else {
        eprintln!("region bench skipped: ../shared/data is not here");
        return;
    };
    let feeds: Vec<(&str, PathBuf)> = vec![
        ("charlotte", charlotte),
        (
            "godurham",
            common::shared("godurham/godurham-2023-12.gtfs.zip").expect("GoDurham"),
        ),
        ("trimet", common::bundled_trimet()),
    ];
    let raws: Vec<_> = feeds
        .iter()
        .map(|(_, p)| read_raw(p).expect("readable feed"))
        .collect();
    let input = |i: usize| FeedInput {
        key: feeds[i].0.to_string(),
        name: feeds[i].1.display().to_string(),
        raw: &raws[i],
        content_hash: format!("{i:064}"),
    };
    let time = |f: &dyn Fn() -> Timetable| {
        median(
            (0..RUNS)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(f());
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect(),
        )
    };
    let mut sum = 0.0;
    for (i, (key, _)) in feeds.iter().enumerate() {
        let ms = time(&|| compile_region(&[input(i)], false).expect("compiles"));
        sum += ms;
        println!("compile {key:<10} {ms:8.1} ms (median of {RUNS})");
    }
    let all: Vec<FeedInput> = (0..feeds.len()).map(input).collect();
    let region_ms = time(&|| compile_region(&all, false).expect("compiles"));
    println!(
        "compile region     {region_ms:8.1} ms (sum of the three alone: {sum:.1} ms, ratio {:.2})",
        region_ms / sum
    );

    // Queries: Charlotte pairs on Charlotte alone and on the region (Charlotte is the first
    // feed, so its stop indices are the same in both).
    let alone = compile_region(&[input(0)], false).expect("compiles");
    let region = compile_region(&all, false).expect("compiles");
    let pairs = common::served_pairs(&alone, 300, 7);
    for (kind, hm) in [
        (QueryKind::ArriveBy, "17:30"),
        (QueryKind::DepartAt, "08:00"),
    ] {
        let mut t_alone = Vec::new();
        let mut t_region = Vec::new();
        let mut answered = 0;
        for &(a, b) in &pairs {
            let q = |tt: &Timetable| Query {
                kind,
                time: parse_user_time(&format!("2018-10-10T{hm}"), tt.tz()).expect("time"),
                window_secs: 0,
                origins: vec![Access {
                    stop: a,
                    secs: 0,
                    metres: 0,
                }],
                targets: vec![Access {
                    stop: b,
                    secs: 0,
                    metres: 0,
                }],
                max_transfers: 5,
                min_transfer_secs: 60,
                walk_radius_m: 400,
                walk_speed_mps: 1.2,
                wheelchair: false,
                max_duration_secs: None,
            };
            let t = Instant::now();
            let x = plan(&alone, &q(&alone));
            t_alone.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let y = plan(&region, &q(&region));
            t_region.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(x.journeys, y.journeys, "same answers on the region");
            answered += usize::from(!x.journeys.is_empty());
        }
        println!(
            "{kind:?} {hm}: Charlotte alone {}; region {} ({answered}/300 answered, identical)",
            common::summary(t_alone),
            common::summary(t_region)
        );
    }
}
