//! Live service: GTFS-Realtime `FeedMessage`s (trip updates, service alerts; vehicle positions
//! are only counted) read from files or URLs, checked for freshness, and applied to the compiled
//! timetable *of this query*.
//!
//! **Sources.** `--realtime URL|FILE` (repeatable), else `GETHERE_REALTIME` (several sources
//! separated by commas), else the venues file's `[realtime] sources`; `auto` stands for the
//! URLs of the static feed's `linked_datasets.txt`. Realtime is never cached as if durable: a
//! URL is fetched on every run (short timeout, conditional request; the last body is kept only
//! to answer a 304 and is judged by its header time); a file is a snapshot for reproducible
//! runs.
//!
//! **Failure never breaks an answer.** A source that cannot be fetched or decoded, a message
//! older than `--realtime-max-age` (relative to `--now`) or a differential message is skipped
//! with one warning line; the answer then comes from the schedule.
//!
//! **How trip updates reach the router** ([`apply`]). The router keeps reading one timetable
//! through its one stop-time accessor; realtime changes that timetable in memory, after it was
//! loaded from the cache and never written back. Each updated trip instance (trip, service day)
//! is taken off that day (its trip gets a copy of its service without the day), and its
//! realtime times become a new trip that runs on that day only, in *overlay patterns*: the
//! realtime trips of one original pattern and day, sorted and split exactly as the compiler
//! splits patterns, so that none overtakes another. A delayed trip that overtakes its
//! successor therefore ends up in a pattern of its own and FIFO holds in every pattern, which
//! is what keeps "earliest trip at this stop" exact. Cancelled instances are only taken off
//! their day; added trips become overlay trips of a pattern built from their stop updates.

pub mod alerts;
pub mod apply;
pub mod proto;
pub mod seq;
pub mod view;

use crate::time::Instant;
use prost::Message;
use std::path::PathBuf;
use std::time::Duration;

pub use alerts::AlertView;
pub use apply::{ApplyStats, Overlay, RtTrip};
pub use seq::StopSeqs;

/// Where a realtime message comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Url(String),
    /// The URLs of the static feed's `linked_datasets.txt`.
    Auto,
    /// `KEY=SOURCE`: a source whose ids are those of feed `KEY` of a region.
    Feed(String, Box<Source>),
}

impl Source {
    /// `http(s)://…` is a URL, `auto` the linked datasets, anything else a file path.
    pub fn parse(s: &str) -> Source {
        let s = s.trim();
        if let Some((k, rest)) = s.split_once('=')
            && crate::config::valid_key(k)
            && !rest.is_empty()
        {
            return Source::Feed(k.to_string(), Box::new(Source::parse(rest)));
        }
        if s.eq_ignore_ascii_case("auto") {
            Source::Auto
        } else if s.starts_with("http://") || s.starts_with("https://") {
            Source::Url(s.to_string())
        } else {
            Source::File(PathBuf::from(s))
        }
    }

    pub fn label(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Url(u) => u.clone(),
            Source::Auto => "auto".into(),
            Source::Feed(k, s) => format!("{k}={}", s.label()),
        }
    }
}

/// Splits a list of sources separated by whitespace or commas (clap splits
/// `GETHERE_REALTIME` on commas).
pub fn split_env(v: &str) -> Vec<Source> {
    v.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(Source::parse)
        .collect()
}

/// One decoded message and what it held.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub source: String,
    /// The feed its ids belong to (a source given as `KEY=SOURCE`), else any feed.
    pub feed: Option<String>,
    pub msg: proto::FeedMessage,
}

/// A realtime source as `feed info` and `--stats` report it.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SourceReport {
    pub source: String,
    /// The header timestamp, ISO 8601 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_time: Option<String>,
    pub trip_updates: usize,
    pub vehicle_positions: usize,
    pub alerts: usize,
    /// Why it was not used, if it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// The realtime input of one run: decoded messages, one report per source, warnings.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub messages: Vec<Decoded>,
    pub reports: Vec<SourceReport>,
    pub warnings: Vec<String>,
}

