//! The application layer: turns parsed command-line arguments into typed requests (once),
//! opens the feed, runs the command and returns what to print and the exit code. `main.rs` only
//! parses, calls [`run`] and prints.

use crate::cli::{
    AnnounceArgs, Cli, Command, FeedCommand, Format, MeetArgs, PlanArgs, RoutingArgs, StopsArgs,
    WalkArgs,
};
use crate::error::{Error, Result};
use crate::feed::FeedSource;
use crate::geocode::GeocoderConfig;
use crate::nearby::StopIndex;
use crate::place::{self, Place, Resolver};
use crate::router::{self, Access, Query, QueryKind};
use crate::time::Instant;
use crate::timetable::Timetable;
use crate::timetable::cache::{LoadStats, default_cache_dir};
use crate::venues::Venues;
use crate::walk::{MapSource, Streets};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Every feed named (`--feed`/`GETHERE_FEED`, else the config file's `[[feeds]]`, else
    /// the bundled feed); never empty.
    pub feeds: Vec<crate::config::FeedSpec>,
    /// The region config file as read (the built-in one when none is found).
    pub config: Arc<Venues>,
    /// Where each configured value came from (`gethere config`).
    pub provenance: crate::config::Provenance,
    pub cache_dir: PathBuf,
    /// "Now", from `--now` or the caller's clock.
    pub now: Instant,
    /// Whether `--now` was given (announcements use it as their timestamp only then).
    pub now_given: bool,
    pub format: Format,
    /// `--geocoder`/`GETHERE_GEOCODER`; else the venues file's `[geocoder] url`.
    pub geocoder: Option<String>,
    /// `--streets`/`GETHERE_STREETS`; else the venues file's `[streets] map`, else the bundled
    /// map for feeds in its area.
    pub streets: Option<String>,
    /// `--realtime`/`GETHERE_REALTIME` (empty: the venues file's `[realtime]`, else none).
    pub realtime: Vec<crate::realtime::Source>,
    pub realtime_max_age_secs: i64,
    pub realtime_timeout: std::time::Duration,
    pub lang: Option<String>,
    /// `--skip-broken-feeds`.
    pub skip_broken_feeds: bool,
    /// The feeds as local files, once fetched ([`local_feeds`]): a run downloads or
    /// revalidates each URL once, however many steps need the files.
    fetched: std::sync::OnceLock<Vec<crate::timetable::cache::RegionFeed>>,
}

