//! Turning a free-text address ("111 SW 5th Ave, Portland") into coordinates with a
//! Nominatim-compatible geocoder, for the place resolver.
//!
//! Public Nominatim servers are shared and run on donations; their usage policy asks for a
//! descriptive User-Agent, at most one request per second, and caching of results. This module
//! owns keeping that promise, so callers can simply call [`geocode`]:
//!
//! - every answer, including "no place found", is kept on disk under
//!   `<cache_dir>/geocode/<key>.json` and reused forever without a request (addresses do not
//!   move; delete the directory to forget). The key hashes the server URL and the query with
//!   whitespace collapsed and case folded, so trivially different spellings share an entry;
//! - requests from all gethere processes sharing `cache_dir` are spaced by at least
//!   [`GeocoderConfig::min_interval`], through the time stamp in `<cache_dir>/geocode/last-request`.
//!   This is best effort: two processes that read the stamp at the same instant may both go;
//! - a lookup is one blocking call (its own single-threaded tokio runtime); it never panics and
//!   every failure is an [`Error::Geocode`] that says what the server did.
//!
//! The library never reads the clock for its answers; the single exception is the politeness
//! wait, which is about real time by nature (see `wait_turn`).

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The most hits a lookup returns (and asks the server for).
pub const MAX_HITS: usize = 5;

use crate::http::{root_cause, seconds};

/// Where and how politely to geocode.
#[derive(Clone, Debug)]
pub struct GeocoderConfig {
    /// The search endpoint, e.g. `https://nominatim.openstreetmap.org/search`.
    pub url: String,
    /// How long to wait for the whole answer.
    pub timeout: Duration,
    /// The shortest time between two requests, across processes sharing a cache directory.
    pub min_interval: Duration,
}

impl Default for GeocoderConfig {
    /// The public OpenStreetMap Nominatim server at its policy's rate (1 request per second).
    fn default() -> Self {
        GeocoderConfig {
            url: "https://nominatim.openstreetmap.org/search".into(),
            timeout: Duration::from_secs(10),
            min_interval: Duration::from_secs(1),
        }
    }
}

/// One place the geocoder found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoHit {
    /// The server's `display_name`, e.g. "111, Southwest 5th Avenue, Portland, Oregon, …".
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

/// What a cache file holds. `url` and `query` are kept so that an entry can be checked against
/// the lookup it answers and read by a person; `fetched_unix` is the caller's `now`, for display.
#[derive(Serialize, Deserialize)]
struct CacheEntry {
    url: String,
    query: String,
    fetched_unix: i64,
    hits: Vec<GeoHit>,
}

/// One element of Nominatim's `format=jsonv2` answer; other fields are ignored. Nominatim
/// writes coordinates as strings.
#[derive(Deserialize)]
struct NominatimPlace {
    display_name: String,
    lat: String,
    lon: String,
}

