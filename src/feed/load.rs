//! Reading a feed from disk into gtfs-structures' `RawGtfs` (rows as read, errors kept per
//! file), with the guards a careful reader needs: the path must exist, a zip must be a readable
//! zip, and what it expands to is bounded before anything is decompressed.

use crate::error::{Error, Result};
use gtfs_structures::{GtfsReader, RawGtfs};
use std::io::Read;
use std::path::Path;

/// The most a feed may expand to (sum of its files). Real city feeds are tens to hundreds of
/// MB; country-wide ones a few GB. Above this we refuse rather than exhaust memory. Override
/// with `GETHERE_MAX_FEED_BYTES`.
pub const DEFAULT_MAX_FEED_BYTES: u64 = 4 << 30;

fn max_feed_bytes() -> u64 {
    std::env::var("GETHERE_MAX_FEED_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_FEED_BYTES)
}

/// The files a feed must have to be usable at all.
pub const REQUIRED_FILES: [&str; 5] = [
    "agency.txt",
    "stops.txt",
    "routes.txt",
    "trips.txt",
    "stop_times.txt",
];

/// A stable hash of the feed's content: blake3 of the zip's bytes, or of each `.txt` file's
/// name and bytes (sorted) for a directory. The compiled cache is keyed by it.
pub fn content_hash(path: &Path) -> Result<String> {
    let mut hasher = blake3::Hasher::new();
    if path.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| Error::io("reading directory", path, e))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt") && p.is_file())
            .collect();
        names.sort();
        for p in names {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            hasher.update(name.unwrap_or_default().as_bytes());
            hasher.update(&[0]);
            let mut f = std::fs::File::open(&p).map_err(|e| Error::io("reading", &p, e))?;
            hasher
                .update_reader(&mut f)
                .map_err(|e| Error::io("reading", &p, e))?;
        }
    } else {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io("opening feed", path, e))?;
        hasher
            .update_reader(&mut f)
            .map_err(|e| Error::io("reading feed", path, e))?;
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Checks that `path` is a zip that gtfs-structures can open and that it does not expand to
/// more than the bound; lists its files with their sizes. Used for local feeds and for every
/// download before it may replace a cached copy.
pub fn check_zip(path: &Path) -> Result<Vec<(String, u64)>> {
    let feed = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::io("opening feed", path, e))?;
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| Error::FeedUnusable {
            feed: feed.clone(),
            reason: format!(
                "not a readable zip archive ({e}); is the download truncated or an HTML page?"
            ),
        })?;
    let limit = max_feed_bytes();
    let mut total: u64 = 0;
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| Error::FeedUnusable {
            feed: feed.clone(),
            reason: format!("zip entry {i} is unreadable: {e}"),
        })?;
        total = total.saturating_add(entry.size());
        names.push((entry.name().to_string(), entry.size()));
    }
    if total > limit {
        return Err(Error::FeedUnusable {
            feed,
            reason: format!(
                "it expands to {total} bytes, more than the {limit}-byte limit (set GETHERE_MAX_FEED_BYTES to raise it)"
            ),
        });
    }
    // Entry sizes in a zip are only claims: decompress each GTFS file once, bounded, so a lying
    // header cannot make the reader below allocate without end, and a truncated archive is
    // caught here with a clear message.
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| Error::FeedUnusable {
            feed: feed.clone(),
            reason: format!("zip entry {i} is unreadable: {e}"),
        })?;
        if !entry.name().ends_with(".txt") {
            continue;
        }
        let name = entry.name().to_string();
        let claimed = entry.size();
        let read = std::io::copy(&mut (&mut entry).take(claimed + 1), &mut std::io::sink())
            .map_err(|e| Error::FeedUnusable {
                feed: feed.clone(),
                reason: format!("{name} in the zip is corrupt or truncated: {e}"),
            })?;
        if read != claimed {
            return Err(Error::FeedUnusable {
                feed: feed.clone(),
                reason: format!("{name} in the zip claims {claimed} bytes but holds {read}"),
            });
        }
    }
    Ok(names)
}

/// Reads a feed (zip or directory) into its raw form. Shapes are skipped: nothing in gethere
/// draws them. Per-file parse errors stay inside `RawGtfs` for the caller to report.
pub fn read_raw(path: &Path) -> Result<RawGtfs> {
    let feed = path.display().to_string();
    if !path.exists() {
        return Err(Error::FeedUnusable {
            feed,
            reason: "no such file or directory".into(),
        });
    }
    let sizes = if path.is_file() {
        check_zip(path)?
    } else {
        dir_sizes(path)
    };
    let mut raw = GtfsReader::default()
        .read_shapes(false)
        .raw()
        .read_from_path(path)
        .map_err(|e| Error::FeedUnusable {
            feed,
            reason: describe(&e),
        })?;
    // An empty optional file is common in real feeds and means "no rows"; the reader would
    // fail on it (it reads a 3-byte BOM first).
    let empty = |name: &str| {
        sizes
            .iter()
            .any(|(n, size)| (n == name || n.ends_with(&format!("/{name}"))) && *size < 3)
    };
    if empty("calendar.txt") {
        raw.calendar = Some(Ok(Vec::new()));
    }
    if empty("calendar_dates.txt") {
        raw.calendar_dates = Some(Ok(Vec::new()));
    }
    if empty("frequencies.txt") {
        raw.frequencies = Some(Ok(Vec::new()));
    }
    if empty("transfers.txt") {
        raw.transfers = Some(Ok(Vec::new()));
    }
    if empty("feed_info.txt") {
        raw.feed_info = Some(Ok(Vec::new()));
    }
    Ok(raw)
}

/// (file name, size) of each file of a directory feed.
fn dir_sizes(path: &Path) -> Vec<(String, u64)> {
    std::fs::read_dir(path)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let size = e.metadata().ok()?.len();
                    Some((e.file_name().to_string_lossy().into_owned(), size))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A gtfs-structures error in one line, with the file, the line number and the offending
/// values where the error has them.
pub fn describe(e: &gtfs_structures::Error) -> String {
    use gtfs_structures::Error as G;
    match e {
        G::CSVError {
            file_name,
            source,
            line_in_error,
        } => {
            let line = source
                .position()
                .map(|p| format!(":{}", p.line()))
                .unwrap_or_default();
            let mut s = format!("{file_name}{line}: {}", csv_reason(source));
            if let Some(l) = line_in_error {
                let fields: Vec<String> = l
                    .headers
                    .iter()
                    .zip(&l.values)
                    .map(|(h, v)| format!("{h}={v:?}"))
                    .collect();
                s.push_str(&format!(" (row: {})", fields.join(", ")));
            }
            s
        }
        G::MissingFile(f) => format!("required file {f} is missing"),
        G::NamedFileIO { file_name, source } => match source.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                format!("{file_name} is empty")
            }
            _ => format!("{file_name}: {source}"),
        },
        other => {
            let mut s = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(e) = src {
                s.push_str(&format!(": {e}"));
                src = e.source();
            }
            s
        }
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let field = err
                .field()
                .map(|f| format!("field {} ", f + 1))
                .unwrap_or_default();
            format!("{field}{}", err.kind())
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_zip_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("feed.zip");
        std::fs::write(&p, b"<html>Service unavailable</html>").unwrap();
        let e = read_raw(&p).unwrap_err().to_string();
        assert!(e.contains("not a readable zip"), "{e}");
    }

    #[test]
    fn missing_path_is_a_clear_error() {
        let e = read_raw(Path::new("/nonexistent/feed.zip"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such file"), "{e}");
    }
}