impl Context {
    /// Resolves the global arguments. `clock_now` is the real time, read by the binary.
    pub fn resolve(cli: &Cli, clock_now: Instant) -> Result<Context> {
        let cache_dir = cli
            .global
            .cache_dir
            .clone()
            .unwrap_or_else(default_cache_dir);
        let region =
            crate::config::resolve(&cli.global, crate::config::platform_config_file(), || {
                embedded_feed(&cache_dir)
            })?;
        let now = match &cli.global.now {
            None => clock_now,
            // --now is read in UTC when it has no offset and the feed is not open yet; a date
            // alone means noon that day, which is the same date in every zone.
            Some(s) => parse_now(s)?,
        };
        let format = cli.global.format.unwrap_or(match cli.command {
            Command::Announce(_) => Format::Markdown,
            _ => Format::Text,
        });
        let geojson_ok = matches!(cli.command, Command::Plan(_) | Command::Walk(_));
        if matches!(format, Format::Geojson) && !geojson_ok {
            return Err(Error::bad_input(
                "--format",
                "geojson",
                "geojson is for `gethere plan` and `gethere walk`",
            ));
        }
        let rich = match cli.command {
            Command::Announce(_) => format != Format::Geojson,
            Command::Meet(_) => !matches!(format, Format::Ics | Format::Geojson),
            _ => false,
        };
        if !rich && !matches!(format, Format::Text | Format::Json | Format::Geojson) {
            return Err(Error::bad_input(
                "--format",
                &format!("{format:?}").to_lowercase(),
                "this command writes text or json; markdown, html and ics are for `gethere announce`",
            ));
        }
        Ok(Context {
            fetched: std::sync::OnceLock::new(),
            feeds: region.feeds,
            config: Arc::new(region.file),
            provenance: region.provenance,
            cache_dir,
            now,
            now_given: cli.global.now.is_some(),
            format,
            geocoder: cli.global.geocoder.clone().filter(|u| !u.trim().is_empty()),
            streets: cli.global.streets.clone().filter(|u| !u.trim().is_empty()),
            realtime: cli
                .global
                .realtime
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| crate::realtime::Source::parse(s))
                .collect(),
            realtime_max_age_secs: crate::time::parse_duration(&cli.global.realtime_max_age)
                .map_err(|_| {
                    Error::bad_input(
                        "--realtime-max-age",
                        &cli.global.realtime_max_age,
                        "expected a duration such as 10m or 2h",
                    )
                })? as i64,
            realtime_timeout: std::time::Duration::from_secs(cli.global.realtime_timeout.max(1)),
            lang: cli.global.lang.clone().filter(|l| !l.trim().is_empty()),
            skip_broken_feeds: cli.global.skip_broken_feeds,
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

/// The bundled TriMet feed, in the binary so an installed `gethere` needs no data folder.
pub static BUNDLED_FEED_BYTES: &[u8] =
    include_bytes!("../data/trimet-2021-max-green-streetcar.gtfs.zip");

/// The default feed as a file: the copy of the feed in the binary under
/// `<cache>/bundled/` (written once; the timetable cache is keyed by its content as usual).
/// When the cache directory cannot be written, the checkout's `data/` copy if there is one.
pub fn embedded_feed(cache_dir: &Path) -> Result<PathBuf> {
    let name = Path::new(BUNDLED_FEED)
        .file_name()
        .unwrap_or_default()
        .to_owned();
    let path = cache_dir.join("bundled").join(name);
    let current = std::fs::metadata(&path)
        .is_ok_and(|m| m.len() == BUNDLED_FEED_BYTES.len() as u64)
        && std::fs::read(&path).is_ok_and(|b| b == BUNDLED_FEED_BYTES);
    if current {
        return Ok(path);
    }
    match crate::fsutil::write_atomic(&path, BUNDLED_FEED_BYTES) {
        Ok(()) => Ok(path),
        Err(e) => {
            let local = bundled_feed();
            if local.exists() { Ok(local) } else { Err(e) }
        }
    }
}

/// The bundled TriMet feed in a checkout: `data/…` under the working directory if present,
/// else under the directory the crate was built from.
pub fn bundled_feed() -> PathBuf {
    let local = PathBuf::from(BUNDLED_FEED);
    if local.exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(BUNDLED_FEED)
}

impl Context {
    /// The geocoder to use for addresses, if one is configured (never a default server: sending
    /// users' addresses somewhere must be the user's choice).
    pub fn geocoder_config(&self, venues: Option<&Venues>) -> Option<GeocoderConfig> {
        let url = self.geocoder.clone().or_else(|| {
            venues
                .and_then(|v| v.geocoder.as_ref())
                .map(|g| g.url.clone())
        })?;
        Some(GeocoderConfig {
            url,
            ..GeocoderConfig::default()
        })
    }

    /// The venues of the region config (read once, by [`Context::resolve`]).
    pub fn load_venues(&self) -> Result<Option<Venues>> {
        Ok(Some((*self.config).clone()))
    }
}

/// A venue far from every stop of the feed is probably the wrong venue or the wrong feed:
/// say so (the answer still stands).
const FAR_VENUE_M: u32 = 3000;

fn far_venue_note(tt: &Timetable, index: &StopIndex, p: &place::Resolved, notes: &mut String) {
    if let Some(key) = &p.venue {
        far_point_note(tt, index, key, p.lat, p.lon, notes);
    }
}

fn far_point_note(
    tt: &Timetable,
    index: &StopIndex,
    key: &str,
    lat: f64,
    lon: f64,
    notes: &mut String,
) {
    if let Some(&(s, d)) = index.nearest(tt, lat, lon, 1).first()
        && d > FAR_VENUE_M
    {
        notes.push_str(&format!(
            "warning: venue '{key}' is {:.1} km from the nearest stop in this feed ({}); check its coordinates or the feed\n",
            d as f64 / 1000.0,
            tt.stop(s).name
        ));
    }
}

/// Parses a user time in the feed's zone and checks its date is near the feed's service: a
/// day of slack either side, because the last service day's trips run past midnight (GTFS
/// 25:10 is the next calendar day) and, on a spring-forward day, the first service day's
/// early trips run the evening before. Within that, the search decides.
fn time_in_feed(tt: &Timetable, input: &str) -> Result<Instant> {
    time_in_zone(tt, input, tt.tz())
}

/// [`time_in_feed`] with the time read in `tz` (a place's zone in a region of several zones).
fn time_in_zone(tt: &Timetable, input: &str, tz: chrono_tz::Tz) -> Result<Instant> {
    let t = crate::time::parse_user_time(input, tz)?;
    let date = crate::time::local_date(tz, t);
    match tt.service_range() {
        Some((first, last))
            if date < first - chrono::Days::new(1) || date > last + chrono::Days::new(1) =>
        {
            Err(Error::DateOutsideFeed { date, first, last })
        }
        _ => Ok(t),
    }
}

/// Resolves places as every command does (venues file, stop index, configured geocoder) and
/// warns about venues far from the feed. `(radius_m, speed_mps, allow_no_stops)` as in
/// [`Resolver`]. Returns one resolved place per input, in order.
fn resolve_places(
    ctx: &Context,
    tt: &Timetable,
    index: &StopIndex,
    places: &[&Place],
    (radius_m, speed_mps, allow_no_stops): (u32, f64, bool),
    walk: &WalkOpts,
    notes: &mut String,
) -> Result<Vec<place::Resolved>> {
    let venues = ctx.load_venues()?;
    let gcfg = ctx.geocoder_config(venues.as_ref());
    let gfn = geocoder_fn(&gcfg, ctx);
    let resolver = Resolver {
        tt,
        index,
        venues: venues.as_ref(),
        radius_m,
        speed_mps,
        geocoder: gfn.as_ref().map(|f| f as place::Geocoder),
        allow_no_stops,
        streets: walk.streets,
        max_walk_secs: walk.max_walk_secs,
        wheelchair: walk.wheelchair,
    };
    places
        .iter()
        .map(|p| {
            let r = resolver.resolve(p)?;
            far_venue_note(tt, index, &r, notes);
            if let (Some(key), Some(s)) = (&r.venue, walk.streets) {
                far_snap_notes(s, key, &r.points, notes);
            }
            if let Some(n) = &r.walk_note {
                notes.push_str(&format!("note: {n}\n"));
            }
            Ok(r)
        })
        .collect()
}

/// A venue point this far from every walkable way is probably inside a building: say so.
const FAR_SNAP_M: f64 = 50.0;

/// Warns about venue points (entrances) that lie far from every walkable way: the walk from
/// them starts with a straight line through whatever is in between.
fn far_snap_notes(streets: &Streets, key: &str, points: &[(f64, f64)], notes: &mut String) {
    for &(lat, lon) in points {
        if let Some(s) = streets.graph.snap(
            lat,
            lon,
            crate::walk::MAX_SNAP_M,
            crate::walk::Profile::default(),
        ) && s.dist > FAR_SNAP_M
        {
            notes.push_str(&format!(
                "warning: venue '{key}' point {lat:.5},{lon:.5} is {:.0} m from the nearest walkable way; put its entrances where people walk in\n",
                s.dist
            ));
        }
    }
}

/// How places are walked from: the street map (if any), the longest walk, the profile.
pub struct WalkOpts<'a> {
    pub streets: Option<&'a Streets>,
    pub max_walk_secs: u32,
    pub wheelchair: bool,
}

/// The map the bundled extract covers (its nodes' bounding box): the default street map is
/// used for feeds with stops in it.
const BUNDLED_MAP_BBOX: [f64; 4] = [45.47328, -122.71322, 45.56086, -122.56392];

/// Opens the street map for this feed — `--streets`/`GETHERE_STREETS`, else the venues file's
/// `[streets] map`, else the bundled central-Portland extract when the feed has stops in its
/// area — and lays its walking links over the timetable. `None`: straight-line walking.
pub fn open_streets(
    ctx: &Context,
    tt: &mut Timetable,
    venues: Option<&Venues>,
    notes: &mut String,
) -> Result<Option<Arc<Streets>>> {
    let source = match (&ctx.streets, venues.and_then(|v| v.streets.as_ref())) {
        (Some(s), _) => MapSource::parse(s),
        (None, Some(sec)) => match MapSource::parse(&sec.map) {
            // A relative path in the venues file is relative to that file.
            MapSource::Path(p) if p.is_relative() => MapSource::Path(
                venues
                    .and_then(|v| v.path.as_ref())
                    .and_then(|vp| vp.parent())
                    .map(|d| d.join(&p))
                    .unwrap_or(p),
            ),
            other => other,
        },
        (None, None) => MapSource::Bundled,
    };
    let explicit = source != MapSource::Bundled;
    let (bytes, name): (std::borrow::Cow<[u8]>, String) = match &source {
        MapSource::None => return Ok(None),
        MapSource::Bundled => {
            if !tt.stops.any_within(BUNDLED_MAP_BBOX) {
                return Ok(None);
            }
            (
                std::borrow::Cow::Borrowed(crate::walk::BUNDLED_MAP),
                crate::walk::BUNDLED_MAP_NAME.to_string(),
            )
        }
        MapSource::Path(p) => match std::fs::read(p) {
            Ok(b) => (b.into(), p.display().to_string()),
            Err(e) => {
                return Err(Error::MapUnusable {
                    map: p.display().to_string(),
                    reason: if e.kind() == std::io::ErrorKind::NotFound {
                        "no such file".into()
                    } else {
                        e.to_string()
                    },
                });
            }
        },
        MapSource::Url(u) => {
            use crate::feed::fetch::{FetchOptions, FetchStatus, fetch_kind};
            let f = fetch_kind(
                u,
                &ctx.cache_dir,
                &FetchOptions::default(),
                ctx.now,
                &crate::walk::MAP_DOWNLOAD,
            )?;
            if let FetchStatus::KeptAfterFailure { reason } = &f.status {
                let when = chrono::DateTime::from_timestamp(f.fetched_at, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "earlier".into());
                notes.push_str(&format!(
                    "note: could not refresh {u}: {reason}; using the copy downloaded {when}\n"
                ));
            }
            let b = std::fs::read(&f.path).map_err(|e| Error::io("reading", &f.path, e))?;
            (b.into(), u.clone())
        }
    };
    let (streets, stats) = crate::walk::load_graph(&bytes, &name, &ctx.cache_dir)?;
    if let Some(why) = &stats.cache_rejected {
        notes.push_str(&format!("note: street graph cache not used: {why}\n"));
    }
    let links = crate::walk::load_links(&streets, tt, &ctx.cache_dir);
    if links.stops_on_map == 0 {
        // Places on the map still walk along it; stops (all off it) walk straight-line.
        if explicit {
            notes.push_str(&format!(
                "warning: the street map {name} shares no area with the feed's stops; walks to and between stops are straight-line estimates\n"
            ));
        }
    } else {
        crate::walk::apply_links(tt, links);
    }
    Ok(Some(Arc::new(streets)))
}

/// A geocoder callback for [`Resolver`], bound to the configuration and cache directory.
fn geocoder_fn<'a>(
    cfg: &'a Option<GeocoderConfig>,
    ctx: &'a Context,
) -> Option<impl Fn(&str) -> Result<Vec<place::GeoHit>> + 'a> {
    cfg.as_ref().map(|cfg| {
        move |q: &str| {
            crate::geocode::geocode(q, cfg, &ctx.cache_dir, ctx.now)
                .map(|hits| hits.into_iter().map(|h| (h.name, h.lat, h.lon)).collect())
        }
    })
}

/// Resolves the feed to a local path (downloading a URL into the cache) and loads its compiled
/// timetable.
pub fn open_feed(ctx: &Context, notes: &mut String) -> Result<(Timetable, LoadStats)> {
    let feeds = local_feeds(ctx, notes)?;
    let (tt, stats) = crate::timetable::cache::load_or_compile_region(
        &feeds,
        &ctx.cache_dir,
        ctx.skip_broken_feeds,
    )?;
    if feeds.len() > 1 {
        for w in tt
            .meta
            .warnings
            .iter()
            .filter(|w| w.contains("left out (--skip-broken-feeds)"))
        {
            notes.push_str(&format!("warning: {w}\n"));
        }
    }
    if let Some(why) = &stats.cache_rejected {
        notes.push_str(&format!("note: compiled timetable cache not used: {why}\n"));
    }
    Ok((tt, stats))
}