/// Options for reading sources.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Messages older than this (by header timestamp, relative to `now`) are ignored.
    pub max_age_secs: i64,
    pub now: Instant,
    pub timeout: Duration,
    /// Where the validators (ETag, Last-Modified) and body of each URL's last answer are kept
    /// for conditional requests. The body serves a 304 only; it is judged by its header time
    /// like any message, so an old copy is never passed off as live.
    pub validators_dir: Option<PathBuf>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_age_secs: 600,
            now: 0,
            timeout: Duration::from_secs(4),
            validators_dir: None,
        }
    }
}

/// A message bigger than this is refused (a realtime feed of a large city is a few MB).
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Reads every source (`auto` already expanded by the caller). Never fails: problems are
/// warnings and the source is skipped.
pub fn read_sources(sources: &[Source], opt: &ReadOptions) -> Loaded {
    let mut out = Loaded::default();
    let mut http: Option<(reqwest::Client, tokio::runtime::Runtime)> = None;
    for s in sources {
        let label = s.label();
        let (feed, s) = match s {
            Source::Feed(k, inner) => (Some(k.clone()), inner.as_ref()),
            s => (None, s),
        };
        let bytes = match s {
            Source::Auto | Source::Feed(..) => continue,
            Source::File(p) => std::fs::read(p).map_err(|e| e.to_string()),
            Source::Url(u) => {
                if http.is_none() {
                    match crate::http::client(opt.timeout, opt.timeout) {
                        Ok(c) => http = Some(c),
                        Err(e) => {
                            skip(&mut out, label, None, e);
                            continue;
                        }
                    }
                }
                let (client, rt) = http.as_ref().expect("client built above");
                fetch(client, rt, u, opt.validators_dir.as_deref())
            }
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                skip(&mut out, label, None, e);
                continue;
            }
        };
        match decode(&bytes) {
            Err(e) => skip(&mut out, label, None, e),
            Ok(msg) => {
                let ts = msg.header.as_ref().and_then(|h| h.timestamp);
                let header_time = ts.and_then(|t| iso_utc(t as i64));
                let inc = msg
                    .header
                    .as_ref()
                    .and_then(|h| h.incrementality)
                    .unwrap_or(proto::FULL_DATASET);
                let mut rep = SourceReport {
                    source: label.clone(),
                    header_time: header_time.clone(),
                    trip_updates: msg
                        .entity
                        .iter()
                        .filter(|e| e.trip_update.is_some())
                        .count(),
                    vehicle_positions: msg.entity.iter().filter(|e| e.vehicle.is_some()).count(),
                    alerts: msg.entity.iter().filter(|e| e.alert.is_some()).count(),
                    skipped: None,
                };
                let why = if inc != proto::FULL_DATASET {
                    Some("it is a DIFFERENTIAL message; only FULL_DATASET is supported".to_string())
                } else {
                    match ts {
                        None => Some("its header has no timestamp".to_string()),
                        Some(t) if opt.now - (t as i64) > opt.max_age_secs => Some(format!(
                            "it is stale: header time {} is more than {} before now ({})",
                            header_time.unwrap_or_default(),
                            crate::itinerary::minutes(opt.max_age_secs),
                            iso_utc(opt.now).unwrap_or_default()
                        )),
                        Some(_) => None,
                    }
                };
                if let Some(why) = why {
                    out.warnings.push(format!(
                        "warning: realtime {label} not used: {why}; answering from the schedule"
                    ));
                    rep.skipped = Some(why);
                    out.reports.push(rep);
                    continue;
                }
                out.reports.push(rep);
                out.messages.push(Decoded {
                    source: label,
                    feed,
                    msg,
                });
            }
        }
    }
    out
}

fn skip(out: &mut Loaded, label: String, header_time: Option<String>, why: String) {
    out.warnings.push(format!(
        "warning: realtime {label} not used: {why}; answering from the schedule"
    ));
    out.reports.push(SourceReport {
        source: label,
        header_time,
        skipped: Some(why),
        ..Default::default()
    });
}

/// Decodes a binary `FeedMessage`; a message without a header is not GTFS-Realtime.
pub fn decode(bytes: &[u8]) -> Result<proto::FeedMessage, String> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(format!("it is larger than {} MB", MAX_MESSAGE_BYTES >> 20));
    }
    let msg = proto::FeedMessage::decode(bytes)
        .map_err(|e| format!("it is not a GTFS-Realtime protobuf message ({e})"))?;
    match &msg.header {
        Some(h) if h.gtfs_realtime_version.is_some() => Ok(msg),
        _ => Err("it is not a GTFS-Realtime message (no header)".into()),
    }
}

