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

/// A feed as read: gtfs-structures' `RawGtfs` (reachable through `Deref`), plus the columns it
/// does not read, which gethere reads itself with csv + serde.
#[derive(Debug)]
pub struct RawFeed {
    pub gtfs: RawGtfs,
    /// transfers.txt with every column of the GTFS reference (gtfs-structures keeps only the
    /// stop pair, type and time): `None` when the feed has no transfers.txt; `Err` with a
    /// one-line reason when it cannot be read at all. Rows that fail to parse are kept as
    /// `Err((line, reason))` so the compiler can warn with file:line.
    pub transfers: Option<std::result::Result<Vec<TransferRowResult>, String>>,
}

/// One transfers.txt data row, or why it could not be read (with its line number).
pub type TransferRowResult = std::result::Result<TransferRow, (u64, String)>;

impl std::ops::Deref for RawFeed {
    type Target = RawGtfs;
    fn deref(&self) -> &RawGtfs {
        &self.gtfs
    }
}

/// A transfers.txt row with all its columns. Empty fields are `None`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct TransferRow {
    /// The line in the file (1 is the header).
    #[serde(skip)]
    pub line: u64,
    #[serde(default)]
    pub from_stop_id: Option<String>,
    #[serde(default)]
    pub to_stop_id: Option<String>,
    #[serde(default)]
    pub from_route_id: Option<String>,
    #[serde(default)]
    pub to_route_id: Option<String>,
    #[serde(default)]
    pub from_trip_id: Option<String>,
    #[serde(default)]
    pub to_trip_id: Option<String>,
    /// Empty means 0 (recommended).
    #[serde(default)]
    pub transfer_type: Option<u8>,
    #[serde(default)]
    pub min_transfer_time: Option<u32>,
}

/// The bytes of one file of a feed (zip member, possibly in a sub-folder, or a file of a
/// directory), or `None` when the feed has no such file. Reading is bounded by the feed limit.
pub fn read_member(path: &Path, name: &str) -> std::result::Result<Option<Vec<u8>>, String> {
    let limit = max_feed_bytes();
    if path.is_dir() {
        let p = path.join(name);
        if !p.is_file() {
            return Ok(None);
        }
        let f = std::fs::File::open(&p).map_err(|e| format!("{name}: {e}"))?;
        let mut out = Vec::new();
        f.take(limit)
            .read_to_end(&mut out)
            .map_err(|e| format!("{name}: {e}"))?;
        return Ok(Some(out));
    }
    let f = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| format!("{name}: {e}"))?;
    let suffix = format!("/{name}");
    let Some(member) = zip
        .file_names()
        .find(|n| *n == name || n.ends_with(&suffix))
        .map(str::to_string)
    else {
        return Ok(None);
    };
    let entry = zip.by_name(&member).map_err(|e| format!("{name}: {e}"))?;
    let mut out = Vec::new();
    entry
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(Some(out))
}

/// Reads transfers.txt with all its columns (see [`RawFeed::transfers`]).
fn read_transfers(path: &Path) -> Option<std::result::Result<Vec<TransferRowResult>, String>> {
    let bytes = match read_member(path, "transfers.txt") {
        Ok(Some(b)) => b,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Some(Ok(Vec::new()));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Some(Err(format!("transfers.txt: {e}"))),
    };
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let row = match rec {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                r.deserialize::<TransferRow>(Some(&headers))
                    .map(|mut t| {
                        t.line = line;
                        t
                    })
                    .map_err(|e| (line, csv_reason(&e)))
            }
            Err(e) => Err((e.position().map_or(0, |p| p.line()), csv_reason(&e))),
        };
        rows.push(row);
    }
    Some(Ok(rows))
}

/// Reads a feed (zip or directory) into its raw form, shapes included (maps draw them). Per-file parse errors stay inside `RawGtfs` for the caller to report.
pub fn read_raw(path: &Path) -> Result<RawFeed> {
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
        .read_shapes(true)
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
    if empty("shapes.txt") {
        raw.shapes = Some(Ok(Vec::new()));
    }
    if empty("feed_info.txt") {
        raw.feed_info = Some(Ok(Vec::new()));
    }
    let transfers = read_transfers(path);
    Ok(RawFeed {
        gtfs: raw,
        transfers,
    })
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