/// Applies the run's realtime sources to `tt` (see `realtime::load_and_apply`); `None` when
/// there are none. Failures are warnings in `notes`.
fn live(
    ctx: &Context,
    tt: &mut Timetable,
    sources: &[crate::realtime::Source],
    notes: &mut String,
    schedule: Option<&mut Option<Timetable>>,
) -> Option<crate::realtime::RunReport> {
    if sources.is_empty() {
        return None;
    }
    // Each feed's key and local copy (for `auto` and KEY= sources).
    let feeds: Vec<(String, PathBuf)> = local_feeds(ctx, &mut String::new())
        .map(|v| v.into_iter().map(|f| (f.key, f.path)).collect())
        .unwrap_or_default();
    let opt = crate::realtime::ReadOptions {
        max_age_secs: ctx.realtime_max_age_secs,
        now: ctx.now,
        timeout: ctx.realtime_timeout,
        validators_dir: Some(ctx.cache_dir.join("realtime")),
    };
    crate::realtime::load_and_apply(
        tt,
        sources,
        &feeds,
        &opt,
        ctx.lang.as_deref(),
        notes,
        schedule,
    )
}

/// The run's realtime sources: --realtime/GETHERE_REALTIME, else the venues file's.
fn realtime_sources(ctx: &Context) -> Vec<crate::realtime::Source> {
    if ctx.realtime.is_empty() {
        ctx.load_venues()
            .ok()
            .flatten()
            .and_then(|v| v.realtime)
            .map(|r| {
                r.sources
                    .iter()
                    .map(|s| crate::realtime::Source::parse(s))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        ctx.realtime.clone()
    }
}

/// The feed as a local path: a path as given, a URL downloaded (or revalidated) into the
/// cache. A failed refresh with a previous copy is a note, not an error.
fn local_feed_path(ctx: &Context, notes: &mut String) -> Result<PathBuf> {
    Ok(local_feeds(ctx, notes)?.swap_remove(0).path)
}

/// Every feed of the run (`--feed`, repeatable, or the config's `[[feeds]]`) as a local path with
/// its key: the key given, else one made from the file name. A feed that cannot be fetched fails
/// the run, or with `--skip-broken-feeds` (and others left) is left out with a warning.
fn local_feeds(
    ctx: &Context,
    notes: &mut String,
) -> Result<Vec<crate::timetable::cache::RegionFeed>> {
    if let Some(done) = ctx.fetched.get() {
        return Ok(done.clone());
    }
    let mut out: Vec<crate::timetable::cache::RegionFeed> = Vec::new();
    for spec in &ctx.feeds {
        let key = spec.key.clone().unwrap_or_else(|| {
            let mut k = crate::timetable::compile::feed_key_from_name(&spec.source);
            k.truncate(32);
            k
        });
        if let Some(other) = out.iter().find(|f| f.key == key) {
            return Err(Error::bad_input(
                "--feed",
                &spec.source,
                format!(
                    "its key '{key}' is also {}'s; name one with --feed KEY={}",
                    other.path.display(),
                    spec.source
                ),
            ));
        }
        match fetch_source(&spec.feed_source(), ctx, notes) {
            Ok(path) => out.push(crate::timetable::cache::RegionFeed { key, path }),
            Err(e) if ctx.skip_broken_feeds && ctx.feeds.len() > 1 => notes.push_str(&format!(
                "warning: feed {key} left out (--skip-broken-feeds): {e}\n"
            )),
            Err(e) => return Err(e),
        }
    }
    if out.is_empty() {
        return Err(Error::FeedUnusable {
            feed: ctx
                .feeds
                .iter()
                .map(|f| f.source.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            reason: "no feed could be read".into(),
        });
    }
    let _ = ctx.fetched.set(out.clone());
    Ok(out)
}

/// A feed source as a local path: a path as given, a URL downloaded (or revalidated) into the
/// cache.
fn fetch_source(source: &FeedSource, ctx: &Context, notes: &mut String) -> Result<PathBuf> {
    use crate::feed::fetch::{FetchOptions, FetchStatus, fetch};
    match source {
        FeedSource::Path(p) => Ok(p.clone()),
        FeedSource::Url(u) => {
            let f = fetch(u, &ctx.cache_dir, &FetchOptions::default(), ctx.now)?;
            if let FetchStatus::KeptAfterFailure { reason } = &f.status {
                let when = chrono::DateTime::from_timestamp(f.fetched_at, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "earlier".into());
                notes.push_str(&format!(
                    "note: could not refresh {u}: {reason}; using the copy downloaded {when}\n"
                ));
            }
            Ok(f.path)
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli, clock_now: Instant) -> Result<Outcome> {
    let ctx = Context::resolve(&cli, clock_now)?;
    match &cli.command {
        Command::Feed(FeedCommand::Info) => feed_info(&ctx),
        Command::Feed(FeedCommand::Check) => feed_check(&ctx),
        Command::Plan(args) => plan(&ctx, args),
        Command::Stops(args) => stops(&ctx, args),
        Command::Announce(args) => announce(&ctx, args),
        Command::Meet(args) => meet(&ctx, args),
        Command::Walk(args) => walk(&ctx, args),
        Command::Config => config(&ctx, &cli.global),
    }
}

/// `gethere config`: the effective configuration and where each value came from.
fn config(ctx: &Context, g: &crate::cli::GlobalArgs) -> Result<Outcome> {
    let region = crate::config::Region {
        file: (*ctx.config).clone(),
        platform_file: crate::config::platform_config_file(),
        feeds: ctx.feeds.clone(),
        provenance: ctx.provenance.clone(),
    };
    let report = crate::config::report(
        &region,
        ctx.geocoder.as_deref(),
        ctx.streets.as_deref(),
        &g.realtime,
        &ctx.cache_dir,
    );
    let mut out = Outcome::default();
    for f in report.feeds.iter().filter(|f| f.exists == Some(false)) {
        out.stderr.push_str(&format!(
            "warning: feed {} does not exist; commands that open it will fail\n",
            f.source
        ));
    }
    out.stdout = match ctx.format {
        Format::Json => json(&report),
        _ => crate::config::render_text(&report),
    };
    Ok(out)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn feed_info(ctx: &Context) -> Result<Outcome> {
    let mut out = Outcome::default();
    let (mut tt, _) = open_feed(ctx, &mut out.stderr)?;
    let today = crate::time::local_date(tt.tz(), ctx.now);
    let name = ctx
        .feeds
        .iter()
        .map(|f| f.source.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let name = if ctx.feeds.len() > 1 {
        name
    } else {
        ctx.feeds[0].feed_source().display()
    };
    let info = crate::feed::info::info(&tt, &name, today);
    let linked = local_feed_path(ctx, &mut String::new())
        .map(|p| crate::realtime::linked_datasets(&p))
        .unwrap_or_default();
    let rt = live(ctx, &mut tt, &realtime_sources(ctx), &mut out.stderr, None);
    out.stdout = match ctx.format {
        Format::Json => {
            let mut v = serde_json::to_value(&info).unwrap_or_default();
            if !linked.is_empty() {
                v["linked_realtime"] = serde_json::json!(
                    linked
                        .iter()
                        .map(|(u, k)| serde_json::json!({"url": u, "holds": k}))
                        .collect::<Vec<_>>()
                );
            }
            if let Some(r) = &rt {
                v["realtime"] = serde_json::json!(r);
            }
            json(&v)
        }
        _ => {
            let mut s = info.render_text();
            s.push_str(&crate::realtime::render_info(&linked, rt.as_ref()));
            s
        }
    };
    Ok(out)
}

fn feed_check(ctx: &Context) -> Result<Outcome> {
    let mut out = Outcome::default();
    if ctx.feeds.len() > 1 {
        // Each feed on its own: a problem is always about one feed's files.
        let feeds = local_feeds(ctx, &mut out.stderr)?;
        let mut usable = true;
        let mut reports = Vec::new();
        for f in &feeds {
            let report = crate::feed::validate::check(&f.path)?;
            usable &= report.usable;
            reports.push((f, report));
        }
        out.stdout = match ctx.format {
            Format::Json => json(&serde_json::json!({
                "feeds": reports
                    .iter()
                    .map(|(f, r)| serde_json::json!({"key": f.key, "report": r}))
                    .collect::<Vec<_>>()
            })),
            _ => reports
                .iter()
                .map(|(f, r)| {
                    format!(
                        "== feed {} ({})\n{}",
                        f.key,
                        f.path.display(),
                        r.render_text()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        };
        out.code = if usable { 0 } else { 2 };
        if usable {
            check_venues_on_streets(ctx, &mut out.stderr)?;
        }
        return Ok(out);
    }
    let path = local_feed_path(ctx, &mut out.stderr)?;
    let report = crate::feed::validate::check(&path)?;
    out.stdout = match ctx.format {
        Format::Json => json(&report),
        _ => report.render_text(),
    };
    out.code = if report.usable { 0 } else { 2 };
    if report.usable {
        check_venues_on_streets(ctx, &mut out.stderr)?;
    }
    Ok(out)
}

/// The venues check of `feed check`: with a street map for this feed, every venue point (its
/// entrances, else its coordinate) more than 50 m from any walkable way is a warning.
fn check_venues_on_streets(ctx: &Context, notes: &mut String) -> Result<()> {
    let Some(venues) = ctx.load_venues()? else {
        return Ok(());
    };
    let (mut tt, _) = open_feed(ctx, notes)?;
    let Some(streets) = open_streets(ctx, &mut tt, Some(&venues), notes)? else {
        return Ok(());
    };
    for (key, v) in &venues.venues {
        let points: Vec<(f64, f64)> = if v.entrances.is_empty() {
            vec![(v.lat, v.lon)]
        } else {
            v.entrances.iter().map(|e| (e.lat, e.lon)).collect()
        };
        far_snap_notes(&streets, key, &points, notes);
    }
    Ok(())
}

/// The routing options of `plan` and `meet`, checked once: one definition, so a `meet` cell
/// is the `plan` answer for the same options.
#[derive(Clone, Copy, Debug)]
pub struct Routing {
    pub max_transfers: u32,
    pub min_transfer_secs: u32,
    /// Generated walking links between stops up to this distance (400 m when not given).
    pub walk_radius_m: u32,
    /// `--walk-radius` as given: then it also bounds the walks to and from the places.
    pub walk_radius_given: Option<u32>,
    /// `--max-walk`: the longest walk to the first stop, from the last, or the whole way.
    pub max_walk_secs: u32,
    pub walk_speed_mps: f64,
    pub wheelchair: bool,
    /// How far past the window journeys may reach (`plan --max-duration`); `None`: as far as
    /// the feed's service goes. `meet` keeps the router's first horizon (a day) here and
    /// applies its own `--max-duration` to the answers.
    pub max_duration_secs: Option<u32>,
}

impl Routing {
    pub fn from_args(a: &RoutingArgs) -> Result<Routing> {
        if a.max_transfers > 10 {
            return Err(Error::bad_input(
                "--max-transfers",
                &a.max_transfers.to_string(),
                "at most 10",
            ));
        }
        if a.min_transfer_time > 3600 {
            return Err(Error::bad_input(
                "--min-transfer-time",
                &a.min_transfer_time.to_string(),
                "at most 3600 seconds",
            ));
        }
        let walk_radius = a.walk_radius.unwrap_or(DEFAULT_WALK_RADIUS_M);
        if walk_radius > crate::timetable::compile::MAX_WALK_LINK_M {
            return Err(Error::bad_input(
                "--walk-radius",
                &walk_radius.to_string(),
                format!(
                    "at most {} metres",
                    crate::timetable::compile::MAX_WALK_LINK_M
                ),
            ));
        }
        if !(a.walk_speed.is_finite() && (0.3..=3.0).contains(&a.walk_speed)) {
            return Err(Error::bad_input(
                "--walk-speed",
                &a.walk_speed.to_string(),
                "expected metres per second between 0.3 and 3.0 (1.2 is a usual pace)",
            ));
        }
        Ok(Routing {
            max_transfers: a.max_transfers,
            min_transfer_secs: a.min_transfer_time,
            walk_radius_m: walk_radius,
            walk_radius_given: a.walk_radius,
            max_walk_secs: parse_max_walk(&a.max_walk)?,
            walk_speed_mps: a.walk_speed,
            wheelchair: a.wheelchair,
            max_duration_secs: None,
        })
    }

    /// How places are resolved for a journey: (radius, speed, allow_no_stops) for
    /// [`resolve_places`]. With a street map the longest walk bounds access and egress (and
    /// `--walk-radius` when given); without one, the radius does.
    pub fn place_options(&self, streets: bool) -> (u32, f64, bool) {
        let radius = match (streets, self.walk_radius_given) {
            (_, Some(r)) => r.max(1),
            (true, None) => u32::MAX,
            (false, None) => self.walk_radius_m.max(1),
        };
        (radius, self.walk_speed_mps, false)
    }

    /// How places are walked from, with this street map.
    pub fn walk_opts<'a>(&self, streets: Option<&'a Streets>) -> WalkOpts<'a> {
        WalkOpts {
            streets,
            max_walk_secs: self.max_walk_secs,
            wheelchair: self.wheelchair,
        }
    }

    /// The query `plan` asks between two resolved places. A stop within walking distance of
    /// both places is a place to start from or to end at, not both: it goes to the side it is
    /// nearer (ties: the origin side); `None` when either side is left without stops.
    pub fn query(
        &self,
        kind: QueryKind,
        time: Instant,
        window_secs: u32,
        from: &place::Resolved,
        to: &place::Resolved,
    ) -> Option<Query> {
        let mut origins = from.access.clone();
        let mut targets = to.access.clone();
        origins.retain(|o| !targets.iter().any(|t| t.stop == o.stop && t.secs < o.secs));
        targets.retain(|t| !origins.iter().any(|o| o.stop == t.stop));
        if targets.is_empty() || origins.is_empty() {
            return None;
        }
        Some(Query {
            kind,
            time,
            window_secs,
            origins,
            targets,
            max_transfers: self.max_transfers,
            min_transfer_secs: self.min_transfer_secs,
            walk_radius_m: self.walk_radius_m,
            walk_speed_mps: self.walk_speed_mps,
            wheelchair: self.wheelchair,
            max_duration_secs: self.max_duration_secs,
        })
    }
}

/// A `plan` request with every default resolved and every string parsed.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub from: Place,
    pub to: Place,
    pub kind: QueryKind,
    pub time: String,
    pub window_secs: u32,
    pub max_transfers: u32,
    pub min_transfer_secs: u32,
    pub walk_radius_m: u32,
    /// `--walk-radius` as given: then it also bounds the walks to and from the places.
    pub walk_radius_given: Option<u32>,
    /// `--max-walk`: the longest walk to the first stop, from the last, or the whole way.
    pub max_walk_secs: u32,
    pub walk_speed_mps: f64,
    pub wheelchair: bool,
    /// `--max-duration`: how far past the window journeys may reach; `None`: unlimited within
    /// the feed's service.
    pub max_duration_secs: Option<u32>,
    pub stats: bool,
}

impl PlanRequest {
    /// Validates the arguments that do not need the feed.
    pub fn from_args(a: &PlanArgs) -> Result<PlanRequest> {
        let (kind, time) = match (&a.arrive_by, &a.depart_at) {
            (Some(t), None) => (QueryKind::ArriveBy, t.clone()),
            (None, Some(t)) => (QueryKind::DepartAt, t.clone()),
            _ => {
                return Err(Error::bad_input(
                    "time",
                    "",
                    "give exactly one of --arrive-by TIME or --depart-at TIME",
                ));
            }
        };
        let window_secs = parse_window(a.window.as_deref(), 24)?;
        let routing = Routing::from_args(&a.routing)?;
        Ok(PlanRequest {
            from: Place::parse(&a.from)?,
            to: Place::parse(&a.to)?,
            kind,
            time,
            window_secs,
            max_transfers: routing.max_transfers,
            min_transfer_secs: routing.min_transfer_secs,
            walk_radius_m: routing.walk_radius_m,
            walk_radius_given: routing.walk_radius_given,
            max_walk_secs: routing.max_walk_secs,
            walk_speed_mps: routing.walk_speed_mps,
            wheelchair: routing.wheelchair,
            max_duration_secs: a
                .max_duration
                .as_deref()
                .map(parse_max_duration)
                .transpose()?,
            stats: a.stats,
        })
    }
}

impl PlanRequest {
    /// The routing options of this request.
    pub fn routing(&self) -> Routing {
        Routing {
            max_transfers: self.max_transfers,
            min_transfer_secs: self.min_transfer_secs,
            walk_radius_m: self.walk_radius_m,
            walk_radius_given: self.walk_radius_given,
            max_walk_secs: self.max_walk_secs,
            walk_speed_mps: self.walk_speed_mps,
            wheelchair: self.wheelchair,
            max_duration_secs: self.max_duration_secs,
        }
    }
}

/// `--window D` in seconds (0 when not given), at most `max_hours`.
fn parse_window(w: Option<&str>, max_hours: u32) -> Result<u32> {
    let secs = match w {
        Some(w) => crate::time::parse_duration(w)?,
        None => 0,
    };
    if secs > max_hours * 3600 {
        return Err(Error::bad_input(
            "--window",
            w.unwrap_or(""),
            format!("at most {max_hours}h"),
        ));
    }
    Ok(secs)
}

/// `plan --max-duration D`: a positive duration (e.g. 90m, 36h, 3d).
fn parse_max_duration(s: &str) -> Result<u32> {
    let secs = crate::time::parse_duration(s)?;
    if secs == 0 {
        return Err(Error::bad_input(
            "--max-duration",
            s,
            "expected a positive duration, e.g. 12h or 3d",
        ));
    }
    Ok(secs)
}

/// `--walk-radius` when not given: generated walking links between stops up to this distance.
pub const DEFAULT_WALK_RADIUS_M: u32 = 400;

fn parse_max_walk(s: &str) -> Result<u32> {
    let secs = crate::time::parse_duration(s)?;
    if secs == 0 || secs > 2 * 3600 {
        return Err(Error::bad_input(
            "--max-walk",
            s,
            "expected a duration between 1m and 2h, e.g. 15m",
        ));
    }
    Ok(secs)
}

fn plan(ctx: &Context, args: &PlanArgs) -> Result<Outcome> {
    let req = PlanRequest::from_args(args)?;
    let mut out = Outcome::default();
    let t_load = std::time::Instant::now();
    let (mut tt, load_stats) = open_feed(ctx, &mut out.stderr)?;
    let load_ms = t_load.elapsed().as_secs_f64() * 1000.0;
    let t_rt = std::time::Instant::now();
    // The schedule-only timetable, kept to name the options realtime took away.
    let mut schedule = None;
    let rt_report = live(
        ctx,
        &mut tt,
        &realtime_sources(ctx),
        &mut out.stderr,
        Some(&mut schedule),
    );
    let realtime_ms = t_rt.elapsed().as_secs_f64() * 1000.0;
    // Checked early (a date far outside the feed is an error before any place is looked up);
    // read again below in the zone of the place it is about.
    time_in_feed(&tt, &req.time)?;
    let rider = tt.fares.rider(args.rider.as_deref())?;
    let t_streets = std::time::Instant::now();
    let venues = ctx.load_venues()?;
    let streets = open_streets(ctx, &mut tt, venues.as_ref(), &mut out.stderr)?;
    let streets_ms = t_streets.elapsed().as_secs_f64() * 1000.0;
    let index = StopIndex::new(&tt);
    let routing = req.routing();
    let walk = routing.walk_opts(streets.as_deref());
    let mut places = resolve_places(
        ctx,
        &tt,
        &index,
        &[&req.from, &req.to],
        routing.place_options(streets.is_some()),
        &walk,
        &mut out.stderr,
    )?;
    let to = places.pop().expect("two places resolved");
    let from = places.pop().expect("two places resolved");
    // The time is read in the zone of the place it is about: the destination's for arrive-by,
    // the origin's for depart-at.
    let zone = crate::itinerary::place_tz(
        if req.kind == QueryKind::ArriveBy {
            &to
        } else {
            &from
        },
        &tt,
    );
    let time = time_in_zone(&tt, &req.time, zone)?;
    // Text shows times in the query's zone; a time in another zone carries its abbreviation.
    tt.show_times_in(zone);
    for w in tt.feed_date_warnings(crate::time::local_date(zone, time)) {
        out.stderr.push_str(&format!("warning: {w}\n"));
    }
    let Some(q) = routing.query(req.kind, time, req.window_secs, &from, &to) else {
        return Err(Error::bad_input(
            "--to",
            &args.to,
            "it is the same stop as --from; nothing to plan",
        ));
    };
    let t_search = std::time::Instant::now();
    let mut result = router::plan(&tt, &q);
    // Walking the whole way is an itinerary like any other, when it is short enough.
    if streets.is_some()
        && let Some(w) = crate::walk::whole_walk(
            walk.streets,
            &from.points,
            &to.points,
            walk.max_walk_secs,
            req.walk_speed_mps,
            crate::walk::Profile {
                wheelchair: walk.wheelchair,
            },
        )
        && w.secs <= req.max_walk_secs
    {
        router::add_walk_only(
            &mut result.journeys,
            &q,
            from.stop,
            to.stop,
            w.secs,
            w.metres,
        );
    }
    let search_ms = t_search.elapsed().as_secs_f64() * 1000.0;
    if req.stats {
        let stats = serde_json::json!({
            "load_ms": round3(load_ms),
            "from_cache": load_stats.from_cache,
            "cache_checked": load_stats.checked,
            "streets_ms": round3(streets_ms),
            "street_map": streets.as_ref().map(|s| s.name.clone()),
            "search_ms": round3(search_ms),
            "journeys": result.journeys.len(),
            "iterations": result.counters.iterations,
            "rounds": result.counters.rounds,
            "patterns_scanned": result.counters.patterns_scanned,
            "stops_relaxed": result.counters.stops_relaxed,
            "continuations_scanned": result.counters.continuations_scanned,
            "continuations_followed": result.counters.continuations_followed,
            "horizon_s": result.horizon.secs,
        });
        let mut stats = stats;
        if let Some(r) = &rt_report {
            stats["realtime_ms"] = serde_json::json!(round3(realtime_ms));
            stats["realtime"] = serde_json::json!(r);
        }
        out.stderr.push_str(&format!("{stats}\n"));
    }
    if req.wheelchair
        && let Some(s) = &streets
        && s.graph.wheelchair_tagged_ways == 0
    {
        out.stderr.push_str(&format!(
            "note: the street map {} has no wheelchair information; walks avoid steps only\n",
            s.name
        ));
    }
    let mut view = crate::itinerary::view(&tt, &q, &from, &to, &result.journeys);
    if let Some(s) = &streets {
        view.describe_walks(s, &from, &to, req.walk_speed_mps, req.wheelchair);
    }
    view.price(&tt, &result.journeys, &rider);
    if let Some(sched) = &schedule
        && tt
            .realtime
            .as_ref()
            .is_some_and(|o| !o.cancelled.is_empty() || !o.trips.is_empty())
    {
        let planned = router::plan(sched, &q);
        view.cancelled = crate::realtime::view::cancelled(sched, &tt, &planned.journeys);
    }
    if let Some(path) = &args.map {
        match view.itineraries.first() {
            Some(it) => {
                let venue =
                    |r: &place::Resolved| r.venue.as_deref().and_then(|k| venues.as_ref()?.get(k));
                let scene = crate::map::scenes::itinerary_scene(
                    &tt,
                    "gh-plan",
                    it,
                    venue(&from),
                    venue(&to),
                );
                let svg = crate::map::Map::build(&tt, streets.as_deref().map(|s| &s.graph), &scene)
                    .to_svg();
                let changed = crate::map::write_file(path, &svg)?;
                wrote_note(path, changed, &mut out.stderr);
            }
            None => out.stderr.push_str(&format!(
                "note: no itinerary to draw; {} not written\n",
                path.display()
            )),
        }
    }
    if result.journeys.is_empty() {
        out.code = 1;
        out.stderr
            .push_str(&no_journey_message(&tt, &q, result.horizon, &from, &to));
        if ctx.format == Format::Json {
            out.stdout = json(&view);
        }
        return Ok(out);
    }
    out.stdout = match ctx.format {
        Format::Json => json(&view),
        Format::Geojson => json(&view.geojson(&tt, &result.journeys, streets.is_some())),
        _ => view.render_text(&tt, &q),
    };
    Ok(out)
}

/// "wrote FILE" / "unchanged: FILE" on stderr, as `announce --output` says it.
fn wrote_note(path: &Path, changed: bool, notes: &mut String) {
    notes.push_str(&format!(
        "{} {}\n",
        if changed { "wrote" } else { "unchanged:" },
        path.display()
    ));
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// "a day", "3 days", "36 h", "2 h 30 min": how far a search looked.
fn span_words(secs: i64) -> String {
    match secs {
        86400 => "a day".to_string(),
        s if s % 86400 == 0 => format!("{} days", s / 86400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s => crate::itinerary::minutes(s),
    }
}

/// Why nothing was found, in words a rider can act on; names the horizon searched.
fn no_journey_message(
    tt: &Timetable,
    q: &Query,
    horizon: router::Horizon,
    from: &place::Resolved,
    to: &place::Resolved,
) -> String {
    let tz = crate::itinerary::place_tz(
        if q.kind == QueryKind::ArriveBy {
            to
        } else {
            from
        },
        tt,
    );
    let date = crate::time::local_date(tz, q.time);
    let when = crate::time::format_iso(tz, q.time);
    let end = crate::time::format_iso(
        tz,
        match q.kind {
            QueryKind::ArriveBy => q.time - q.window_secs as i64,
            QueryKind::DepartAt => q.time + q.window_secs as i64,
        },
    );
    let (a, b) = (&from.name, &to.name);
    // The horizon searched past the window: a duration, or the feed's whole service (then the
    // last instant inside it, a journey's vehicles running strictly within the horizon).
    let reach = crate::time::format_iso(
        tz,
        match q.kind {
            QueryKind::ArriveBy => q.time - q.window_secs as i64 - horizon.secs + 1,
            QueryKind::DepartAt => q.time + q.window_secs as i64 + horizon.secs - 1,
        },
    );
    let bound = match (q.kind, horizon.whole_feed) {
        (QueryKind::ArriveBy, false) => {
            format!("leaving within {} before", span_words(horizon.secs))
        }
        (QueryKind::DepartAt, false) => {
            format!("arriving within {} after", span_words(horizon.secs))
        }
        (QueryKind::ArriveBy, true) => {
            format!("leaving as early as the feed's service allows, from {reach}")
        }
        (QueryKind::DepartAt, true) => {
            format!("arriving as late as the feed's service allows, by {reach}")
        }
    };
    let mut s = match (q.kind, q.window_secs) {
        (QueryKind::ArriveBy, 0) => {
            format!("no journey from {a} to {b} arrives by {when} ({bound})")
        }
        (QueryKind::DepartAt, 0) => {
            format!("no journey from {a} to {b} leaves at or after {when} ({bound})")
        }
        (QueryKind::ArriveBy, _) => {
            format!("no journey from {a} to {b} arrives between {end} and {when} ({bound})")
        }
        (QueryKind::DepartAt, _) => {
            format!("no journey from {a} to {b} leaves between {when} and {end} ({bound})")
        }
    };
    s.push_str(&format!(" with at most {} transfers", q.max_transfers));
    if q.wheelchair {
        s.push_str(" using wheelchair-accessible trips and stops only");
    }
    let served_today = |acc: &[Access]| {
        tt.day_index(date).is_some_and(|d| {
            acc.iter().any(|a| {
                tt.patterns_at(a.stop).any(|(p, _)| {
                    let p = tt.pattern(p);
                    (0..p.num_records() as usize)
                        .any(|k| tt.service_active(tt.trips[p.rec_start as usize + k].service, d))
                })
            })
        })
    };
    let beyond = tt
        .service_range()
        .filter(|(first, last)| date < *first || date > *last)
        .map(|(first, last)| format!(" (the feed's service runs {first} to {last})"))
        .unwrap_or_default();
    if !beyond.is_empty() {
        s.push_str(&beyond);
    } else if !served_today(&q.origins) {
        s.push_str(&format!("; no trip serves {} on {date}", from.name));
    } else if !served_today(&q.targets) {
        s.push_str(&format!("; no trip serves {} on {date}", to.name));
    } else {
        // Say what the nearest answer outside the request is.
        let mut near = q.clone();
        near.window_secs = 0;
        let hint = match (q.kind, q.window_secs) {
            (QueryKind::ArriveBy, 0) => {
                // The earliest arrival after the deadline, leaving from 3 h before it.
                near.kind = QueryKind::DepartAt;
                near.time = q.time - 3 * 3600;
                router::plan(tt, &near).journeys.first().map(|j| {
                    format!(
                        "; the earliest arrival is {} (leaving {})",
                        crate::time::format_iso(tz, j.arrival),
                        crate::time::format_iso(tz, j.departure)
                    )
                })
            }
            (QueryKind::ArriveBy, w) => {
                near.time = q.time - w as i64;
                router::plan(tt, &near).journeys.first().map(|j| {
                    format!(
                        "; the latest arrival before that is {} (leaving {})",
                        crate::time::format_iso(tz, j.arrival),
                        crate::time::format_iso(tz, j.departure)
                    )
                })
            }
            (QueryKind::DepartAt, 0) => None,
            (QueryKind::DepartAt, w) => {
                near.time = q.time + w as i64;
                router::plan(tt, &near).journeys.first().map(|j| {
                    format!(
                        "; the next journey leaves {} (arriving {})",
                        crate::time::format_iso(tz, j.departure),
                        crate::time::format_iso(tz, j.arrival)
                    )
                })
            }
        };
        s.push_str(&hint.unwrap_or_default());
    }
    s.push('\n');
    s
}

fn stops(ctx: &Context, args: &StopsArgs) -> Result<Outcome> {
    let place = Place::parse(&args.near)?;
    let window_s = crate::time::parse_duration(&args.window)?;
    if args.radius == 0 || args.radius > 5000 {
        return Err(Error::bad_input(
            "--radius",
            &args.radius.to_string(),
            "expected metres between 1 and 5000",
        ));
    }
    if args.limit == 0 || args.limit > 200 {
        return Err(Error::bad_input(
            "--limit",
            &args.limit.to_string(),
            "expected between 1 and 200",
        ));
    }
    if !(args.walk_speed.is_finite() && (0.3..=3.0).contains(&args.walk_speed)) {
        return Err(Error::bad_input(
            "--walk-speed",
            &args.walk_speed.to_string(),
            "expected metres per second between 0.3 and 3.0",
        ));
    }
    let mut out = Outcome::default();
    let (mut tt, _) = open_feed(ctx, &mut out.stderr)?;
    live(ctx, &mut tt, &realtime_sources(ctx), &mut out.stderr, None);
    if let Some(t) = &args.at {
        time_in_feed(&tt, t)?;
    }
    let venues = ctx.load_venues()?;
    let streets = open_streets(ctx, &mut tt, venues.as_ref(), &mut out.stderr)?;
    let index = StopIndex::new(&tt);
    // The report applies --radius itself and shows the nearest stops when none is within it.
    let resolved = resolve_places(
        ctx,
        &tt,
        &index,
        &[&place],
        (args.radius, args.walk_speed, true),
        &WalkOpts {
            streets: streets.as_deref(),
            max_walk_secs: u32::MAX,
            wheelchair: args.wheelchair,
        },
        &mut out.stderr,
    )?
    .pop()
    .expect("one place resolved");
    // Departures are read and shown in the place's zone (a region may have several).
    tt.show_times_in(crate::itinerary::place_tz(&resolved, &tt));
    let at = match &args.at {
        Some(t) => Some(time_in_feed(&tt, t)?),
        None => None,
    };
    let req = crate::stops::StopsRequest {
        radius_m: args.radius,
        limit: args.limit,
        at,
        window_s,
        wheelchair: args.wheelchair,
        walk_speed_mps: args.walk_speed,
        along_streets: streets.is_some(),
    };
    let report = crate::stops::report(&tt, &index, &resolved, &req);
    if !report.within_radius {
        out.code = 1;
    }
    if let Some(path) = &args.map {
        let venue = resolved
            .venue
            .as_deref()
            .and_then(|k| venues.as_ref()?.get(k));
        let scene = crate::map::scenes::stops_scene(&tt, "gh-stops", &report, venue);
        let svg =
            crate::map::Map::build(&tt, streets.as_deref().map(|s| &s.graph), &scene).to_svg();
        let changed = crate::map::write_file(path, &svg)?;
        wrote_note(path, changed, &mut out.stderr);
    }
    out.stdout = match ctx.format {
        Format::Json => json(&report),
        _ => report.render_text(&tt),
    };
    Ok(out)
}

fn announce(ctx: &Context, args: &AnnounceArgs) -> Result<Outcome> {
    use crate::announce::{self, AnnounceRequest};
    let from = args
        .from
        .iter()
        .map(|p| Place::parse(p))
        .collect::<Result<Vec<_>>>()?;
    if args.walk_radius == 0 || args.walk_radius > crate::timetable::compile::MAX_WALK_LINK_M {
        return Err(Error::bad_input(
            "--walk-radius",
            &args.walk_radius.to_string(),
            "expected metres between 1 and 1000",
        ));
    }
    let mut out = Outcome::default();
    let (mut tt, _) = open_feed(ctx, &mut out.stderr)?;
    live(ctx, &mut tt, &realtime_sources(ctx), &mut out.stderr, None);
    let rider = tt.fares.rider(args.rider.as_deref())?;
    let Some(venues) = ctx.load_venues()? else {
        return Err(Error::bad_input(
            "--venue",
            &args.venue,
            "no venues file: pass --venues FILE or set GETHERE_VENUES",
        ));
    };
    // In a region of several time zones the announcement is in the venue's: that of its
    // nearest stop (the event's times, its trips, its last trips home).
    let index = StopIndex::new(&tt);
    if tt.zones.len() > 1
        && let Some(v) = venues.get(&args.venue)
        && let Some(&(s, _)) = index.nearest(&tt, v.lat, v.lon, 1).first()
    {
        tt.show_times_in(tt.stop_tz(s));
    }
    let tz = tt.tz();
    let start = crate::time::parse_user_time(&args.start, tz)?;
    let end = match &args.end {
        Some(e) => Some(crate::time::parse_user_time(e, tz)?),
        None => None,
    };
    let streets = open_streets(ctx, &mut tt, Some(&venues), &mut out.stderr)?;
    let gcfg = ctx.geocoder_config(Some(&venues));
    let gfn = geocoder_fn(&gcfg, ctx);
    let req = AnnounceRequest {
        venue: args.venue.clone(),
        start,
        end,
        from,
        allow_stale: args.allow_stale,
        radius_m: args.walk_radius,
        walk_speed_mps: 1.2,
        max_transfers: 5,
        min_transfer_secs: 60,
        streets,
        rider,
        maps: ctx.format == Format::Html || args.map.is_some(),
    };
    if args.map.is_some() && args.map == args.output {
        return Err(Error::bad_input(
            "--map",
            &args
                .map
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            "it is the --output file; give the map a file of its own",
        ));
    }
    let mut a = announce::build(
        &tt,
        &venues,
        &index,
        &req,
        gfn.as_ref().map(|f| f as place::Geocoder),
    )?;
    far_point_note(
        &tt,
        &index,
        &a.venue.key,
        a.venue.lat,
        a.venue.lon,
        &mut out.stderr,
    );
    if let (Some(path), Some(m)) = (&args.map, a.maps.as_mut()) {
        m.file = Some(crate::map::link_target(path, args.output.as_deref()));
    }
    let body = match ctx.format {
        Format::Markdown => announce::text::render(&a, &tt, announce::text::Style::Markdown) + "\n",
        Format::Text => announce::text::render(&a, &tt, announce::text::Style::Text) + "\n",
        Format::Html => announce::html::render_html(&a, &tt),
        Format::Json | Format::Geojson => json(&a),
        Format::Ics => {
            let stamp = if ctx.now_given {
                ctx.now
            } else {
                a.event_start()
            };
            announce::ics::render_ics(&a, &tt, stamp)
        }
    };
    if let Some(st) = &a.stale {
        out.stderr.push_str(&format!("warning: {}\n", st.message));
    }
    if !a.reachable {
        out.code = 1;
        out.stderr.push_str(&format!(
            "no transit serves the stops near {} on {}\n",
            a.venue.name, a.event.date_text
        ));
    }
    if let (Some(path), Some(m)) = (&args.map, &a.maps) {
        let changed = crate::map::write_file(path, &m.venue)?;
        if !args.quiet {
            wrote_note(path, changed, &mut out.stderr);
        }
    }
    match &args.output {
        None => out.stdout = body,
        Some(path) => {
            let unchanged = std::fs::read(path).is_ok_and(|old| old == body.as_bytes());
            if !unchanged {
                crate::fsutil::write_atomic(path, body.as_bytes())?;
            }
            if !args.quiet {
                out.stderr.push_str(&format!(
                    "{} {}\n",
                    if unchanged { "unchanged:" } else { "wrote" },
                    path.display()
                ));
            }
        }
    }
    if args.quiet && out.code == 0 {
        out.stderr.clear();
    }
    Ok(out)
}

/// A `meet` request with every default resolved and every string parsed (the feed is not
/// needed yet).
#[derive(Clone, Debug)]
pub struct MeetRequest {
    pub time: String,
    /// `None`: every venue of the venues file that the feed serves.
    pub venues: Option<Vec<Place>>,
    /// (label, place), `--from` first, then the origins file.
    pub people: Vec<(String, Place)>,
    pub rank: crate::cli::Rank,
    pub window_secs: u32,
    pub max_secs: u32,
    pub routing: Routing,
}

impl MeetRequest {
    pub fn from_args(a: &MeetArgs) -> Result<MeetRequest> {
        let venues = if a.venue.iter().any(|v| v.trim() == "all") {
            if a.venue.len() > 1 {
                return Err(Error::bad_input(
                    "--venue",
                    "all",
                    "`all` takes every venue of the venues file; give it alone",
                ));
            }
            None
        } else {
            Some(
                a.venue
                    .iter()
                    .map(|v| Place::parse(v))
                    .collect::<Result<Vec<_>>>()?,
            )
        };
        let mut people = a
            .from
            .iter()
            .map(|p| Ok((p.trim().to_string(), Place::parse(p)?)))
            .collect::<Result<Vec<_>>>()?;
        if let Some(path) = &a.origins {
            people.extend(
                crate::meet::origins::read(path)?
                    .into_iter()
                    .map(|o| (o.label, o.place)),
            );
        }
        if people.is_empty() {
            return Err(Error::bad_input(
                "people",
                "",
                "nobody to plan for; give --from PLACE (repeatable) or --origins FILE",
            ));
        }
        let window_secs = parse_window(a.window.as_deref(), 6)?;
        let max_secs = crate::time::parse_duration(&a.max_duration)?;
        if max_secs == 0 || max_secs > 12 * 3600 {
            return Err(Error::bad_input(
                "--max-duration",
                &a.max_duration,
                "expected a duration between 1m and 12h",
            ));
        }
        Ok(MeetRequest {
            time: a.arrive_by.clone(),
            venues,
            people,
            rank: a.rank,
            window_secs,
            max_secs,
            routing: Routing {
                max_duration_secs: Some(router::FIRST_HORIZON_SECS as u32),
                ..Routing::from_args(&a.routing)?
            },
        })
    }
}

fn meet(ctx: &Context, args: &MeetArgs) -> Result<Outcome> {
    use crate::meet::{self, MeetOptions, Sharing};
    let req = MeetRequest::from_args(args)?;
    let mut out = Outcome::default();
    let (mut tt, _) = open_feed(ctx, &mut out.stderr)?;
    time_in_feed(&tt, &req.time)?;
    let venues_file = ctx.load_venues()?;
    let streets = open_streets(ctx, &mut tt, venues_file.as_ref(), &mut out.stderr)?;
    let walk = req.routing.walk_opts(streets.as_deref());
    let index = StopIndex::new(&tt);
    let opts = req.routing.place_options(streets.is_some());
    let people_places: Vec<&Place> = req.people.iter().map(|(_, p)| p).collect();
    // Someone with no stop within walking distance cannot get anywhere: "no way" in every
    // cell and a note, rather than no table for everyone else.
    let resolved = resolve_places(
        ctx,
        &tt,
        &index,
        &people_places,
        (opts.0, opts.1, true),
        &walk,
        &mut out.stderr,
    )?;
    for ((label, _), r) in req.people.iter().zip(&resolved) {
        if r.access.is_empty() {
            out.stderr.push_str(&format!(
                "note: no stop within walking distance of {} ({}); no way to any venue\n",
                if label.is_empty() { "a person" } else { label },
                r.name
            ));
        }
    }
    let people: Vec<(String, place::Resolved)> = req
        .people
        .iter()
        .map(|(l, _)| l.clone())
        .zip(resolved)
        .collect();
    let venues = match &req.venues {
        Some(list) => {
            let refs: Vec<&Place> = list.iter().collect();
            resolve_places(ctx, &tt, &index, &refs, opts, &walk, &mut out.stderr)?
        }
        None => all_venues(ctx, &tt, &index, &req.routing, &walk, &mut out.stderr)?,
    };
    // Everyone arrives by TIME at the venues: read in their zone (the first venue's, in a
    // region of several zones), and shown in it.
    if let Some(v) = venues.first() {
        tt.show_times_in(crate::itinerary::place_tz(v, &tt));
    }
    let time = time_in_feed(&tt, &req.time)?;
    let o = MeetOptions {
        time,
        window_secs: req.window_secs,
        max_secs: req.max_secs,
        routing: req.routing,
    };
    let people_only: Vec<place::Resolved> = people.iter().map(|(_, p)| p.clone()).collect();
    let mut table = meet::table(&tt, &venues, &people_only, &o, Sharing::Shared);
    // Walking the whole way is one of `plan`'s itineraries when a street map is in use: the
    // cell is then what `plan` lists first (or shortest, with a window) among both.
    if streets.is_some() {
        let profile = crate::walk::Profile {
            wheelchair: walk.wheelchair,
        };
        for (pi, person) in people_only.iter().enumerate() {
            // One search from the person's points serves every venue.
            let walks = crate::walk::WalksFrom::new(
                walk.streets,
                &person.points,
                walk.max_walk_secs,
                req.routing.walk_speed_mps,
                profile,
            );
            for (vi, venue) in venues.iter().enumerate() {
                if table.cells[vi][pi] == meet::Cell::Here {
                    continue;
                }
                let Some(w) = walks.to_any(&venue.points) else {
                    continue;
                };
                let Some(q) =
                    req.routing
                        .query(QueryKind::ArriveBy, time, req.window_secs, person, venue)
                else {
                    continue;
                };
                let mut js = match &table.cells[vi][pi] {
                    meet::Cell::Journey(j) => vec![j.clone()],
                    _ => Vec::new(),
                };
                router::add_walk_only(&mut js, &q, person.stop, venue.stop, w.secs, w.metres);
                table.cells[vi][pi] = meet::cell_from_plan(&o, &js);
            }
        }
    }
    let m = meet::build(
        &tt,
        &venues,
        &people,
        &o,
        req.rank,
        &table,
        streets.as_deref(),
    );
    if m.winner().is_none() {
        out.code = 1;
        out.stderr.push_str(&format!(
            "no venue can be reached by anyone (arriving by {}, leaving at most {} before)\n",
            m.arrive_by,
            crate::itinerary::minutes(req.max_secs as i64)
        ));
    }
    out.stdout = match ctx.format {
        Format::Json => json(&m),
        Format::Markdown => meet::render::render_markdown(&m, &tt),
        Format::Html => meet::render::render_html(&m, &tt),
        _ => meet::render::render_text(&m, &tt),
    };
    Ok(out)
}

/// `--venue all`: every venue of the venues file with a served stop within the walk radius,
/// in key order; the others are named in a note.
fn all_venues(
    ctx: &Context,
    tt: &Timetable,
    index: &StopIndex,
    routing: &Routing,
    walk: &WalkOpts,
    notes: &mut String,
) -> Result<Vec<place::Resolved>> {
    let Some(venues) = ctx.load_venues()? else {
        return Err(Error::bad_input(
            "--venue",
            "all",
            "no venues file: pass --venues FILE or set GETHERE_VENUES",
        ));
    };
    let keys: Vec<Place> = venues
        .venues
        .keys()
        .map(|k| Place::Text(k.clone()))
        .collect();
    let refs: Vec<&Place> = keys.iter().collect();
    let (radius, speed, _) = routing.place_options(walk.streets.is_some());
    let all = resolve_places(ctx, tt, index, &refs, (radius, speed, true), walk, notes)?;
    let (served, skipped): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|v| v.access.iter().any(|a| !tt.patterns_at(a.stop).is_empty()));
    if !skipped.is_empty() {
        let names: Vec<String> = skipped
            .iter()
            .map(|v| v.venue.clone().unwrap_or_else(|| v.name.clone()))
            .collect();
        notes.push_str(&format!(
            "note: no served stop within walking distance of {}; left out\n",
            names.join(", ")
        ));
    }
    if served.is_empty() {
        return Err(Error::bad_input(
            "--venue",
            "all",
            "no venue of the venues file has a served stop within the walk radius",
        ));
    }
    Ok(served)
}
/// `gethere walk`: the walk between two places along the street map.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WalkReport {
    pub from: crate::itinerary::Point,
    pub to: crate::itinerary::Point,
    pub distance_m: u32,
    pub duration_s: u32,
    pub walk_speed_mps: f64,
    pub wheelchair: bool,
    /// `false`: a straight-line estimate (no street map, or an end off the map).
    pub along_streets: bool,
    pub streets: Vec<String>,
    /// GeoJSON LineString coordinates, [lon, lat].
    pub geometry: Vec<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

fn walk(ctx: &Context, args: &WalkArgs) -> Result<Outcome> {
    let from_place = Place::parse(&args.from)?;
    let to_place = Place::parse(&args.to)?;
    if !(args.walk_speed.is_finite() && (0.3..=3.0).contains(&args.walk_speed)) {
        return Err(Error::bad_input(
            "--walk-speed",
            &args.walk_speed.to_string(),
            "expected metres per second between 0.3 and 3.0",
        ));
    }
    let mut out = Outcome::default();
    let (mut tt, _) = open_feed(ctx, &mut out.stderr)?;
    let venues = ctx.load_venues()?;
    let streets = open_streets(ctx, &mut tt, venues.as_ref(), &mut out.stderr)?;
    let index = StopIndex::new(&tt);
    let opts = WalkOpts {
        streets: streets.as_deref(),
        max_walk_secs: 0,
        wheelchair: args.wheelchair,
    };
    let mut places = resolve_places(
        ctx,
        &tt,
        &index,
        &[&from_place, &to_place],
        (1, args.walk_speed, true),
        &opts,
        &mut out.stderr,
    )?;
    let to = places.pop().expect("two places resolved");
    let from = places.pop().expect("two places resolved");
    if args.wheelchair
        && let Some(s) = &streets
        && s.graph.wheelchair_tagged_ways == 0
    {
        out.stderr.push_str(&format!(
            "note: the street map {} has no wheelchair information; the walk avoids steps only\n",
            s.name
        ));
    }
    let profile = crate::walk::Profile {
        wheelchair: args.wheelchair,
    };
    // Any entrance to any entrance; unbounded (the map bounds it).
    let best = from
        .points
        .iter()
        .filter_map(|&(la, lo)| {
            let w = crate::walk::walk_from(streets.as_deref(), la, lo, f64::INFINITY, profile);
            to.points
                .iter()
                .filter_map(|&(tla, tlo)| w.path_to(tla, tlo, args.walk_speed))
                .min_by_key(|p| (p.metres, p.secs))
        })
        .min_by_key(|p| (p.metres, p.secs));
    let Some(p) = best else {
        out.code = 1;
        out.stderr.push_str(&format!(
            "no walking route from {} to {}: the street map does not connect them{}\n",
            from.name,
            to.name,
            if args.wheelchair {
                " without steps or ways marked wheelchair=no"
            } else {
                ""
            }
        ));
        return Ok(out);
    };
    let point = |r: &place::Resolved| crate::itinerary::Point {
        stop_id: r.stop.map(|s| tt.stop(s).id.clone()),
        feed: r.stop.and_then(|s| tt.feed_key_of_stop(s)),
        name: r.name.clone(),
        lat: Some(r.lat),
        lon: Some(r.lon),
    };
    let report = WalkReport {
        from: point(&from),
        to: point(&to),
        distance_m: p.metres,
        duration_s: p.secs,
        walk_speed_mps: args.walk_speed,
        wheelchair: args.wheelchair,
        along_streets: p.along_streets,
        streets: p.streets,
        geometry: p.geometry,
        attribution: p
            .along_streets
            .then(|| crate::walk::OSM_ATTRIBUTION.to_string()),
    };
    out.stdout = match ctx.format {
        Format::Json => json(&report),
        Format::Geojson => json(&serde_json::json!({
            "type": "FeatureCollection",
            "features": [{
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": report.geometry},
                "properties": {
                    "from": report.from.name,
                    "to": report.to.name,
                    "distance_m": report.distance_m,
                    "duration_s": report.duration_s,
                    "streets": report.streets,
                    "along_streets": report.along_streets,
                },
            }],
            "attribution": report.attribution,
        })),
        _ => {
            let mut s = format!(
                "Walk from {} to {}: {} m, {}{}\n",
                report.from.name,
                report.to.name,
                report.distance_m,
                crate::itinerary::minutes(report.duration_s as i64),
                if report.along_streets {
                    ""
                } else {
                    " (straight-line estimate)"
                }
            );
            let along = crate::walk::along_text(&report.streets);
            if !along.is_empty() {
                s.push_str(&along);
                s.push('\n');
            }
            if let Some(a) = &report.attribution {
                s.push_str(a);
                s.push('\n');
            }
            s
        }
    };
    Ok(out)
}
