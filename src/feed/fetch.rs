//! Downloading a feed over HTTP into the cache directory without ever losing a good copy.
//!
//! The cached copy lives in `<cache>/feeds/<hash of the URL>.zip` with a JSON sidecar (URL,
//! ETag, Last-Modified, when it was fetched, size, blake3). Each run revalidates it
//! (`If-None-Match` / `If-Modified-Since`); a new body is streamed to a temporary file in the
//! same directory, bounded in size, checked as a readable GTFS zip (`load::check_zip`), and
//! only then renamed over the old copy. A failure of any kind — HTTP error, timeout, reset,
//! truncated body, not a zip — removes the temporary file and keeps the last good copy, and
//! the result says what happened. Two processes fetching at once each write their own
//! temporary file and rename atomically, so the cache is always one whole zip.

use crate::error::{Error, Result};
use crate::feed::load::{DEFAULT_MAX_FEED_BYTES, check_zip};
use crate::fsutil::write_atomic;
use crate::http::{root_cause, seconds};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Limits of one download.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    pub connect_timeout: Duration,
    /// The whole request, body included.
    pub timeout: Duration,
    /// The largest body accepted.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(300),
            max_bytes: DEFAULT_MAX_FEED_BYTES,
        }
    }
}

/// What became of the cached copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchStatus {
    /// A new copy was downloaded and verified.
    Downloaded,
    /// The server said the cached copy is current (HTTP 304).
    NotModified,
    /// The download failed; the previous copy is used. `reason` says why.
    KeptAfterFailure { reason: String },
}

/// The local copy to use.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub path: PathBuf,
    pub status: FetchStatus,
    /// When the copy in use was downloaded (the `now` of that run), Unix seconds.
    pub fetched_at: i64,
}

/// The sidecar kept next to a cached feed.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Meta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    fetched_at: i64,
    size: u64,
    blake3: String,
}

/// What a download must be, and where its copies live: GTFS feeds, street maps.
pub struct Kind {
    /// Subdirectory of the cache directory.
    pub dir: &'static str,
    /// Extension of the cached copy.
    pub ext: &'static str,
    /// Checks a downloaded file before it replaces the last good copy; `Err` says why not.
    pub check: fn(&Path) -> std::result::Result<(), String>,
}

fn check_gtfs(p: &Path) -> std::result::Result<(), String> {
    check_zip(p).map_err(|e| match e {
        Error::FeedUnusable { reason, .. } => {
            format!("the download is not a usable GTFS zip: {reason}")
        }
        other => other.to_string(),
    })?;
    Ok(())
}

/// GTFS feeds: `<cache>/feeds/*.zip`, checked as readable GTFS zips.
pub const GTFS: Kind = Kind {
    dir: "feeds",
    ext: "zip",
    check: check_gtfs,
};

/// Where a URL's copy is cached.
pub fn cached_paths(url: &str, cache_dir: &Path) -> (PathBuf, PathBuf) {
    cached_paths_of(url, cache_dir, &GTFS)
}

/// Where a URL's copy of this kind is cached.
pub fn cached_paths_of(url: &str, cache_dir: &Path, kind: &Kind) -> (PathBuf, PathBuf) {
    let key = &blake3::hash(url.as_bytes()).to_hex()[..16];
    let dir = cache_dir.join(kind.dir);
    (
        dir.join(format!("{key}.{}", kind.ext)),
        dir.join(format!("{key}.json")),
    )
}

/// Downloads (or revalidates) `url` into the cache. `now` (Unix seconds) is recorded as the
/// download time. Without a previous copy a failure is an error; with one, the previous copy
/// is returned with [`FetchStatus::KeptAfterFailure`].
pub fn fetch(url: &str, cache_dir: &Path, opts: &FetchOptions, now: i64) -> Result<Fetched> {
    fetch_kind(url, cache_dir, opts, now, &GTFS)
}

