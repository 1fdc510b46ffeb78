//! Compile and load figures for issue 3: time to compile from the zip (vs gtfs-structures'
//! raw read alone), time to load the compiled cache, its size on disk, and resident memory.
//! Run with `cargo bench --bench load`.

#[path = "support/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gethere::feed::load::{content_hash, read_raw};
use gethere::timetable::cache::{cache_path, load_or_compile, read_cache};
use gethere::timetable::compile::compile;
use std::path::PathBuf;
use std::time::Duration;

fn feeds() -> Vec<(&'static str, PathBuf)> {
    let mut v = vec![("trimet", common::bundled_trimet())];
    match common::shared(common::CHARLOTTE) {
        Some(p) => v.push(("charlotte", p)),
        None => eprintln!("../shared/data absent: Charlotte skipped"),
    }
    v
}

fn bench(c: &mut Criterion) {
    let cache = tempfile::tempdir().expect("tempdir");
    for (name, path) in feeds() {
        // One-off figures first: sizes and memory of a freshly loaded timetable.
        let (_, _) = load_or_compile(&path, cache.path()).expect("compiles");
        let hash = content_hash(&path).expect("hash");
        let file = cache_path(cache.path(), &hash);
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let before = common::rss_kb().unwrap_or(0);
        let tt = read_cache(&file, &hash).expect("cache readable");
        let after = common::rss_kb().unwrap_or(0);
        println!(
            "{name}: {} stop times, cache file {:.2} MB, RSS growth on load {:.1} MB, process RSS {:.1} MB",
            tt.arr.len(),
            size as f64 / 1e6,
            (after.saturating_sub(before)) as f64 / 1024.0,
            after as f64 / 1024.0
        );
        drop(tt);

        let mut g = c.benchmark_group(format!("load/{name}"));
        g.sample_size(10).measurement_time(Duration::from_secs(8));
        g.bench_function("gtfs-structures raw read (no shapes)", |b| {
            b.iter(|| read_raw(&path).expect("reads"))
        });
        g.bench_function("compile from zip (read + compile)", |b| {
            b.iter(|| {
                let raw = read_raw(&path).expect("reads");
                compile(&raw, name, hash.clone()).expect("compiles")
            })
        });
        g.bench_function(
            "load cached timetable (hash feed + read + verify + decode)",
            |b| b.iter(|| load_or_compile(&path, cache.path()).expect("loads")),
        );
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
