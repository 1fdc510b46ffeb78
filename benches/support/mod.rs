#![allow(dead_code)] // each bench uses part of it
//! Shared by the benchmarks: where the real feeds are, and a tiny deterministic RNG.

use std::path::PathBuf;

/// `../shared/data/<rel>` next to the project, if present.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    p.exists().then_some(p)
}

pub const CHARLOTTE: &str = "charlotte-cats-2018/charlotte-cats-2018.gtfs.zip";
pub const TRIMET: &str = "trimet-2021-max-green-streetcar.gtfs.zip";

pub fn bundled_trimet() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(TRIMET)
}

/// xorshift64*: reproducible pairs without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545F4914F6CDD1D) % n as u64) as usize
    }
}

/// Median, 90th percentile and max of a sample, in milliseconds.
pub fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    format!(
        "median {:.3} ms, p90 {:.3} ms, max {:.3} ms (n={})",
        at(0.5),
        at(0.9),
        v[v.len() - 1],
        v.len()
    )
}

/// `n` random (origin, destination) pairs of distinct served stops, reproducible from `seed`.
pub fn served_pairs(
    tt: &gethere::timetable::Timetable,
    n: usize,
    seed: u64,
) -> Vec<(gethere::timetable::StopIdx, gethere::timetable::StopIdx)> {
    use gethere::timetable::StopIdx;
    let served: Vec<StopIdx> = (0..tt.stops.len() as u32)
        .map(StopIdx)
        .filter(|&s| !tt.patterns_at(s).is_empty())
        .collect();
    let mut rng = Rng::new(seed);
    let mut v = Vec::new();
    while v.len() < n {
        let (a, b) = (
            served[rng.below(served.len())],
            served[rng.below(served.len())],
        );
        if a != b {
            v.push((a, b));
        }
    }
    v
}

/// A stop-to-stop query as the benchmarks ask it: ≤ 5 transfers, 1.2 m/s, no wheelchair, no
/// duration bound; `min_transfer_secs` and `walk_radius_m` as the benchmark measures (the
/// defaults are 60 and 400; issue 17's search figures use 0 and 0).
#[allow(clippy::too_many_arguments)]
pub fn stop_query(
    kind: gethere::router::QueryKind,
    time: gethere::time::Instant,
    window_secs: u32,
    a: gethere::timetable::StopIdx,
    b: gethere::timetable::StopIdx,
    min_transfer_secs: u32,
    walk_radius_m: u32,
) -> gethere::router::Query {
    let at = |s| {
        vec![gethere::router::Access {
            stop: s,
            secs: 0,
            metres: 0,
        }]
    };
    gethere::router::Query {
        kind,
        time,
        window_secs,
        origins: at(a),
        targets: at(b),
        max_transfers: 5,
        min_transfer_secs,
        walk_radius_m,
        walk_speed_mps: 1.2,
        wheelchair: false,
        max_duration_secs: None,
    }
}