/// GETs `url`, conditionally when a previous answer's validators are kept in `dir`.
fn fetch(
    client: &reqwest::Client,
    rt: &tokio::runtime::Runtime,
    url: &str,
    dir: Option<&std::path::Path>,
) -> Result<Vec<u8>, String> {
    let key = &blake3::hash(url.as_bytes()).to_hex()[..24];
    let (body_path, meta_path) = match dir {
        Some(d) => (
            Some(d.join(format!("{key}.pb"))),
            Some(d.join(format!("{key}.validators"))),
        ),
        None => (None, None),
    };
    let meta = meta_path
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .filter(|_| body_path.as_ref().is_some_and(|p| p.exists()));
    let (etag, modified) = match &meta {
        Some(m) => {
            let mut l = m.lines();
            (
                l.next().filter(|x| !x.is_empty()).map(str::to_string),
                l.next().filter(|x| !x.is_empty()).map(str::to_string),
            )
        }
        None => (None, None),
    };
    let fetched = rt.block_on(async {
        let mut req = client
            .get(url)
            .header("Accept", "application/x-protobuf, application/octet-stream");
        if let Some(e) = &etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(m) = &modified {
            req = req.header("If-Modified-Since", m);
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                "the server did not answer in time".to_string()
            } else {
                crate::http::root_cause(&e)
            }
        })?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED && (etag.is_some() || modified.is_some()) {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        if resp
            .content_length()
            .is_some_and(|n| n as usize > MAX_MESSAGE_BYTES)
        {
            return Err(format!("it is larger than {} MB", MAX_MESSAGE_BYTES >> 20));
        }
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = (header("etag"), header("last-modified"));
        let b = resp.bytes().await.map_err(|e| {
            if e.is_timeout() {
                "the server did not answer in time".to_string()
            } else {
                format!("the download broke off ({})", crate::http::root_cause(&e))
            }
        })?;
        Ok(Some((b.to_vec(), validators)))
    })?;
    match fetched {
        None => body_path
            .and_then(|p| std::fs::read(p).ok())
            .ok_or_else(|| "HTTP 304 but the previous answer is gone".to_string()),
        Some((body, (e, m))) => {
            // Kept only for the next conditional request; failing to keep it changes nothing.
            if let (Some(bp), Some(mp), true) = (&body_path, &meta_path, e.is_some() || m.is_some())
                && decode(&body).is_ok()
                && std::fs::create_dir_all(bp.parent().unwrap_or(bp)).is_ok()
                && crate::fsutil::write_atomic(bp, &body).is_ok()
            {
                let _ = crate::fsutil::write_atomic(
                    mp,
                    format!("{}\n{}\n", e.unwrap_or_default(), m.unwrap_or_default()).as_bytes(),
                );
            }
            Ok(body)
        }
    }
}

/// An instant as `2023-11-08T01:05:34Z`.
pub fn iso_utc(t: Instant) -> Option<String> {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// A small file of the static feed (a zip or a directory), read as it is now (at most 1 MB).
fn feed_file(feed: &std::path::Path, file: &str) -> Option<Vec<u8>> {
    if feed.is_dir() {
        return std::fs::read(feed.join(file)).ok();
    }
    let f = std::fs::File::open(feed).ok()?;
    let mut z = zip::ZipArchive::new(f).ok()?;
    let name = (0..z.len()).find_map(|i| {
        let n = z.name_for_index(i)?.to_string();
        (n == file || n.ends_with(&format!("/{file}"))).then_some(n)
    })?;
    let e = z.by_name(&name).ok()?;
    let mut v = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(e, 1 << 20), &mut v).ok()?;
    Some(v)
}

/// feed_info.txt's `feed_lang`: the default language of alert translations.
pub fn feed_lang(feed: &std::path::Path) -> Option<String> {
    let text = feed_file(feed, "feed_info.txt")?;
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_slice());
    let h = rd.headers().ok()?.clone();
    let c = h
        .iter()
        .position(|x| x.trim_start_matches('\u{feff}') == "feed_lang")?;
    let r = rd.records().next()?.ok()?;
    r.get(c)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("mul"))
        .map(str::to_string)
}

