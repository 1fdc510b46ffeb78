//! Command-line definitions (clap derive) — nothing else. `app` turns these raw arguments into
//! typed requests once; nothing after that looks at strings.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ABOUT: &str =
    "How do I get to the meetup by 5:30? Journeys, nearby stops and lines from GTFS timetables.";

const AFTER_HELP: &str = "Examples:
  gethere feed info
  gethere feed check --feed path/to/gtfs.zip
  gethere --feed https://example.org/gtfs.zip feed info

With no --feed, gethere uses $GETHERE_FEED, else the config file's [[feeds]], else the TriMet
feed bundled in data/. `gethere config` shows which config file, feeds and settings are in
effect, and where each came from.";

#[derive(Debug, Parser)]
#[command(name = "gethere", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// GTFS feed: a .zip, a directory of .txt files, or an http(s) URL (downloaded and cached);
    /// KEY=SOURCE names it (KEY: a-z, 0-9, _ and -). Repeatable; GETHERE_FEED takes several
    /// separated by commas. Replaces the config file's [[feeds]] [default: the bundled feed].
    #[arg(
        long,
        global = true,
        env = "GETHERE_FEED",
        value_delimiter = ',',
        value_name = "[KEY=]PATH|URL"
    )]
    pub feed: Vec<String>,

    /// With several feeds, answer from the others (with a warning) when one cannot be read or
    /// used, instead of failing.
    #[arg(long, global = true)]
    pub skip_broken_feeds: bool,

    /// The region config file (TOML: feeds, venues, geocoder, street map, realtime) [default:
    /// --venues, else ~/.config/gethere/config.toml when it exists, else the bundled
    /// data/venues.toml]. `gethere config` shows what is in effect.
    #[arg(long, global = true, env = "GETHERE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where downloaded feeds and compiled timetables are kept [default: the platform cache
    /// directory, e.g. ~/.cache/gethere].
    #[arg(long, global = true, env = "GETHERE_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Pretend it is this time (YYYY-MM-DDTHH:MM or a date) for anything relative to now, such
    /// as "feed expired" warnings. Makes output reproducible.
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,

    /// A Nominatim-compatible search URL for looking up addresses given as places (e.g.
    /// https://nominatim.openstreetmap.org/search). Also `[geocoder] url` in the venues file.
    #[arg(long, global = true, env = "GETHERE_GEOCODER", value_name = "URL")]
    pub geocoder: Option<String>,

    /// Venues file (TOML) naming places like `new-relic`: the older name of --config (the same
    /// file format) [default: data/venues.toml].
    #[arg(long, global = true, env = "GETHERE_VENUES", value_name = "FILE")]
    pub venues: Option<PathBuf>,

    /// Street map for walking: an OpenStreetMap .osm.pbf or .osm XML file, an http(s) URL
    /// (downloaded and cached), or `none` for straight-line walking [default: `[streets] map`
    /// in the venues file, else the bundled central-Portland extract for feeds in its area].
    #[arg(long, global = true, env = "GETHERE_STREETS", value_name = "FILE|URL")]
    pub streets: Option<String>,

    /// Output format [default: text; markdown for announce]. feed, plan, stops and walk support
    /// text and json; plan and walk also geojson; meet text, json, markdown and html; announce
    /// markdown, text, html, json and ics.
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// GTFS-Realtime source (trip updates, alerts): a URL fetched on every run, a .pb file
    /// snapshot, or `auto` (the URLs in the feed's linked_datasets.txt). Repeatable;
    /// GETHERE_REALTIME takes several separated by commas; else the venues file's
    /// `[realtime] sources`. A source that fails is skipped with a warning.
    #[arg(
        long,
        global = true,
        env = "GETHERE_REALTIME",
        value_delimiter = ',',
        value_name = "URL|FILE"
    )]
    pub realtime: Vec<String>,

    /// Ignore realtime messages whose header time is older than this before --now (e.g. 10m,
    /// 2h).
    #[arg(long, global = true, value_name = "DURATION", default_value = "10m")]
    pub realtime_max_age: String,

    /// Give up on a realtime URL after this many seconds (then the schedule answers).
    #[arg(long, global = true, value_name = "SECS", default_value_t = 4)]
    pub realtime_timeout: u64,

    /// Language of alert texts when a feed offers translations (e.g. en, es) [default: the
    /// untagged or first translation].
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,

    /// The ids of the values above that came from their environment variable (filled by
    /// [`Cli::parse_with_origins`], for `gethere config`).
    #[arg(skip)]
    pub from_env: Vec<String>,
}

/// The global arguments that have an environment variable.
const ENV_ARGS: [&str; 7] = [
    "feed",
    "config",
    "cache_dir",
    "geocoder",
    "venues",
    "streets",
    "realtime",
];

