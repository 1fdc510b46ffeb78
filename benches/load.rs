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
        let tt = read_cache(&file, &hash).expect("cache readable");
        // Peak resident memory of a whole `gethere feed info` process on the warm cache,
        // through GNU time: a child spawned straight from this (large) bench process is
        // charged this process's memory high-water mark until it execs.
        let peak = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M", env!("CARGO_BIN_EXE_gethere"), "--feed"])
            .arg(&path)
            .arg("--cache-dir")
            .arg(cache.path())
            .args(["feed", "info"])
            .output()
            .ok()
            .and_then(|o| {
                let e = String::from_utf8_lossy(&o.stderr).into_owned();
                e.lines().last()?.trim().parse::<f64>().ok()
            })
            .map(|kb| format!("{:.1} MB", kb / 1024.0))
            .unwrap_or_else(|| "not measured (/usr/bin/time absent)".into());
        println!(
            "{name}: {} stop times, cache file {:.2} MB, peak RSS of `gethere feed info` (warm): {peak}",
            tt.dep.len(),
            size as f64 / 1e6,
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