/// [`fetch`] for any [`Kind`] of download.
pub fn fetch_kind(
    url: &str,
    cache_dir: &Path,
    opts: &FetchOptions,
    now: i64,
    kind: &Kind,
) -> Result<Fetched> {
    let (zip_path, meta_path) = cached_paths_of(url, cache_dir, kind);
    let dir = zip_path.parent().unwrap_or(cache_dir).to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating cache directory", &dir, e))?;
    // The sidecar must describe the zip on disk: two processes downloading at once each rename
    // their zip and write their sidecar, and the last of each may come from different runs.
    // Revalidating with the other run's ETag could then keep a zip the server never sent.
    let previous: Option<Meta> = std::fs::read(&meta_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Meta>(&b).ok())
        .filter(|m| m.url == url && describes(m, &zip_path));

    let spinner = crate::progress::Spinner::start(format!("downloading {url}"));
    let outcome = download(url, &dir, previous.as_ref(), opts, kind.check);
    spinner.finish();

    match (outcome, previous) {
        (Ok(Downloaded::NotModified), Some(prev)) => Ok(Fetched {
            path: zip_path,
            status: FetchStatus::NotModified,
            fetched_at: prev.fetched_at,
        }),
        (Ok(Downloaded::NotModified), None) => Err(Error::Fetch {
            url: url.into(),
            reason: "the server answered 304 Not Modified to a request for a copy we do not have"
                .into(),
        }),
        (
            Ok(Downloaded::New {
                tmp,
                etag,
                last_modified,
                size,
                blake3,
            }),
            _,
        ) => {
            let replaced = std::fs::rename(&tmp, &zip_path);
            if let Err(e) = replaced {
                let _ = std::fs::remove_file(&tmp);
                return Err(Error::io("replacing", &zip_path, e));
            }
            let meta = Meta {
                url: url.into(),
                etag,
                last_modified,
                fetched_at: now,
                size,
                blake3,
            };
            let json = serde_json::to_vec_pretty(&meta).unwrap_or_default();
            write_atomic(&meta_path, &json)?;
            Ok(Fetched {
                path: zip_path,
                status: FetchStatus::Downloaded,
                fetched_at: now,
            })
        }
        (Err(reason), Some(prev)) => Ok(Fetched {
            path: zip_path,
            status: FetchStatus::KeptAfterFailure { reason },
            fetched_at: prev.fetched_at,
        }),
        (Err(reason), None) => Err(Error::Fetch {
            url: url.into(),
            reason,
        }),
    }
}

/// Whether the sidecar's size and hash are those of the cached zip.
fn describes(m: &Meta, zip: &Path) -> bool {
    let Ok(file) = std::fs::File::open(zip) else {
        return false;
    };
    if file.metadata().map(|md| md.len()).ok() != Some(m.size) {
        return false;
    }
    let mut hasher = blake3::Hasher::new();
    let mut reader = std::io::BufReader::new(file);
    hasher.update_reader(&mut reader).is_ok() && hasher.finalize().to_hex().as_str() == m.blake3
}

enum Downloaded {
    NotModified,
    New {
        tmp: PathBuf,
        etag: Option<String>,
        last_modified: Option<String>,
        size: u64,
        blake3: String,
    },
}

/// A temporary file that removes itself unless kept.
struct Tmp(Option<PathBuf>);

impl Tmp {
    fn keep(mut self) -> PathBuf {
        self.0.take().unwrap_or_default()
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// One request. `Err` is a reason in words; the caller decides whether a previous copy saves
/// the day.
fn download(
    url: &str,
    dir: &Path,
    previous: Option<&Meta>,
    opts: &FetchOptions,
    check: fn(&Path) -> std::result::Result<(), String>,
) -> std::result::Result<Downloaded, String> {
    let (client, runtime) = crate::http::client(opts.timeout, opts.connect_timeout)?;
    let mut req = client.get(url);
    if let Some(p) = previous {
        if let Some(e) = &p.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, e);
        }
        if let Some(m) = &p.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, m);
        }
    }
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp_path = dir.join(format!(".download.{}.{n}.gethere-tmp", std::process::id()));
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            format!("the server did not answer within {}", seconds(opts.timeout))
        } else if e.is_connect() {
            format!("could not connect: {}", root_cause(&e))
        } else {
            format!("the download broke off: {}", root_cause(&e))
        }
    };
    runtime.block_on(async {
        let mut resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Downloaded::NotModified);
        }
        if !status.is_success() {
            return Err(format!("the server answered HTTP {status}"));
        }
        let header = |h: reqwest::header::HeaderName| {
            resp.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let claimed = resp.content_length();
        if claimed.is_some_and(|c| c > opts.max_bytes) {
            return Err(format!(
                "the feed is {} bytes, more than the {}-byte limit",
                claimed.unwrap_or(0),
                opts.max_bytes
            ));
        }
        let tmp = Tmp(Some(tmp_path.clone()));
        let mut file = std::fs::File::create(&tmp_path)
            .map_err(|e| format!("cannot write {}: {e}", tmp_path.display()))?;
        let mut hasher = blake3::Hasher::new();
        let mut size: u64 = 0;
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            size += chunk.len() as u64;
            if size > opts.max_bytes {
                return Err(format!(
                    "the feed is more than the {}-byte limit",
                    opts.max_bytes
                ));
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .map_err(|e| format!("cannot write {}: {e}", tmp_path.display()))?;
        }
        if let Some(c) = claimed
            && c != size
        {
            return Err(format!("the server sent {size} of {c} bytes"));
        }
        file.sync_all()
            .map_err(|e| format!("cannot write {}: {e}", tmp_path.display()))?;
        drop(file);
        check(&tmp_path)?;
        Ok(Downloaded::New {
            tmp: tmp.keep(),
            etag,
            last_modified,
            size,
            blake3: hasher.finalize().to_hex().to_string(),
        })
    })
}
