//! `gethere feed check`: the validation report.
//!
//! The report is built from three sources so that no rule is written twice:
//! 1. per-file read errors kept by gtfs-structures (missing files, CSV or value errors with
//!    their line) — errors in files gethere uses make the feed unusable;
//! 2. the compiler's own warnings (dangling references, times running backwards, bad
//!    coordinates, duplicate ids…), which name file, line and id and say what was skipped;
//! 3. a few checks only a validator needs (services that never run, bad stop_timezone).
//!
//! Strict vs lenient: a feed is *unusable* (exit 2) when a file gethere needs cannot be read,
//! the time zone is unknown, or no trip has a service day; everything else is a warning, the
//! offending rows are skipped and the rest of the feed is used, because real feeds need that.

use crate::error::Error;
use crate::feed::load::{REQUIRED_FILES, describe, read_raw};
use crate::timetable::FeedCounts;
use gtfs_structures as gtfs;
use serde::Serialize;
use std::path::Path;

/// The result of checking a feed.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub feed: String,
    /// `false` when gethere cannot plan on this feed at all.
    pub usable: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// What the feed holds, when it could be compiled.
    pub counts: Option<FeedCounts>,
}

impl CheckReport {
    /// The report as a reader would want it on a terminal.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let verdict = if !self.usable {
            "UNUSABLE"
        } else if self.warnings.is_empty() {
            "OK"
        } else {
            "usable, with warnings"
        };
        s.push_str(&format!("feed check: {}: {verdict}\n", self.feed));
        if !self.errors.is_empty() {
            s.push_str(&format!("\n{} error(s):\n", self.errors.len()));
            for e in &self.errors {
                s.push_str(&format!("  error: {e}\n"));
            }
        }
        if !self.warnings.is_empty() {
            s.push_str(&format!("\n{} warning(s):\n", self.warnings.len()));
            for w in &self.warnings {
                s.push_str(&format!("  warning: {w}\n"));
            }
        }
        if let Some(c) = &self.counts {
            s.push_str(&format!(
                "\n{} stops, {} routes, {} trips, {} stop times ({} interpolated), {} frequency-based trips, {} transfers.txt rules\n",
                c.stops, c.routes, c.trips, c.stop_times, c.interpolated_stop_times, c.frequency_trips, c.transfers
            ));
        }
        if !self.usable {
            s.push_str("\nFix the errors above (or ask the publisher for a corrected feed) before using it.\n");
        }
        s
    }
}

/// Checks the feed at `path`. Only I/O problems with the path itself are `Err`; everything
/// about the feed's content is in the report.
pub fn check(path: &Path) -> Result<CheckReport, Error> {
    let feed = path.display().to_string();
    let mut report = CheckReport {
        feed: feed.clone(),
        usable: true,
        errors: Vec::new(),
        warnings: Vec::new(),
        counts: None,
    };
    let raw = match read_raw(path) {
        Ok(r) => r,
        Err(Error::FeedUnusable { reason, .. }) => {
            report.usable = false;
            report.errors.push(reason);
            return Ok(report);
        }
        Err(e) => return Err(e),
    };

    // 1. Files gethere reads: a read error there makes the feed unusable.
    let mut used_errors = Vec::new();
    let mut note = |r: Option<&gtfs::Error>| {
        if let Some(e) = r {
            used_errors.push(describe(e));
        }
    };
    note(raw.agencies.as_ref().err());
    note(raw.stops.as_ref().err());
    note(raw.routes.as_ref().err());
    note(raw.trips.as_ref().err());
    note(raw.stop_times.as_ref().err());
    for opt in [
        raw.calendar.as_ref().and_then(|r| r.as_ref().err()),
        raw.calendar_dates.as_ref().and_then(|r| r.as_ref().err()),
        raw.frequencies.as_ref().and_then(|r| r.as_ref().err()),
        raw.feed_info.as_ref().and_then(|r| r.as_ref().err()),
    ] {
        note(opt);
    }
    if raw.calendar.is_none() && raw.calendar_dates.is_none() {
        used_errors
            .push("neither calendar.txt nor calendar_dates.txt is present: no trip can run".into());
    }
    // Files gethere does not need to plan: a problem there is only a warning (fare files are
    // checked, with their rows, by `fares::compile_feed` below).
    for (name, e) in [
        (
            "pathways.txt",
            raw.pathways.as_ref().and_then(|r| r.as_ref().err()),
        ),
        (
            "levels.txt",
            raw.levels.as_ref().and_then(|r| r.as_ref().err()),
        ),
    ] {
        if let Some(e) = e {
            report
                .warnings
                .push(format!("{} (gethere does not use {name})", describe(e)));
        }
    }
    // Shapes only draw maps: an unreadable shapes.txt means lines drawn stop to stop.
    if let Some(e) = raw.shapes.as_ref().and_then(|r| r.as_ref().err()) {
        report.warnings.push(format!(
            "{} (shapes.txt is only used for maps; they draw lines stop to stop)",
            describe(e)
        ));
    }
    let missing: Vec<&str> = REQUIRED_FILES
        .iter()
        .copied()
        .filter(|f| {
            !raw.files
                .iter()
                .any(|g| g == f || g.ends_with(&format!("/{f}")))
        })
        .collect();
    if !missing.is_empty() {
        used_errors.retain(|e| !e.starts_with("required file"));
        used_errors.insert(
            0,
            format!("required file(s) missing: {}", missing.join(", ")),
        );
    }

    // 3. Validator-only checks.
    if let Some(Ok(cal)) = &raw.calendar {
        let added: std::collections::HashSet<&str> = match &raw.calendar_dates {
            Some(Ok(cd)) => cd
                .iter()
                .filter(|c| c.exception_type == gtfs::Exception::Added)
                .map(|c| c.service_id.as_str())
                .collect(),
            _ => Default::default(),
        };
        for (row, c) in cal.iter().enumerate() {
            let any_day = c.monday
                || c.tuesday
                || c.wednesday
                || c.thursday
                || c.friday
                || c.saturday
                || c.sunday;
            if !any_day && !added.contains(c.id.as_str()) {
                report.warnings.push(format!(
                    "calendar.txt:{}: service {} runs on no day of the week and has no added dates",
                    row + 2,
                    c.id
                ));
            }
        }
    }
    if let Ok(stops) = &raw.stops {
        for (row, s) in stops.iter().enumerate() {
            if let Some(tz) = s.timezone.as_deref().filter(|t| !t.is_empty())
                && tz.parse::<chrono_tz::Tz>().is_err()
            {
                report.warnings.push(format!(
                    "stops.txt:{}: stop {} has unknown stop_timezone '{tz}'",
                    row + 2,
                    s.id
                ));
            }
        }
    }

    report.warnings.extend(check_time_fields(path));

    if !used_errors.is_empty() {
        report.usable = false;
        report.errors = used_errors;
        return Ok(report);
    }

    // 2. The compiler's findings.
    match crate::fares::compile_feed(&raw, path, &feed, "0".repeat(64)) {
        Ok(tt) => {
            report.warnings.extend(tt.meta.warnings.iter().cloned());
            report.counts = Some(tt.meta.counts.clone());
        }
        Err(Error::FeedUnusable { reason, .. }) => {
            report.usable = false;
            report.errors.push(reason);
        }
        Err(e) => return Err(e),
    }
    Ok(report)
}