impl Cli {
    /// Like `Cli::parse`, and records which global values came from the environment.
    pub fn parse_with_origins() -> Cli {
        Cli::try_parse_with_origins(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// Like `Cli::try_parse_from`, and records which global values came from the environment.
    pub fn try_parse_with_origins<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches, parser::ValueSource};
        let mut cmd = Cli::command();
        let m = cmd.try_get_matches_from_mut(args)?;
        let mut cli = Cli::from_arg_matches(&m).map_err(|e| e.format(&mut cmd))?;
        cli.global.from_env = ENV_ARGS
            .iter()
            .filter(|id| m.value_source(id) == Some(ValueSource::EnvVariable))
            .map(|id| id.to_string())
            .collect();
        Ok(cli)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
    Ics,
    Geojson,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect or validate a feed.
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Plan journeys: which trips get me there by 5:30 (or when do I arrive if I leave now)?
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(PlanArgs),
    /// The stops near a place, the lines serving them, and (with --at) their departures.
    #[command(after_help = STOPS_EXAMPLES)]
    Stops(StopsArgs),
    /// A "how to get here" block for an event announcement: nearby stops, lines and how often
    /// they run, suggested journeys, the last trips home. Deterministic, for cron.
    #[command(after_help = ANNOUNCE_EXAMPLES)]
    Announce(AnnounceArgs),
    /// Where should we meet? Ranks candidate venues by how easily everyone gets there by TIME:
    /// a people × venues table of latest departures, the winner and each person's journey.
    #[command(after_help = MEET_EXAMPLES)]
    Meet(MeetArgs),
    /// How far and how long on foot between two places, along the streets of the street map,
    /// with the streets to follow. Exit 1 when the map does not connect them.
    #[command(after_help = WALK_EXAMPLES)]
    Walk(WalkArgs),
    /// The effective configuration (feeds, venues, geocoder, street map, realtime, cache) and
    /// where each value came from: a flag, the environment, the config file or a default.
    #[command(after_help = CONFIG_EXAMPLES)]
    Config,
}

const CONFIG_EXAMPLES: &str = "Examples:
  gethere config
  gethere --config data/triangle.toml config --format json
  GETHERE_CONFIG=data/triangle.toml gethere announce --venue american-underground \\
      --start 2024-03-12T18:00

Order: --config (or --venues) > GETHERE_CONFIG (or GETHERE_VENUES) >
~/.config/gethere/config.toml > the bundled data/venues.toml. Flags and environment variables
override the file's values one by one (--feed its [[feeds]], --streets its [streets], ...).";

const MEET_EXAMPLES: &str = "Examples (bundled TriMet feed and data/venues.toml):
  gethere meet --arrive-by 2021-11-02T17:30 --venue new-relic --venue oregon-convention-center \\
      --venue portland-art-museum --from gateway-transit-center --from nw-23rd --from psu \\
      --from union-station
  gethere meet --arrive-by 2021-11-02T17:30 --venue all --origins members.csv --rank mean
  gethere meet --arrive-by 2021-11-02T17:30 --window 15m --venue all --origins members.csv \\
      --format markdown

The origins file is CSV with a header: `label,place` (PLACE as anywhere else) or
`label,lat,lon`; labels may be blank. Each cell is what
`gethere plan --from P --to V --arrive-by TIME` lists first (same routing options), or \"no way\"
when nothing leaves within --max-duration before TIME.

Exit codes: 0 some venue is reachable, 1 no venue is reachable by anyone, 2 error.";

#[derive(Debug, Args)]
pub struct MeetArgs {
    /// Everyone arrives at or before this time (YYYY-MM-DDTHH:MM, feed time zone; with feeds in
    /// several zones, the first venue's).
    #[arg(long, value_name = "TIME")]
    pub arrive_by: String,
    /// A candidate venue (repeatable): a venue key or any PLACE; `all` for every venue in the
    /// venues file that the feed serves.
    #[arg(long = "venue", value_name = "PLACE", required = true)]
    pub venue: Vec<String>,
    /// A person's starting place (repeatable); labelled by the text given.
    #[arg(long = "from", value_name = "PLACE")]
    pub from: Vec<String>,
    /// People from a CSV file: `label,place` or `label,lat,lon` with a header row.
    #[arg(long, value_name = "FILE")]
    pub origins: Option<PathBuf>,
    /// How venues reachable by as many people are ordered: by the longest trip, the mean or
    /// the median (ties by the mean).
    #[arg(long, value_enum, default_value_t = Rank::Worst)]
    pub rank: Rank,
    /// Arrive in [TIME - D, TIME] instead of by TIME: each person's shortest trip arriving
    /// then (e.g. 15m).
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// No way when nothing leaves within this long before TIME (or the window's start).
    #[arg(long, value_name = "DURATION", default_value = "2h")]
    pub max_duration: String,
    #[command(flatten)]
    pub routing: RoutingArgs,
}

/// The measure venues are ranked by.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rank {
    Worst,
    Mean,
    Median,
}