/// URLs of GTFS-Realtime datasets listed in a feed's `linked_datasets.txt` (a zip or a
/// directory), as (url, what it holds). Missing or unreadable: none.
pub fn linked_datasets(feed: &std::path::Path) -> Vec<(String, String)> {
    let text = feed_file(feed, "linked_datasets.txt");
    let Some(text) = text else { return Vec::new() };
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_slice());
    let Ok(h) = rd.headers().cloned() else {
        return Vec::new();
    };
    let col = |n: &str| h.iter().position(|x| x.trim_start_matches('\u{feff}') == n);
    let (Some(url), tu, vp, sa) = (
        col("url"),
        col("trip_updates"),
        col("vehicle_positions"),
        col("service_alerts"),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in rd.records().flatten() {
        let Some(u) = r.get(url).map(str::trim).filter(|u| !u.is_empty()) else {
            continue;
        };
        let flag = |c: Option<usize>| {
            c.and_then(|c| r.get(c))
                .is_some_and(|v| matches!(v.trim(), "1" | "true" | "TRUE" | "True"))
        };
        let mut kinds = Vec::new();
        if flag(tu) {
            kinds.push("trip updates");
        }
        if flag(vp) {
            kinds.push("vehicle positions");
        }
        if flag(sa) {
            kinds.push("service alerts");
        }
        let auth = col("authentication_type")
            .and_then(|c| r.get(c))
            .map(str::trim)
            .unwrap_or("");
        if !matches!(auth, "" | "0" | "none") {
            kinds.push("needs an API key");
        }
        out.push((u.to_string(), kinds.join(", ")));
    }
    out
}

/// Everything one run needs to know about realtime: per-source reports, the counts of what
/// was applied, and the warnings already printed.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RunReport {
    pub sources: Vec<SourceReport>,
    pub applied: ApplyStats,
    pub alerts: usize,
}

/// Reads the sources and applies them to this query's timetable: trip updates become the
/// overlay, alerts are kept in it for the renderers. `feed` is the static feed's local path
/// (for `auto`). Warnings go to `notes`; nothing here fails.
pub fn load_and_apply(
    tt: &mut crate::timetable::Timetable,
    sources: &[Source],
    feeds: &[(String, PathBuf)],
    opt: &ReadOptions,
    lang: Option<&str>,
    notes: &mut String,
    schedule: Option<&mut Option<crate::timetable::Timetable>>,
) -> Option<RunReport> {
    if sources.is_empty() {
        return None;
    }
    // The first feed's path (its language names alert translations).
    let feed = feeds.first().map(|(_, p)| p.as_path());
    let mut expanded = Vec::new();
    for s in sources {
        // `auto`: each feed's linked_datasets.txt URLs, bound to that feed when there are several.
        let auto_of: Option<Vec<&(String, PathBuf)>> = match s {
            Source::Auto => Some(feeds.iter().collect()),
            Source::Feed(k, inner) if **inner == Source::Auto => {
                Some(feeds.iter().filter(|(key, _)| key == k).collect())
            }
            _ => None,
        };
        match auto_of {
            Some(list) => {
                let mut any = false;
                for (key, path) in list {
                    for (u, _) in linked_datasets(path) {
                        any = true;
                        let src = Source::parse(&u);
                        let src = if feeds.len() > 1 {
                            Source::Feed(key.clone(), Box::new(src))
                        } else {
                            src
                        };
                        if !expanded.contains(&src) {
                            expanded.push(src);
                        }
                    }
                }
                if !any {
                    notes.push_str(
                        "warning: --realtime auto: the feed has no linked_datasets.txt URLs; answering from the schedule\n",
                    );
                }
            }
            None if !expanded.contains(s) => expanded.push(s.clone()),
            None => {}
        }
    }
    let loaded = read_sources(&expanded, opt);
    for w in &loaded.warnings {
        notes.push_str(w);
        notes.push('\n');
    }
    // Alert translations: --lang, else the static feed's language (only looked up when
    // some message has alerts).
    let feed_default = match lang {
        None if loaded
            .messages
            .iter()
            .any(|m| m.msg.entity.iter().any(|e| e.alert.is_some())) =>
        {
            feed.and_then(feed_lang)
        }
        _ => None,
    };
    let alerts = alerts::collect(tt, &loaded.messages, lang.or(feed_default.as_deref()));
    // The schedule-only timetable is kept (a copy) only when realtime takes options away, to
    // name them.
    if let Some(keep) = schedule
        && loaded.messages.iter().any(|m| removes_options(&m.msg))
    {
        *keep = Some(tt.clone());
    }
    apply::apply(tt, &loaded.messages);
    let mut report = RunReport {
        sources: loaded.reports,
        alerts: alerts.len(),
        ..Default::default()
    };
    if let Some(o) = tt.realtime.as_mut() {
        o.alerts = alerts;
        report.applied = o.stats.clone();
        let s = &o.stats;
        let unresolved = s.unknown_trips + s.not_running + s.unknown_stops;
        if unresolved > 0 {
            notes.push_str(&format!(
                "warning: realtime: {} of {} trip updates name trips the static feed does not schedule (unknown trip_id, or no stop times), {} name trips not running that day, {} stop updates name stops not on their trip; those were ignored\n",
                s.unknown_trips, s.trip_updates, s.not_running, s.unknown_stops
            ));
        }
    }
    Some(report)
}

