//! The compiled timetable on disk: so that a query process starts in milliseconds instead of
//! re-parsing CSV.
//!
//! File layout (little-endian):
//!
//! ```text
//! magic "GETHERE\0" | format version u32 | payload length u64 | blake3(payload) 32 bytes
//! | feed content hash, 64 hex bytes | payload = postcard(Timetable)
//! ```
//!
//! The file name is keyed by the feed's content hash, the format version and the crate
//! version, so a changed feed or a new gethere never reads a stale timetable. On load every
//! field of the header and the payload checksum are verified; anything wrong (truncated,
//! corrupt, old format) means "rebuild", never a wrong answer. Writes go to a temporary file in
//! the same directory and are renamed into place, so two processes compiling the same feed at
//! once both succeed and leave one valid file.
//!
//! The cache lives in the cache directory rather than beside the feed: a feed's directory may be
//! read-only (a shared data folder, a package), and identical feeds share one compiled copy.

use super::Timetable;
use crate::error::{Error, Result};
use crate::feed::load::{content_hash, read_raw};
use std::path::{Path, PathBuf};
use std::time::Instant;

const MAGIC: &[u8; 8] = b"GETHERE\0";
/// Bump when the layout of [`Timetable`] or its meaning changes.
pub const FORMAT_VERSION: u32 = 5;
const HEADER_LEN: usize = 8 + 4 + 8 + 32 + 64;

/// Where the time of a load went, for `--stats` and benchmarks.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LoadStats {
    /// `true` if the timetable came from the cache, `false` if it was compiled now.
    pub from_cache: bool,
    pub hash_ms: f64,
    pub read_ms: f64,
    pub compile_ms: f64,
    pub cache_path: PathBuf,
    /// Why the cache was not used, if it existed but was rejected.
    pub cache_rejected: Option<String>,
}

/// The default cache directory: `GETHERE_CACHE_DIR`, else the platform cache dir
/// (`~/.cache/gethere` on Linux), else `.gethere-cache` in the working directory.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("GETHERE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    dirs::cache_dir()
        .map(|d| d.join("gethere"))
        .unwrap_or_else(|| PathBuf::from(".gethere-cache"))
}

/// The cache file for a feed with this content hash.
pub fn cache_path(cache_dir: &Path, content_hash: &str) -> PathBuf {
    let short = &content_hash[..content_hash.len().min(32)];
    cache_dir.join("timetables").join(format!(
        "{short}-f{FORMAT_VERSION}-v{}.timetable",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Loads the compiled timetable for the feed at `feed_path`, compiling and caching it when
/// there is no valid cached copy. A cache that cannot be written is reported in
/// `LoadStats::cache_rejected` but does not fail the load.
pub fn load_or_compile(feed_path: &Path, cache_dir: &Path) -> Result<(Timetable, LoadStats)> {
    let mut stats = LoadStats::default();
    let t0 = Instant::now();
    if !feed_path.exists() {
        return Err(Error::FeedUnusable {
            feed: feed_path.display().to_string(),
            reason: "no such file or directory".into(),
        });
    }
    let hash = content_hash(feed_path)?;
    stats.hash_ms = ms(t0);
    let path = cache_path(cache_dir, &hash);
    stats.cache_path = path.clone();

    let t1 = Instant::now();
    match read_cache(&path, &hash) {
        Ok(tt) => {
            stats.from_cache = true;
            stats.read_ms = ms(t1);
            return Ok((tt, stats));
        }
        Err(CacheMiss::Absent) => {}
        Err(CacheMiss::Invalid(why)) => stats.cache_rejected = Some(why),
    }

    let t2 = Instant::now();
    let spinner = crate::progress::Spinner::start(format!("compiling {}", feed_path.display()));
    let raw = read_raw(feed_path);
    let tt = raw.and_then(|raw| {
        crate::fares::compile_feed(
            &raw,
            feed_path,
            &feed_path.display().to_string(),
            hash.clone(),
        )
    });
    spinner.finish();
    let tt = tt?;
    stats.compile_ms = ms(t2);
    if let Err(e) = write_cache(&path, &tt) {
        stats.cache_rejected = Some(e.to_string());
    }
    Ok((tt, stats))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Why a cache file was not used.
#[derive(Debug)]
pub enum CacheMiss {
    Absent,
    Invalid(String),
}

/// Reads and verifies a cache file. Never panics on a damaged file.
pub fn read_cache(path: &Path, expected_hash: &str) -> std::result::Result<Timetable, CacheMiss> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CacheMiss::Absent),
        Err(e) => return Err(CacheMiss::Invalid(format!("unreadable: {e}"))),
    };
    let bad = |why: &str| CacheMiss::Invalid(format!("{}: {why}; rebuilt", path.display()));
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err(bad("not a gethere timetable or truncated header"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| bad("header"))?);
    if version != FORMAT_VERSION {
        return Err(bad(&format!(
            "format version {version}, expected {FORMAT_VERSION}"
        )));
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().map_err(|_| bad("header"))?);
    let sum: &[u8] = &bytes[20..52];
    let feed_hash = &bytes[52..116];
    if feed_hash != expected_hash.as_bytes() {
        return Err(bad("made from another feed"));
    }
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != len {
        return Err(bad(&format!(
            "payload is {} bytes, header says {len} (truncated?)",
            payload.len()
        )));
    }
    if blake3::hash(payload).as_bytes() != sum {
        return Err(bad("checksum mismatch (corrupt)"));
    }
    let tt: Timetable =
        postcard::from_bytes(payload).map_err(|e| bad(&format!("undecodable: {e}")))?;
    if tt.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(bad("unknown time zone"));
    }
    Ok(tt)
}

/// Writes a cache file atomically (temporary file in the same directory, then rename).
pub fn write_cache(path: &Path, tt: &Timetable) -> Result<()> {
    let cache_err = |reason: String| Error::Cache {
        path: path.to_path_buf(),
        reason,
    };
    let payload = postcard::to_stdvec(tt).map_err(|e| cache_err(e.to_string()))?;
    let hash = tt.meta.content_hash.as_bytes();
    if hash.len() != 64 {
        return Err(cache_err("content hash is not 64 hex digits".into()));
    }
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(blake3::hash(&payload).as_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(&payload);
    crate::fsutil::write_atomic(path, &out)
}