const WALK_EXAMPLES: &str = "Examples (bundled TriMet feed, street map and venues):
  gethere walk --from \"Convention Center MAX Station\" --to oregon-convention-center
  gethere walk --from union-station --to new-relic --format geojson > walk.geojson
  gethere walk --from 45.5189,-122.6789 --to portland-art-museum --wheelchair";

#[derive(Debug, Args)]
pub struct WalkArgs {
    /// Where the walk starts: a venue key, stop name or code, stop:<stop_id>, LAT,LON or an
    /// address.
    #[arg(long, value_name = "PLACE")]
    pub from: String,
    /// Where the walk ends.
    #[arg(long, value_name = "PLACE")]
    pub to: String,
    /// Walking speed in metres per second.
    #[arg(long, value_name = "M_PER_S", default_value_t = 1.2)]
    pub walk_speed: f64,
    /// Step-free: no steps, no ways tagged wheelchair=no.
    #[arg(long)]
    pub wheelchair: bool,
}

const ANNOUNCE_EXAMPLES: &str = "Examples (bundled TriMet feed and data/venues.toml):
  gethere announce --venue new-relic --start 2021-11-02T17:30 --end 2021-11-02T19:30
  gethere announce --venue oregon-convention-center --start 2021-11-06T09:00 \\
      --from \"Gateway/NE 99th Ave TC MAX Station\" --format html --output pycon.html
  # from cron: rewrite only when the directions changed, say nothing on success
  gethere announce --venue new-relic --start 2021-11-02T17:30 --output transit.md --quiet

Exit codes: 0 written (or unchanged), 1 no transit reaches the venue that day (the
announcement still says so), 2 error (e.g. the date is outside the feed: pass --allow-stale
to use the same weekday inside the feed, clearly marked).";

#[derive(Debug, Args)]
pub struct AnnounceArgs {
    /// The venue key in the venues file.
    #[arg(long, value_name = "KEY")]
    pub venue: String,
    /// When the event starts (journeys arrive by then), YYYY-MM-DDTHH:MM in the feed's zone
    /// (with feeds in several zones, the venue's).
    #[arg(long, value_name = "TIME")]
    pub start: String,
    /// When it ends (adds the last trips home).
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
    /// Another origin for suggested journeys (repeatable), besides the venue's own.
    #[arg(long = "from", value_name = "PLACE")]
    pub from: Vec<String>,
    /// Write here (atomically; left untouched when the content is unchanged) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the venue map (its nearest stops, lines and entrances) to this SVG file
    /// (atomically, like --output); markdown output links it.
    #[arg(long, value_name = "FILE.svg")]
    pub map: Option<PathBuf>,
    /// Print nothing on success.
    #[arg(long)]
    pub quiet: bool,
    /// When the event date is outside the feed, use the same weekday inside it and say so in
    /// the announcement, instead of failing.
    #[arg(long)]
    pub allow_stale: bool,
    /// Stops within this many metres of the venue (or its entrances).
    #[arg(long, value_name = "METRES", default_value_t = 400)]
    pub walk_radius: u32,
    /// Price the suggested journeys for this Fares v2 rider category (id or name); default:
    /// the feed's default category.
    #[arg(long, value_name = "CATEGORY")]
    pub rider: Option<String>,
}

const STOPS_EXAMPLES: &str = "Examples (bundled TriMet feed and data/venues.toml):
  gethere stops --near new-relic
  gethere stops --near oregon-convention-center --at 2021-11-02T17:00 --window 30m
  gethere stops --near \"Convention Center MAX Station\" --format json
  gethere stops --near 45.5189,-122.6789 --radius 250 --wheelchair";

#[derive(Debug, Args)]
pub struct StopsArgs {
    /// The place: a venue key, stop name or code, stop:<stop_id>, LAT,LON, or an address.
    #[arg(long, value_name = "PLACE")]
    pub near: String,
    /// Straight-line search radius in metres.
    #[arg(long, value_name = "METRES", default_value_t = 400)]
    pub radius: u32,
    /// At most this many stops.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// List departures from this time (YYYY-MM-DDTHH:MM, feed time zone; with feeds in several
    /// zones, the place's).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// How far after --at to list departures.
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    pub window: String,
    /// Only wheelchair-accessible stops and trips.
    #[arg(long)]
    pub wheelchair: bool,
    /// Walking speed in metres per second, for the walking minutes.
    #[arg(long, value_name = "M_PER_S", default_value_t = 1.2)]
    pub walk_speed: f64,
    /// Also draw the place, the stops found and their lines as an SVG map in this file.
    #[arg(long, value_name = "FILE.svg")]
    pub map: Option<PathBuf>,
}

