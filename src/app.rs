//! The application layer: turns parsed command-line arguments into typed requests (once),
//! opens the feed, runs the command and returns what to print and the exit code. `main.rs` only
//! parses, calls [`run`] and prints.

use crate::cli::{AnnounceArgs, Cli, Command, FeedCommand, Format, PlanArgs, StopsArgs};
use crate::error::{Error, Result};
use crate::feed::FeedSource;
use crate::geocode::GeocoderConfig;
use crate::nearby::StopIndex;
use crate::place::{self, Place, Resolver};
use crate::router::{self, Access, Query, QueryKind};
use crate::time::Instant;
use crate::timetable::Timetable;
use crate::timetable::cache::{LoadStats, default_cache_dir, load_or_compile};
use crate::venues::Venues;
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
    /// Whether `--now` was given (announcements use it as their timestamp only then).
    pub now_given: bool,
    pub format: Format,
    /// `--venues`/`GETHERE_VENUES` when given (an unreadable file is then an error); else the
    /// bundled file if present.
    pub venues: Option<PathBuf>,
    /// `--geocoder`/`GETHERE_GEOCODER`; else the venues file's `[geocoder] url`.
    pub geocoder: Option<String>,
    /// `--realtime`/`GETHERE_REALTIME` (empty: the venues file's `[realtime]`, else none).
    pub realtime: Vec<crate::realtime::Source>,
    pub realtime_max_age_secs: i64,
    pub realtime_timeout: std::time::Duration,
    pub lang: Option<String>,
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
        let format = cli.global.format.unwrap_or(match cli.command {
            Command::Announce(_) => Format::Markdown,
            _ => Format::Text,
        });
        if !matches!(cli.command, Command::Announce(_))
            && !matches!(format, Format::Text | Format::Json)
        {
            return Err(Error::bad_input(
                "--format",
                &format!("{format:?}").to_lowercase(),
                "this command writes text or json; markdown, html and ics are for `gethere announce`",
            ));
        }
        Ok(Context {
            feed,
            cache_dir,
            now,
            now_given: cli.global.now.is_some(),
            format,
            venues: cli.global.venues.clone(),
            geocoder: cli.global.geocoder.clone().filter(|u| !u.trim().is_empty()),
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

    /// The venues file: the one named (must be readable), else the bundled one when present.
    pub fn load_venues(&self) -> Result<Option<Venues>> {
        match &self.venues {
            Some(p) => Venues::load(p).map(Some),
            None => {
                let p = crate::venues::bundled_venues();
                if p.exists() {
                    Venues::load(&p).map(Some)
                } else {
                    Ok(None)
                }
            }
        }
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
    let t = crate::time::parse_user_time(input, tt.tz())?;
    let date = crate::time::local_date(tt.tz(), t);
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
    };
    places
        .iter()
        .map(|p| {
            let r = resolver.resolve(p)?;
            far_venue_note(tt, index, &r, notes);
            Ok(r)
        })
        .collect()
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
    let path = local_feed_path(ctx, notes)?;
    let (tt, stats) = load_or_compile(&path, &ctx.cache_dir)?;
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
    let feed = match &ctx.feed {
        FeedSource::Path(p) => Some(p.clone()),
        FeedSource::Url(_) => local_feed_path(ctx, &mut String::new()).ok(),
    };
    let opt = crate::realtime::ReadOptions {
        max_age_secs: ctx.realtime_max_age_secs,
        now: ctx.now,
        timeout: ctx.realtime_timeout,
        validators_dir: Some(ctx.cache_dir.join("realtime")),
    };
    crate::realtime::load_and_apply(
        tt,
        sources,
        feed.as_deref(),
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
    use crate::feed::fetch::{FetchOptions, FetchStatus, fetch};
    match &ctx.feed {
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
    let (mut tt, _) = open_feed(ctx, &mut out.stderr)?;
    let today = crate::time::local_date(tt.tz(), ctx.now);
    let info = crate::feed::info::info(&tt, &ctx.feed.display(), today);
    let linked = match &ctx.feed {
        FeedSource::Path(p) => crate::realtime::linked_datasets(p),
        FeedSource::Url(_) => local_feed_path(ctx, &mut String::new())
            .map(|p| crate::realtime::linked_datasets(&p))
            .unwrap_or_default(),
    };
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
    let path = local_feed_path(ctx, &mut out.stderr)?;
    let report = crate::feed::validate::check(&path)?;
    out.stdout = match ctx.format {
        Format::Json => json(&report),
        _ => report.render_text(),
    };
    out.code = if report.usable { 0 } else { 2 };
    Ok(out)
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
    pub walk_speed_mps: f64,
    pub wheelchair: bool,
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
        let window_secs = match &a.window {
            Some(w) => crate::time::parse_duration(w)?,
            None => 0,
        };
        if window_secs > 24 * 3600 {
            return Err(Error::bad_input(
                "--window",
                a.window.as_deref().unwrap_or(""),
                "at most 24h",
            ));
        }
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
        if a.walk_radius > crate::timetable::compile::MAX_WALK_LINK_M {
            return Err(Error::bad_input(
                "--walk-radius",
                &a.walk_radius.to_string(),
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
        Ok(PlanRequest {
            from: Place::parse(&a.from)?,
            to: Place::parse(&a.to)?,
            kind,
            time,
            window_secs,
            max_transfers: a.max_transfers,
            min_transfer_secs: a.min_transfer_time,
            walk_radius_m: a.walk_radius,
            walk_speed_mps: a.walk_speed,
            wheelchair: a.wheelchair,
            stats: a.stats,
        })
    }
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
    let time = time_in_feed(&tt, &req.time)?;
    let index = StopIndex::new(&tt);
    let mut places = resolve_places(
        ctx,
        &tt,
        &index,
        &[&req.from, &req.to],
        (req.walk_radius_m.max(1), req.walk_speed_mps, false),
        &mut out.stderr,
    )?;
    let to = places.pop().expect("two places resolved");
    let from = places.pop().expect("two places resolved");
    let mut targets = to.access.clone();
    targets.retain(|t| !from.access.iter().any(|o| o.stop == t.stop));
    if targets.is_empty() {
        return Err(Error::bad_input(
            "--to",
            &args.to,
            "it is the same stop as --from; nothing to plan",
        ));
    }
    let q = Query {
        kind: req.kind,
        time,
        window_secs: req.window_secs,
        origins: from.access.clone(),
        targets,
        max_transfers: req.max_transfers,
        min_transfer_secs: req.min_transfer_secs,
        walk_radius_m: req.walk_radius_m,
        walk_speed_mps: req.walk_speed_mps,
        wheelchair: req.wheelchair,
    };
    let t_search = std::time::Instant::now();
    let result = router::plan(&tt, &q);
    let search_ms = t_search.elapsed().as_secs_f64() * 1000.0;
    if req.stats {
        let stats = serde_json::json!({
            "load_ms": round3(load_ms),
            "from_cache": load_stats.from_cache,
            "search_ms": round3(search_ms),
            "journeys": result.journeys.len(),
            "iterations": result.counters.iterations,
            "rounds": result.counters.rounds,
            "patterns_scanned": result.counters.patterns_scanned,
            "stops_relaxed": result.counters.stops_relaxed,
        });
        let mut stats = stats;
        if let Some(r) = &rt_report {
            stats["realtime_ms"] = serde_json::json!(round3(realtime_ms));
            stats["realtime"] = serde_json::json!(r);
        }
        out.stderr.push_str(&format!("{stats}\n"));
    }
    let mut view = crate::itinerary::view(&tt, &q, &from, &to, &result.journeys);
    if let Some(sched) = &schedule
        && tt
            .realtime
            .as_ref()
            .is_some_and(|o| !o.cancelled.is_empty() || !o.trips.is_empty())
    {
        let planned = router::plan(sched, &q);
        view.cancelled = crate::realtime::view::cancelled(sched, &tt, &planned.journeys);
    }
    if result.journeys.is_empty() {
        out.code = 1;
        out.stderr
            .push_str(&no_journey_message(&tt, &q, &from, &to));
        if ctx.format == Format::Json {
            out.stdout = json(&view);
        }
        return Ok(out);
    }
    out.stdout = match ctx.format {
        Format::Json => json(&view),
        _ => view.render_text(&tt, &q),
    };
    Ok(out)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Why nothing was found, in words a rider can act on.
fn no_journey_message(
    tt: &Timetable,
    q: &Query,
    from: &place::Resolved,
    to: &place::Resolved,
) -> String {
    let tz = tt.tz();
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
    let mut s = match (q.kind, q.window_secs) {
        (QueryKind::ArriveBy, 0) => {
            format!("no journey from {a} to {b} arrives by {when} (leaving within a day before)")
        }
        (QueryKind::DepartAt, 0) => {
            format!("no journey from {a} to {b} leaves between {when} and a day later")
        }
        (QueryKind::ArriveBy, _) => {
            format!("no journey from {a} to {b} arrives between {end} and {when}")
        }
        (QueryKind::DepartAt, _) => {
            format!("no journey from {a} to {b} leaves between {when} and {end}")
        }
    };
    s.push_str(&format!(" with at most {} transfers", q.max_transfers));
    if q.wheelchair {
        s.push_str(" using wheelchair-accessible trips and stops only");
    }
    let served_today = |acc: &[Access]| {
        tt.day_index(date).is_some_and(|d| {
            acc.iter().any(|a| {
                tt.patterns_at(a.stop).iter().any(|&(p, _)| {
                    let p = tt.pattern(p);
                    (p.trips_start..p.trips_start + p.num_trips)
                        .any(|t| tt.trip_active(crate::timetable::TripIdx(t), d))
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
    let at = match &args.at {
        Some(t) => Some(time_in_feed(&tt, t)?),
        None => None,
    };
    let index = StopIndex::new(&tt);
    // The report applies --radius itself and shows the nearest stops when none is within it.
    let resolved = resolve_places(
        ctx,
        &tt,
        &index,
        &[&place],
        (args.radius, args.walk_speed, true),
        &mut out.stderr,
    )?
    .pop()
    .expect("one place resolved");
    let req = crate::stops::StopsRequest {
        radius_m: args.radius,
        limit: args.limit,
        at,
        window_s,
        wheelchair: args.wheelchair,
        walk_speed_mps: args.walk_speed,
    };
    let report = crate::stops::report(&tt, &index, &resolved, &req);
    if !report.within_radius {
        out.code = 1;
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
    let tz = tt.tz();
    let start = crate::time::parse_user_time(&args.start, tz)?;
    let end = match &args.end {
        Some(e) => Some(crate::time::parse_user_time(e, tz)?),
        None => None,
    };
    let Some(venues) = ctx.load_venues()? else {
        return Err(Error::bad_input(
            "--venue",
            &args.venue,
            "no venues file: pass --venues FILE or set GETHERE_VENUES",
        ));
    };
    let index = StopIndex::new(&tt);
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
    };
    let a = announce::build(
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
    let body = match ctx.format {
        Format::Markdown => announce::text::render(&a, &tt, announce::text::Style::Markdown) + "\n",
        Format::Text => announce::text::render(&a, &tt, announce::text::Style::Text) + "\n",
        Format::Html => announce::html::render_html(&a, &tt),
        Format::Json => json(&a),
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