/// Time fields the GTFS reader accepts but the spec does not: minutes or seconds of 60 or more
/// (`25:61:00` is read as 26:01:00). The reader keeps only the number, so the validator reads
/// the text of those columns itself (with the csv crate), once, only for `feed check`.
fn check_time_fields(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (file, cols) in [
        ("stop_times.txt", &["arrival_time", "departure_time"][..]),
        ("frequencies.txt", &["start_time", "end_time"][..]),
    ] {
        let Some(bytes) = read_member(path, file) else {
            continue;
        };
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes));
        let Ok(headers) = rdr.headers().cloned() else {
            continue;
        };
        let idx: Vec<(usize, &str)> = cols
            .iter()
            .filter_map(|c| headers.iter().position(|h| h.trim() == *c).map(|i| (i, *c)))
            .collect();
        let mut bad = 0usize;
        for rec in rdr.records().flatten() {
            for &(i, col) in &idx {
                let v = rec.get(i).unwrap_or("").trim();
                if v.is_empty() || well_formed_time(v) {
                    continue;
                }
                bad += 1;
                if bad <= 5 {
                    let line = rec.position().map(|p| p.line()).unwrap_or(0);
                    out.push(format!(
                        "{file}:{line}: {col} '{v}' is not HH:MM:SS with minutes and seconds below 60"
                    ));
                }
            }
        }
        if bad > 5 {
            out.push(format!("… and {} more malformed times in {file}", bad - 5));
        }
    }
    out
}

fn well_formed_time(v: &str) -> bool {
    let mut parts = v.split(':');
    let (Some(h), Some(m), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let num = |x: &str, max: u32| {
        !x.is_empty()
            && x.len() <= 2
            && x.chars().all(|c| c.is_ascii_digit())
            && x.parse::<u32>().is_ok_and(|n| n < max)
    };
    !h.is_empty()
        && h.len() <= 3
        && h.chars().all(|c| c.is_ascii_digit())
        && num(m, 60)
        && num(s, 60)
}

/// A file of a feed (zip member or file in a directory), bounded by the feed size limit.
fn read_member(path: &Path, name: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    if path.is_dir() {
        return std::fs::read(path.join(name)).ok();
    }
    let f = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f)).ok()?;
    let idx = (0..zip.len()).find(|&i| {
        zip.name_for_index(i)
            .is_some_and(|n| n == name || n.ends_with(&format!("/{name}")))
    })?;
    let mut entry = zip.by_index(idx).ok()?;
    let mut buf = Vec::new();
    (&mut entry)
        .take(crate::feed::load::DEFAULT_MAX_FEED_BYTES)
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}