const PLAN_EXAMPLES: &str = "Examples (bundled TriMet feed):
  # to PyCon at the Oregon Convention Center by MAX, arriving by 17:30
  gethere plan --from gateway-transit-center --to oregon-convention-center --arrive-by 2021-11-02T17:30
  # from a coordinate downtown, leaving at 09:00, every option within an hour
  gethere plan --from 45.5189,-122.6789 --to stop:8370 --depart-at 2021-11-02T09:00 --window 1h
  # the night the clocks go back
  gethere plan --from \"Convention Center MAX Station\" --to stop:landmark-135 --depart-at 2021-11-07T00:30

PLACE is a venue key from the venues file (new-relic), a stop name or code
(\"Convention Center MAX Station\"), stop:<stop_id> (a station means all its platforms),
or LAT,LON.
TIME is YYYY-MM-DDTHH:MM in the feed's time zone (with feeds in several zones: the zone of --to
for --arrive-by, of --from for --depart-at), or with an offset (2021-11-07T01:30-08:00).
On the night clocks go back, a local time that happens twice means the first one.";

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Where the journey starts: a venue key, stop name or code, stop:<stop_id> or LAT,LON.
    #[arg(long, value_name = "PLACE")]
    pub from: String,
    /// Where the journey ends: a venue key, stop name or code, stop:<stop_id> or LAT,LON.
    #[arg(long, value_name = "PLACE")]
    pub to: String,
    /// Arrive at or before this time.
    #[arg(
        long,
        value_name = "TIME",
        conflicts_with = "depart_at",
        required_unless_present = "depart_at"
    )]
    pub arrive_by: Option<String>,
    /// Leave at or after this time.
    #[arg(long, value_name = "TIME")]
    pub depart_at: Option<String>,
    /// Every Pareto-optimal journey leaving in [TIME, TIME+D] (or arriving in [TIME-D, TIME]),
    /// e.g. 30m, 2h.
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    #[command(flatten)]
    pub routing: RoutingArgs,
    /// Journeys reach at most this far past TIME (past the window): depart-at, the last vehicle
    /// arrives within D; arrive-by, the first one leaves within D before. E.g. 12h, 3d.
    /// Default: unlimited within the feed's service (the search widens day by day until the
    /// best journey is proven).
    #[arg(long, value_name = "DURATION")]
    pub max_duration: Option<String>,
    /// Price journeys for this Fares v2 rider category (id or name, e.g. YOUTH); default: the
    /// feed's default category.
    #[arg(long, value_name = "CATEGORY")]
    pub rider: Option<String>,
    /// Print timings and search counters to stderr as one JSON line.
    #[arg(long)]
    pub stats: bool,
    /// Also draw the first itinerary (walks, rides, stops) as an SVG map in this file.
    #[arg(long, value_name = "FILE.svg")]
    pub map: Option<PathBuf>,
}

/// Routing options shared by `plan` and `meet` (one definition, one set of defaults, so a
/// `meet` cell can always be reproduced with `plan`).
#[derive(Debug, Args)]
pub struct RoutingArgs {
    /// At most this many changes of vehicle.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_transfers: u32,
    /// Seconds needed to change vehicles at the same stop when transfers.txt gives no time.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub min_transfer_time: u32,
    /// Walk between stops up to this distance (along streets with a street map, else straight
    /// line) [default: 400]; 0 turns generated walking links off (transfers.txt footpaths
    /// remain). When given, it also bounds the walks to and from the places.
    #[arg(long, value_name = "METRES")]
    pub walk_radius: Option<u32>,
    /// The longest walk to the first stop and from the last one (and the whole way on foot),
    /// e.g. 15m, 25m.
    #[arg(long, value_name = "DURATION", default_value = "15m")]
    pub max_walk: String,
    /// Walking speed in metres per second.
    #[arg(long, value_name = "M_PER_S", default_value_t = 1.2)]
    pub walk_speed: f64,
    /// Use only trips and stops marked wheelchair accessible.
    #[arg(long)]
    pub wheelchair: bool,
}

#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Agencies, time zone, counts, the service date range and warnings you must see
    /// (expired, not yet valid, days without service).
    #[command(after_help = "Examples:
  gethere feed info
  gethere feed info --format json
  gethere feed info --feed ../shared/data/godurham/godurham-2023-12.gtfs.zip --now 2024-03-01")]
    Info,
    /// Validate a feed: missing files, dangling references, times running backwards,
    /// malformed values — with file, line and id. Exit 2 when the feed is unusable, 0 when it is
    /// usable (possibly with warnings).
    #[command(after_help = "Examples:
  gethere feed check
  gethere feed check --feed my-feed.zip --format json")]
    Check,
}
