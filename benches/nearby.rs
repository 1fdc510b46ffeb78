//! Nearest-stops figures for issue 5 on Charlotte (3,021 stops): the R-tree lookups alone
//! (per-lookup median over random points) and `gethere stops` as a whole process with a warm
//! cache. Run with `cargo bench --bench nearby`.

#[path = "support/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gethere::nearby::StopIndex;
use gethere::timetable::cache::load_or_compile;
use std::time::{Duration, Instant};

fn bench(c: &mut Criterion) {
    let Some(path) = common::shared(common::CHARLOTTE) else {
        eprintln!("../shared/data absent: nearby benchmarks skipped");
        return;
    };
    let cache = tempfile::tempdir().expect("tempdir");
    let (tt, _) = load_or_compile(&path, cache.path()).expect("compiles");
    let t = Instant::now();
    let index = StopIndex::new(&tt);
    println!(
        "Charlotte: building the stop index took {:.3} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    // Random points over the feed's bounding box.
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for s in tt.stops.iter().filter(|s| s.lat.is_finite()) {
        lat0 = lat0.min(s.lat);
        lat1 = lat1.max(s.lat);
        lon0 = lon0.min(s.lon);
        lon1 = lon1.max(s.lon);
    }
    let mut rng = common::Rng::new(42);
    let pts: Vec<(f64, f64)> = (0..2000)
        .map(|_| {
            (
                lat0 + (lat1 - lat0) * rng.below(10_000) as f64 / 10_000.0,
                lon0 + (lon1 - lon0) * rng.below(10_000) as f64 / 10_000.0,
            )
        })
        .collect();
    let mut within = Vec::new();
    let mut nearest = Vec::new();
    for &(lat, lon) in &pts {
        let t = Instant::now();
        std::hint::black_box(index.within(&tt, lat, lon, 400));
        within.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        std::hint::black_box(index.nearest(&tt, lat, lon, 10));
        nearest.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("  stops within 400 m: {}", common::summary(within));
    println!("  10 nearest stops:   {}", common::summary(nearest));

    let exe = env!("CARGO_BIN_EXE_gethere");
    let mut proc_times = Vec::new();
    for &(lat, lon) in pts.iter().take(50) {
        let t = Instant::now();
        let out = std::process::Command::new(exe)
            .arg("--feed")
            .arg(&path)
            .arg("--cache-dir")
            .arg(cache.path())
            .args([
                "stops",
                "--near",
                &format!("{lat:.5},{lon:.5}"),
                "--at",
                "2018-10-10T17:00",
            ])
            .output()
            .expect("runs");
        proc_times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(out.status.code().is_some_and(|c| c <= 1));
    }
    println!(
        "  `gethere stops --near LAT,LON --at …` whole process, warm: {}",
        common::summary(proc_times)
    );

    let mut g = c.benchmark_group("nearby/charlotte");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    let mut i = 0;
    g.bench_function("within 400 m", |b| {
        b.iter(|| {
            let (lat, lon) = pts[i % pts.len()];
            i += 1;
            index.within(&tt, lat, lon, 400)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
