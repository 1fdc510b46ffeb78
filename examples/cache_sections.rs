//! Prints the size of every section of compiled timetable caches (issue 17's size accounting):
//! `cargo run --release --example cache_sections -- CACHE_FILE_OR_DIR...` — a directory is
//! searched for `*.timetable` files (a `--cache-dir`, or its `timetables/`).

use std::io::Write;
use std::path::{Path, PathBuf};

fn files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        for q in v {
            files(&q, out);
        }
    } else if p.extension().is_some_and(|x| x == "timetable") {
        out.push(p.to_path_buf());
    }
}

fn main() {
    let mut found = Vec::new();
    for a in std::env::args_os().skip(1) {
        files(Path::new(&a), &mut found);
    }
    if found.is_empty() {
        eprintln!("usage: cache_sections CACHE_FILE_OR_DIR... (no .timetable file found)");
        std::process::exit(2);
    }
    // A closed pipe (`| head`) ends the listing quietly.
    let mut out = std::io::stdout().lock();
    for f in found {
        let total = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
        match gethere::timetable::cache::section_sizes(&f) {
            Ok(sizes) => {
                let mut w = writeln!(out, "{}: {total} bytes", f.display());
                for (name, n) in sizes.iter().filter(|s| s.1 > 0) {
                    w = w.and_then(|_| {
                        writeln!(
                            out,
                            "  {name:<24} {n:>12}  {:>5.1}%",
                            100.0 * *n as f64 / total.max(1) as f64
                        )
                    });
                }
                if w.is_err() {
                    return;
                }
            }
            Err(e) => {
                eprintln!("{}: {e}", f.display());
                std::process::exit(2);
            }
        }
    }
}
