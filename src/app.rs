//! The application layer: turns parsed command-line arguments into typed requests (once),
//! opens the feed, runs the command and returns what to print and the exit code. `main.rs` only
//! parses, calls [`run`] and prints.

use crate::cli::{Cli, Command, FeedCommand, Format};
use crate::error::{Error, Result};
use crate::feed::FeedSource;
use crate::time::Instant;
use crate::timetable::Timetable;
use crate::timetable::cache::{LoadStats, default_cache_dir, load_or_compile};
use std::path::{Path, PathBuf};

/// The bundled feed, relative to the project root.
pub const BUNDLED_FEED: &str = "data/trimet-2021-max-green-streetcar.gtfs.zip";

/// What a command produced: text for stdout, notes for stderr, and the exit code
/// (0 answer, 1 valid question without an answer).
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Resolved global options.
#[derive(Clone, Debug)]
pub struct Context {
    pub feed: FeedSource,
    pub cache_dir: PathBuf,
    /// "Now", from `--now` or the caller's clock.
    pub now: Instant,
    pub format: Format,
}

impl Context {
    /// Resolves the global arguments. `clock_now` is the real time, read by the binary.
    pub fn resolve(cli: &Cli, clock_now: Instant) -> Result<Context> {
        let feed = match &cli.global.feed {
            Some(f) if !f.trim().is_empty() => FeedSource::parse(f.trim()),
            _ => FeedSource::Path(bundled_feed()),
        };
        let cache_dir = cli
            .global
            .cache_dir
            .clone()
            .unwrap_or_else(default_cache_dir);
        let now = match &cli.global.now {
            None => clock_now,
            // --now is read in UTC when it has no offset and the feed is not open yet; a date
            // alone means noon that day, which is the same date in every zone.
            Some(s) => parse_now(s)?,
        };
        Ok(Context {
            feed,
            cache_dir,
            now,
            format: cli.global.format,
        })
    }
}

fn parse_now(s: &str) -> Result<Instant> {
    if let Ok(d) = crate::time::parse_date(s) {
        return Ok(d
            .and_hms_opt(12, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(0));
    }
    crate::time::parse_user_time(s, chrono_tz::UTC)
        .map_err(|_| Error::bad_input("--now", s, "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM"))
}

/// The bundled TriMet feed: `data/…` under the working directory if present (running from a
/// checkout), else under the directory the crate was built from.
pub fn bundled_feed() -> PathBuf {
    let local = PathBuf::from(BUNDLED_FEED);
    if local.exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(BUNDLED_FEED)
}

/// Resolves the feed to a local path (downloading a URL into the cache) and loads its compiled
/// timetable.
pub fn open_feed(ctx: &Context, notes: &mut String) -> Result<(Timetable, LoadStats)> {
    let path = local_feed_path(ctx, notes)?;
    let (tt, stats) = load_or_compile(&path, &ctx.cache_dir)?;
    if let Some(why) = &stats.cache_rejected {
        notes.push_str(&format!("note: compiled timetable cache not used: {why}\n"));
    }
    Ok((tt, stats))
}

fn local_feed_path(ctx: &Context, _notes: &mut String) -> Result<PathBuf> {
    match &ctx.feed {
        FeedSource::Path(p) => Ok(p.clone()),
        FeedSource::Url(u) => Err(Error::Fetch {
            url: u.clone(),
            reason: "downloading feeds is not available in this build".into(),
        }),
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli, clock_now: Instant) -> Result<Outcome> {
    let ctx = Context::resolve(&cli, clock_now)?;
    match &cli.command {
        Command::Feed(FeedCommand::Info) => feed_info(&ctx),
        Command::Feed(FeedCommand::Check) => feed_check(&ctx),
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn feed_info(ctx: &Context) -> Result<Outcome> {
    let mut out = Outcome::default();
    let (tt, _) = open_feed(ctx, &mut out.stderr)?;
    let today = crate::time::local_date(tt.tz(), ctx.now);
    let info = crate::feed::info::info(&tt, &ctx.feed.display(), today);
    out.stdout = match ctx.format {
        Format::Text => info.render_text(),
        Format::Json => json(&info),
    };
    Ok(out)
}

fn feed_check(ctx: &Context) -> Result<Outcome> {
    let mut out = Outcome::default();
    let path = local_feed_path(ctx, &mut out.stderr)?;
    let report = crate::feed::validate::check(&path)?;
    out.stdout = match ctx.format {
        Format::Text => report.render_text(),
        Format::Json => json(&report),
    };
    out.code = if report.usable { 0 } else { 2 };
    Ok(out)
}