/// Looks `query` up; returns up to [`MAX_HITS`] hits, best first (as the server ranks them).
/// No hit is `Ok(vec![])`, not an error. Answers are cached on disk under
/// `<cache_dir>/geocode/` and reused without a request; a request waits its turn (see the module
/// docs). `now_unix` is only recorded in the cache entry.
///
/// This blocks; call it from a plain thread, not from inside an async runtime.
pub fn geocode(
    query: &str,
    cfg: &GeocoderConfig,
    cache_dir: &Path,
    now_unix: i64,
) -> Result<Vec<GeoHit>> {
    let sent = query.split_whitespace().collect::<Vec<_>>().join(" ");
    if sent.is_empty() {
        return Err(Error::bad_input(
            "address",
            query,
            "it is empty; write a street address, e.g. 111 SW 5th Ave, Portland",
        ));
    }
    let normalized = sent.to_lowercase();
    let dir = cache_dir.join("geocode");
    let path = dir.join(format!("{}.json", cache_key(&cfg.url, &normalized)));
    if let Some(hits) = read_cache(&path, &cfg.url, &normalized) {
        return Ok(hits);
    }
    let hits = request(query, &sent, cfg, &dir)?;
    let entry = CacheEntry {
        url: cfg.url.clone(),
        query: normalized,
        fetched_unix: now_unix,
        hits,
    };
    let bytes = serde_json::to_vec_pretty(&entry).map_err(|e| Error::Cache {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    write_atomic(&path, &bytes)?;
    Ok(entry.hits)
}

/// The cache file name: the first 32 hex digits of blake3(url + "\n" + normalized query).
fn cache_key(url: &str, normalized: &str) -> String {
    let hash = blake3::hash(format!("{url}\n{normalized}").as_bytes());
    hash.to_hex()[..32].to_string()
}

/// A cached answer, if there is a readable one for exactly this lookup. Anything else (missing,
/// truncated by hand, from another version) is a miss, and the new answer replaces it.
fn read_cache(path: &Path, url: &str, normalized: &str) -> Option<Vec<GeoHit>> {
    let entry: CacheEntry = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    (entry.url == url && entry.query == normalized).then_some(entry.hits)
}

/// Asks the server for `sent` (the query with whitespace collapsed; `query` is the user's text,
/// for messages).
fn request(query: &str, sent: &str, cfg: &GeocoderConfig, dir: &Path) -> Result<Vec<GeoHit>> {
    let fail = |reason: String| Error::Geocode {
        query: query.to_string(),
        reason,
    };
    // block_on inside a runtime would panic; say so instead.
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(fail(
            "geocode() blocks and was called inside an async runtime; call it from spawn_blocking"
                .into(),
        ));
    }
    let mut url = reqwest::Url::parse(&cfg.url)
        .map_err(|e| fail(format!("the geocoder URL '{}' is not valid: {e}", cfg.url)))?;
    url.query_pairs_mut()
        .append_pair("q", sent)
        .append_pair("format", "jsonv2")
        .append_pair("limit", &MAX_HITS.to_string());

    let (client, runtime) = crate::http::client(cfg.timeout, cfg.timeout).map_err(fail)?;

    wait_turn(dir, cfg.min_interval)?;
    let (status, body) = runtime
        .block_on(async {
            let response = client.get(url).send().await?;
            let status = response.status();
            let body = if status.is_success() {
                response.bytes().await?
            } else {
                Default::default()
            };
            Ok::<_, reqwest::Error>((status, body))
        })
        .map_err(|e| fail(describe(&e, cfg)))?;
    if !status.is_success() {
        let hint = match status.as_u16() {
            429 | 503 => " (it is busy or rate-limiting; try again later)",
            _ => "",
        };
        return Err(fail(format!("the geocoder answered HTTP {status}{hint}")));
    }
    parse(&body).map_err(fail)
}

/// Waits until `min_interval` has passed since the last request any gethere process recorded in
/// `dir`, then records this one. This is the one place the library reads the clock: spacing
/// requests is about real time, and an injected `now` cannot make a process wait. A stamp in
/// the future (the clock went back) counts as "just now", so the wait never exceeds
/// `min_interval`; an unreadable stamp means no wait.
fn wait_turn(dir: &Path, min_interval: Duration) -> Result<()> {
    let stamp = dir.join("last-request");
    let last = std::fs::read_to_string(&stamp)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    if let Some(last) = last {
        let elapsed = Duration::from_millis(unix_ms().saturating_sub(last));
        let wait = min_interval.saturating_sub(elapsed);
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
    write_atomic(&stamp, unix_ms().to_string().as_bytes())
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A transport failure in the words a user can act on.
fn describe(e: &reqwest::Error, cfg: &GeocoderConfig) -> String {
    if e.is_timeout() {
        format!(
            "the geocoder did not answer within {}",
            seconds(cfg.timeout)
        )
    } else if e.is_connect() {
        format!(
            "could not connect to the geocoder at {}: {}",
            cfg.url,
            root_cause(e)
        )
    } else {
        format!("the request to {} failed: {}", cfg.url, root_cause(e))
    }
}

/// Reads a `format=jsonv2` answer, keeping the server's order.
fn parse(body: &[u8]) -> std::result::Result<Vec<GeoHit>, String> {
    let places: Vec<NominatimPlace> = serde_json::from_slice(body)
        .map_err(|e| format!("the geocoder's answer is not Nominatim JSON: {e}"))?;
    places
        .into_iter()
        .take(MAX_HITS)
        .map(|p| {
            let lat = coordinate(&p.lat, "latitude", 90.0, &p.display_name)?;
            let lon = coordinate(&p.lon, "longitude", 180.0, &p.display_name)?;
            Ok(GeoHit {
                name: p.display_name,
                lat,
                lon,
            })
        })
        .collect()
}

fn coordinate(text: &str, what: &str, limit: f64, name: &str) -> std::result::Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| {
        format!("the geocoder's answer is not Nominatim JSON: {what} '{text}' of '{name}' is not a number")
    })?;
    // `contains` is false for NaN, so "NaN" and "inf" are refused too.
    if !(-limit..=limit).contains(&value) {
        return Err(format!(
            "the geocoder gave {what} {text} for '{name}', outside ±{limit}"
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread::JoinHandle;
    use std::time::Instant;

    /// What the test server does with the next connection.
    enum Reply {
        Http(u16, &'static str),
        /// Accept, read the request, never answer (until the test ends).
        Silent,
    }

    /// A request as the server saw it.
    struct Seen {
        head: String,
        at: Instant,
    }

    /// A scripted HTTP server on 127.0.0.1. It answers connections in order from the script
    /// (500 once the script runs out, so extra requests are visible), records every request,
    /// and stops when the test calls [`Server::finish`] or after 20 s at most.
    struct Server {
        url: String,
        stop: Arc<AtomicBool>,
        thread: JoinHandle<Vec<Seen>>,
    }

    impl Server {
        fn start(script: Vec<Reply>) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let url = format!("http://{}/search", listener.local_addr().unwrap());
            let stop = Arc::new(AtomicBool::new(false));
            let stop_seen = Arc::clone(&stop);
            let thread = std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(20);
                let mut script = script.into_iter();
                let mut seen = Vec::new();
                let mut held = Vec::new();
                while !stop_seen.load(Ordering::SeqCst) && Instant::now() < deadline {
                    let mut stream = match listener.accept() {
                        Ok((stream, _)) => stream,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(5));
                            continue;
                        }
                        Err(e) => panic!("test server: {e}"),
                    };
                    let at = Instant::now();
                    seen.push(Seen {
                        head: read_head(&mut stream),
                        at,
                    });
                    match script.next().unwrap_or(Reply::Http(500, "unscripted")) {
                        Reply::Http(code, body) => {
                            let _ = write!(
                                stream,
                                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\n\
                                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            );
                        }
                        Reply::Silent => held.push(stream),
                    }
                }
                seen
            });
            Server { url, stop, thread }
        }

        fn finish(self) -> Vec<Seen> {
            self.stop.store(true, Ordering::SeqCst);
            self.thread.join().unwrap()
        }
    }

    fn read_head(stream: &mut TcpStream) -> String {
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            head.push(byte[0]);
        }
        String::from_utf8_lossy(&head).into_owned()
    }

    fn config(url: &str) -> GeocoderConfig {
        GeocoderConfig {
            url: url.to_string(),
            timeout: Duration::from_secs(1),
            min_interval: Duration::from_millis(50),
        }
    }

    const PIONEER: &str = r#"[{"place_id":1,"lat":"45.5188","lon":"-122.6781",
        "display_name":"111, Southwest 5th Avenue, Portland, Oregon","importance":0.3}]"#;

    #[test]
    fn one_result_with_encoded_query_and_user_agent() {
        let server = Server::start(vec![Reply::Http(200, PIONEER)]);
        let cache = tempfile::tempdir().unwrap();
        let hits = geocode(
            "111 SW 5th Ave, Portland",
            &config(&server.url),
            cache.path(),
            1_700_000_000,
        )
        .unwrap();
        let seen = server.finish();
        assert_eq!(
            hits,
            vec![GeoHit {
                name: "111, Southwest 5th Avenue, Portland, Oregon".into(),
                lat: 45.5188,
                lon: -122.6781,
            }]
        );
        assert_eq!(seen.len(), 1);
        let head = &seen[0].head;
        assert!(
            head.starts_with(
                "GET /search?q=111+SW+5th+Ave%2C+Portland&format=jsonv2&limit=5 HTTP/1.1\r\n"
            ),
            "{head}"
        );
        let ua = format!(
            "user-agent: gethere/{} (transit directions for meetups; https://github.com/gethere)\r\n",
            env!("CARGO_PKG_VERSION")
        );
        assert!(head.to_lowercase().contains(&ua.to_lowercase()), "{head}");
    }

    #[test]
    fn no_result_is_empty_and_cached() {
        let server = Server::start(vec![Reply::Http(200, "[]")]);
        let cache = tempfile::tempdir().unwrap();
        let cfg = config(&server.url);
        assert_eq!(
            geocode("Nowhere 99", &cfg, cache.path(), 0).unwrap(),
            vec![]
        );
        assert_eq!(
            geocode("Nowhere 99", &cfg, cache.path(), 0).unwrap(),
            vec![]
        );
        assert_eq!(server.finish().len(), 1);
    }

    #[test]
    fn several_results_keep_the_server_order() {
        let body = r#"[
            {"lat":"45.5","lon":"-122.6","display_name":"Main Street, Portland, Oregon"},
            {"lat":"43.6","lon":"-70.2","display_name":"Main Street, Portland, Maine"},
            {"lat":"-38.3","lon":"141.6","display_name":"Main Street, Portland, Victoria"}]"#;
        let server = Server::start(vec![Reply::Http(200, body)]);
        let cache = tempfile::tempdir().unwrap();
        let hits = geocode(
            "Main Street, Portland",
            &config(&server.url),
            cache.path(),
            0,
        )
        .unwrap();
        server.finish();
        let names: Vec<_> = hits.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Main Street, Portland, Oregon",
                "Main Street, Portland, Maine",
                "Main Street, Portland, Victoria"
            ]
        );
        assert_eq!((hits[2].lat, hits[2].lon), (-38.3, 141.6));
    }

    #[test]
    fn second_lookup_is_served_from_disk() {
        let server = Server::start(vec![Reply::Http(200, PIONEER)]);
        let cache = tempfile::tempdir().unwrap();
        let cfg = config(&server.url);
        let first = geocode("111 SW 5th Ave, Portland", &cfg, cache.path(), 1).unwrap();
        // Same query up to spacing and case: same cache entry.
        let second = geocode("  111 sw 5th ave,   PORTLAND ", &cfg, cache.path(), 2).unwrap();
        assert_eq!(first, second);
        assert_eq!(server.finish().len(), 1);
        let files: Vec<_> = std::fs::read_dir(cache.path().join("geocode"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".json"))
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].len(), 32 + ".json".len());
    }

    #[test]
    fn http_error_status_is_reported() {
        let server = Server::start(vec![Reply::Http(500, "oops")]);
        let cache = tempfile::tempdir().unwrap();
        let err = geocode("Union Station", &config(&server.url), cache.path(), 0).unwrap_err();
        server.finish();
        let msg = err.to_string();
        assert!(msg.contains("HTTP 500"), "{msg}");
        assert!(msg.contains("Union Station"), "{msg}");
    }

    #[test]
    fn silent_server_times_out() {
        let server = Server::start(vec![Reply::Silent]);
        let cache = tempfile::tempdir().unwrap();
        let err = geocode("Union Station", &config(&server.url), cache.path(), 0).unwrap_err();
        server.finish();
        let msg = err.to_string();
        assert!(msg.contains("did not answer within 1 s"), "{msg}");
    }

    #[test]
    fn refused_connection_is_reported() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/search", listener.local_addr().unwrap());
        drop(listener);
        let cache = tempfile::tempdir().unwrap();
        let msg = geocode("Union Station", &config(&url), cache.path(), 0)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("could not connect to the geocoder"), "{msg}");
    }

    #[test]
    fn malformed_answers_are_clear_errors_and_not_cached() {
        let server = Server::start(vec![
            Reply::Http(200, "<html>maintenance</html>"),
            Reply::Http(200, r#"[{"lat":"91.0","lon":"0","display_name":"Beyond"}]"#),
        ]);
        let cache = tempfile::tempdir().unwrap();
        let cfg = config(&server.url);
        let first = geocode("Union Station", &cfg, cache.path(), 0).unwrap_err();
        let second = geocode("Union Station", &cfg, cache.path(), 0).unwrap_err();
        assert_eq!(server.finish().len(), 2);
        let msg = first.to_string();
        assert!(msg.contains("not Nominatim JSON"), "{msg}");
        let msg = second.to_string();
        assert!(
            msg.contains("latitude 91.0") && msg.contains("±90"),
            "{msg}"
        );
    }

    #[test]
    fn empty_query_is_refused_without_a_request() {
        let cache = tempfile::tempdir().unwrap();
        let err = geocode("  ", &config("http://127.0.0.1:9/"), cache.path(), 0).unwrap_err();
        assert!(matches!(err, Error::BadInput { .. }), "{err}");
    }

    /// Checks that a wait happens (a generous lower bound, no upper bound); not a speed test.
    #[test]
    fn requests_are_spaced_by_min_interval() {
        let server = Server::start(vec![Reply::Http(200, "[]"), Reply::Http(200, "[]")]);
        let cache = tempfile::tempdir().unwrap();
        let cfg = GeocoderConfig {
            min_interval: Duration::from_millis(300),
            ..config(&server.url)
        };
        geocode("first place", &cfg, cache.path(), 0).unwrap();
        geocode("second place", &cfg, cache.path(), 0).unwrap();
        let seen = server.finish();
        assert_eq!(seen.len(), 2);
        let gap = seen[1].at - seen[0].at;
        assert!(gap >= Duration::from_millis(250), "{gap:?}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds(Duration::from_secs(5)), "5 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_millis(300)), "300 ms");
    }
}