/// Does the message cancel a trip or skip a stop?
fn removes_options(m: &proto::FeedMessage) -> bool {
    m.entity
        .iter()
        .filter_map(|e| e.trip_update.as_ref())
        .any(|tu| {
            tu.trip.as_ref().is_some_and(|t| {
                matches!(
                    t.schedule_relationship,
                    Some(proto::trip_rel::CANCELED | proto::trip_rel::DELETED)
                )
            }) || tu
                .stop_time_update
                .iter()
                .any(|u| u.schedule_relationship == Some(proto::stop_rel::SKIPPED))
        })
}

/// The realtime part of `feed info` (text): linked datasets, then each source read.
pub fn render_info(linked: &[(String, String)], run: Option<&RunReport>) -> String {
    let mut s = String::new();
    for (u, k) in linked {
        let k = if k.is_empty() { "realtime" } else { k };
        s.push_str(&format!(
            "linked realtime: {u} ({k}; use --realtime auto)\n"
        ));
    }
    let Some(r) = run else { return s };
    for src in &r.sources {
        s.push_str(&format!("realtime: {}", src.source));
        match &src.skipped {
            Some(why) => s.push_str(&format!(": not used: {why}\n")),
            None => s.push_str(&format!(
                ": header {}, {} trip updates, {} vehicle positions, {} alerts\n",
                src.header_time.as_deref().unwrap_or("-"),
                src.trip_updates,
                src.vehicle_positions,
                src.alerts
            )),
        }
    }
    let a = &r.applied;
    s.push_str(&format!(
        "realtime applied: {} of {} trip updates matched ({} cancelled, {} added); unknown: {} trips, {} stops; {} not running that day, {} ignored; {} alerts\n",
        a.matched, a.trip_updates, a.cancelled, a.added, a.unknown_trips, a.unknown_stops, a.not_running, a.ignored, r.alerts
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_the_env_separator() {
        assert_eq!(Source::parse("auto"), Source::Auto);
        assert_eq!(
            Source::parse("https://a.example/tu.pb"),
            Source::Url("https://a.example/tu.pb".into())
        );
        assert_eq!(Source::parse("tu.pb"), Source::File("tu.pb".into()));
        assert_eq!(split_env("a.pb, https://x.example/b ,, c.pb").len(), 3);
    }

    #[test]
    fn decode_refuses_what_is_not_a_feed_message() {
        assert!(decode(b"<html>").is_err());
        assert!(decode(&[]).is_err(), "no header");
        let m = proto::FeedMessage {
            header: Some(proto::FeedHeader {
                gtfs_realtime_version: Some("2.0".into()),
                incrementality: None,
                timestamp: Some(1),
            }),
            entity: vec![],
        };
        let b = m.encode_to_vec();
        assert_eq!(decode(&b).unwrap(), m);
        assert!(decode(&b[..b.len() - 1]).is_err(), "truncated");
    }
}
